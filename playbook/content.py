"""The recipe as data: what the UI shows beside each step, in the project's own words.

Invariant: guidance is keyed by the plain step value strings ("identify", ..., "deliver"); this module
imports nothing from `cases`. tests/playbook checks that the keys and `cases.models.Step` agree.
Everything here is immutable (frozen dataclasses holding tuples), so it is safe to share between requests.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AvoidPhrase:
    """Something a rep should not say, and why it hurts."""

    phrase: str
    why: str


@dataclass(frozen=True)
class StepGuidance:
    step: str  # the step value, e.g. "gather"
    number: int  # 1..7
    title: str
    purpose: str
    checklist: tuple[str, ...]
    questions: tuple[str, ...]  # may be empty where asking is not the point of the step
    phrasing: tuple[str, ...]  # sample sentences to use
    avoid: tuple[AvoidPhrase, ...]
    next_hint: str  # what to do before this step can be left


@dataclass(frozen=True)
class DeescalationMove:
    title: str
    how: str
    sample: str


@dataclass(frozen=True)
class DeescalationScript:
    title: str
    when: str
    moves: tuple[DeescalationMove, ...]
    avoid: tuple[AvoidPhrase, ...]


_GUIDANCE: tuple[StepGuidance, ...] = (
    StepGuidance(
        step="identify",
        number=1,
        title="Identify the concerns",
        purpose=(
            "Find out what is wrong, what it is doing to the client's day or business, and how they feel "
            "about it. Listen first: the facts can wait until later."
        ),
        checklist=(
            "Let the client talk it out without interrupting.",
            "Write down each concern separately.",
            "For each one, note its impact and any date when it turns critical.",
            "Note how the client feels, in their words if possible.",
            "Record the client's temperature: calm, anxious, upset, angry or irate.",
            "Remember the anger is aimed at the company, not at you.",
        ),
        questions=(
            "What is this stopping you from doing?",
            "Is there a date by which this becomes serious for you?",
            "How is this landing for you and your team?",
            "Is anything else bothering you about this?",
        ),
        phrasing=(
            "Tell me what's going on; I'm listening.",
            "So nobody gets paid unless orders come in before Thursday. Is that right?",
            "Take your time, I want the whole picture.",
        ),
        avoid=(
            AvoidPhrase(
                "Can I take your account number and the error code first?",
                "Fact-finding this early tells the client their feelings are in the way; collect details later.",
            ),
            AvoidPhrase(
                "Calm down, please.",
                "It dismisses how they feel and usually turns the heat up.",
            ),
            AvoidPhrase(
                "I know exactly what the problem is.",
                "Guessing the concern before hearing it out is often wrong and cuts the client off.",
            ),
        ),
        next_hint=(
            "Record at least one concern with its impact and feeling, and set the temperature, "
            "then move on to acknowledging it."
        ),
    ),
    StepGuidance(
        step="acknowledge",
        number=2,
        title="Acknowledge",
        purpose=(
            "Show the client you understand the problem and its cost from where they stand. "
            "Acknowledging is not agreeing: you can recognise their experience without conceding every detail."
        ),
        checklist=(
            "Thank the client for telling you.",
            "Say the problem back in your own words (mirroring).",
            "Name the feeling you are hearing (labeling).",
            "Speak from their side of the counter, not yours.",
            "Do not offer money, guarantees or anything not already promised.",
            "Do not put the blame on a colleague or another team.",
        ),
        questions=(
            "Have I got that right?",
            "Did I miss anything that matters to you?",
        ),
        phrasing=(
            "Thank you for raising this with us straight away.",
            "Let me check I've understood: since the upgrade, no orders and no email, and payroll is due soon.",
            "That sounds really stressful, especially with payday so close.",
            "I'd be worried too if my shop had gone quiet like that.",
        ),
        avoid=(
            AvoidPhrase(
                "Whose fault is this?",
                "Hunting for someone to blame sounds like an interrogation and undoes the acknowledgement.",
            ),
            AvoidPhrase(
                "Are you sure that's what happened?",
                "It tells the client you doubt them; you will get to the facts once they trust you.",
            ),
            AvoidPhrase(
                "The tech team keeps breaking things.",
                "Running down teammates makes the whole company look weak, you included.",
            ),
            AvoidPhrase(
                "We'll refund the whole month.",
                "Taking on liability nobody has approved creates a promise you may not be able to keep.",
            ),
        ),
        next_hint="Record what you said to acknowledge the client, then recommit on behalf of the team.",
    ),
    StepGuidance(
        step="recommit",
        number=3,
        title="Recommit",
        purpose=(
            "Speak for the whole team: name the standard the company holds itself to and commit to meeting it "
            "again. This comes after acknowledging and before doing anything."
        ),
        checklist=(
            "Say that this falls short of the standard the team aims for.",
            "Commit as a member of the team, not as a lone hero.",
            "Place yourself on the client's side of the problem.",
            "Hold off on any action until you have recommitted.",
        ),
        questions=(),
        phrasing=(
            "This isn't the level of service we hold ourselves to.",
            "We're going to put this right, and I'm personally seeing it through with you.",
            "You're not on your own with this; I'm on it with you now.",
        ),
        avoid=(
            AvoidPhrase(
                "I'd have done it properly, but my colleague messed up.",
                "Making yourself look good at a teammate's expense shows the client a divided team.",
            ),
            AvoidPhrase(
                "I'll just go and fix it.",
                "Jumping to action before recommitting teaches the client that complaining is what gets "
                "results.",
            ),
            AvoidPhrase(
                "I promise it will never happen again.",
                "Nobody can guarantee that; it is a new promise you are not in a position to keep.",
            ),
        ),
        next_hint="Record the recommitment, then start asking the questions that find the real problem.",
    ),
    StepGuidance(
        step="gather",
        number=4,
        title="Gather information",
        purpose=(
            "Ask specific, blame-free questions to understand what really happened. Find the root problem, "
            "which may not be the one first described, and agree with the client that it is the one to solve."
        ),
        checklist=(
            "Ask one specific question at a time and note the answer.",
            "Listen for follow-up questions hiding in each answer.",
            "Ask what outcome would make it right for the client.",
            "Write down the root problem in one sentence.",
            "Check that the client agrees this is the problem to work on.",
        ),
        questions=(
            "Can you walk me through exactly what you did, step by step?",
            "How did you first notice something was wrong?",
            "What should normally happen at that point?",
            "When did it last work as expected?",
            "What would make this right for you?",
        ),
        phrasing=(
            "A few specific questions will help me get this fixed faster.",
            "It sounds like the real issue is the mail server, not your laptop. Shall we focus there?",
            "So if orders are flowing again, that would put things right for you?",
        ),
        avoid=(
            AvoidPhrase(
                "Why did you change the settings?",
                "A 'why did you' question assigns blame; ask what happened instead.",
            ),
            AvoidPhrase(
                "Who did this?",
                "Searching for a culprit puts the client on trial and undoes the trust you built.",
            ),
            AvoidPhrase(
                "You must have clicked the wrong button.",
                "Assuming user error sounds defensive, and it may simply be wrong.",
            ),
        ),
        next_hint=(
            "Record at least one question with its answer and the root problem, "
            "including what the client expects, then build the plan."
        ),
    ),
    StepGuidance(
        step="plan",
        number=5,
        title="Plan the action",
        purpose=(
            "Turn the fix into dated steps, each with an owner, and agree when and how the client will hear "
            "from you. Give them an outcome they can plan around: an estimate as a range, not a tour of the process."
        ),
        checklist=(
            "Give every action a named owner and a due date and time.",
            "Enroll the teammates you need; you still own the case.",
            "If the full fix will take a while, first reduce the impact.",
            "Agree the update rhythm and channel, e.g. hourly by phone.",
            "Give an ETA as a range, earliest to latest.",
            "Escalate to a supervisor if you cannot build a plan you trust.",
        ),
        questions=(
            "How often would you like to hear from us, and by phone or email?",
            "What would help most while the full fix is underway?",
            "Is there a time we should avoid calling you?",
        ),
        phrasing=(
            "Our estimate is that email will be back within 2 to 4 hours.",
            "First we'll get orders flowing through a temporary page, then fix the servers properly.",
            "I'll call you every hour with where we are, even if nothing has changed.",
        ),
        avoid=(
            AvoidPhrase(
                "Engineering is looking into it and we'll know more once they report back.",
                "That describes a process but answers none of the client's questions about when.",
            ),
            AvoidPhrase(
                "We'll get to it as soon as we can.",
                "Without a date it is a wish, not a promise the client can rely on.",
            ),
            AvoidPhrase(
                "There's nothing I can do until the other department replies.",
                "It hides behind the organisation; say what you will do and by when.",
            ),
        ),
        next_hint=(
            "Add action items with owners and future due times, set the update cadence and give an ETA range; "
            "then keep the client informed."
        ),
    ),
    StepGuidance(
        step="manage_anxiety",
        number=6,
        title="Manage anxiety",
        purpose=(
            "Keep every promised update, on time, so worry has nowhere to grow. Each update should say where "
            "the outcome stands and how the client is feeling now."
        ),
        checklist=(
            "Make each update before it falls due, even when there is no news.",
            "Lead with the outcome and the current estimate.",
            "Note the client's mood on every update.",
            "Chase teammates' items before they slip.",
            "Space out updates only when the client asks for that.",
            "If a date has to move, renegotiate it before it passes.",
        ),
        questions=(
            "Are hourly calls still useful, or would fewer suit you better?",
            "Is anything new worrying you since we last spoke?",
        ),
        phrasing=(
            "Email is back for two of your five mailboxes; the rest should follow within the hour.",
            "No change since 14:00, and we still expect the site back between 4pm and 6pm.",
            "I'll call you again at 3pm as agreed.",
        ),
        avoid=(
            AvoidPhrase(
                "We're still working on it.",
                "A process answer with no time leaves the client guessing; give a time or a range.",
            ),
            AvoidPhrase(
                "Sorry I didn't call, it was busy here.",
                "A missed update is a broken promise, and excuses make the worry worse.",
            ),
            AvoidPhrase(
                "They always take ages with this kind of thing.",
                "Grumbling about colleagues shakes the client's trust in the whole team.",
            ),
        ),
        next_hint=(
            "Log every update before it is due; finish or cancel (with a reason) every action item, "
            "then deliver the result with the client."
        ),
    ),
    StepGuidance(
        step="deliver",
        number=7,
        title="Deliver",
        purpose=(
            "Be with the client when they see it working again, so you share that moment and catch any loose "
            "end on the spot. Then explain how it will be kept from coming back and book the follow-up."
        ),
        checklist=(
            "Have the client try it while you are still with them.",
            "Confirm they are satisfied, in their own words.",
            "Check their own expectation from the gather step was met.",
            "Explain what will stop this from recurring.",
            "Consider a small extra touch if it fits.",
            "Set a date for the follow-up call.",
        ),
        questions=(
            "Could you send a test order now while I'm on the line?",
            "Is everything working the way you need it to?",
            "Is anything still open for you?",
        ),
        phrasing=(
            "I've just sent you a test message; let me know when it arrives.",
            "We've added monitoring so an upgrade like this gets rolled back automatically.",
            "I'll call you next Tuesday to make sure it's all still running smoothly.",
            "Thanks for your patience and for letting us help.",
        ),
        avoid=(
            AvoidPhrase(
                "It should be working now, call us if not.",
                "Leaving before the client has checked misses the moment it works and pushes any failure "
                "back on them.",
            ),
            AvoidPhrase(
                "This will never happen again, guaranteed.",
                "A guarantee is new liability; describe the prevention steps instead.",
            ),
        ),
        next_hint=(
            "Record the client's confirmation, the verified fix, a prevention note and a follow-up date "
            "to resolve the case."
        ),
    ),
)

_BY_STEP: dict[str, StepGuidance] = {g.step: g for g in _GUIDANCE}

STEP_VALUES: tuple[str, ...] = tuple(g.step for g in _GUIDANCE)


_DEESCALATION = DeescalationScript(
    title="Calming an irate client",
    when="Use this when the client is irate, before working through the usual steps.",
    moves=(
        DeescalationMove(
            title="Let them vent",
            how=(
                "Say little, keep your tone steady and let the pressure run out. Do not argue or ask for "
                "details yet."
            ),
            sample="I'm here, go on.",
        ),
        DeescalationMove(
            title="Show you're on their side",
            how="Make it clear you are there to help them, not to defend the company or win the argument.",
            sample="I can hear how frustrating this has been, and I'm the one who'll help you sort it out.",
        ),
        DeescalationMove(
            title="Say exactly what you'll do and by when",
            how="Name the concrete next steps and the time you will come back to them.",
            sample="I'm getting an engineer on this now and I'll call you back by 11:30 with an update.",
        ),
        DeescalationMove(
            title="Act fast",
            how="Start the work straight away and push for the client inside the company.",
            sample="I've flagged it as urgent and I'm staying on it until it's moving.",
        ),
        DeescalationMove(
            title="Come back and confirm",
            how=(
                "Go back with the result, make sure nothing is left bothering them, and say thanks for the "
                "chance to put it right."
            ),
            sample="It's fixed on our side; can you check it with me now?",
        ),
    ),
    avoid=(
        AvoidPhrase(
            "Who is to blame for this?",
            "It turns the call into an investigation and aims the anger back at the client.",
        ),
        AvoidPhrase(
            "That's not possible, it has never done that before.",
            "Contradicting an angry client tells them you are not on their side.",
        ),
        AvoidPhrase(
            "Our policy says you have to put it in writing.",
            "Hiding behind the rules sounds like a wall; tell them what you can do.",
        ),
    ),
)


def guidance_for(step_value: str) -> StepGuidance:
    """The guidance for one step value; raises KeyError for a value with none (e.g. "resolved")."""
    try:
        return _BY_STEP[str(step_value)]
    except KeyError:
        raise KeyError(f"No playbook guidance for step {step_value!r}") from None


def has_guidance(step_value: str) -> bool:
    return str(step_value) in _BY_STEP


def all_guidance() -> tuple[StepGuidance, ...]:
    """Every step's guidance, in recipe order."""
    return _GUIDANCE


def deescalation_script() -> DeescalationScript:
    return _DEESCALATION
