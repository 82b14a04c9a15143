"""The recipe's workflow, declared once. Every layer reads it: the FSM decorators on `Case` take their
sources and targets from `Transition`; the services refuse a record with `ensure_allows` (the only
place that decides whether something may be recorded in a step); the case page shows and unlocks
blocks from `POLICIES`; templates and metrics read the policy and the transition labels; the sweeps'
candidate queries filter on `live_promise_q`, `ITEM_STEPS` and `STALL_WATCH_STEPS`.

Changing the recipe (a step that accepts one more kind of record, a block shown earlier, a promise
kind the sweeps watch in one more step) is an edit here and nowhere else."""
from dataclasses import dataclass, field
from enum import Enum

from django.db.models import BooleanField, Case, Q, Value, When

from .choices import PromiseKind, Step


class Record(str, Enum):
    """What a user may add to a case or change on it (besides step changes)."""

    CONCERN = "concern"
    TEMPERATURE = "temperature"  # the client's temperature and the irate flag
    ACKNOWLEDGEMENT = "ack"
    RECOMMITMENT = "recommit"
    FACT = "fact"  # a question and the client's answer
    ROOT_PROBLEM = "root"
    # The client's own expectation ("what would make this right?"), recorded with the root problem: at
    # deliver the delivery is judged against it (Delivery.expectation_met), so it no longer moves there.
    EXPECTATION = "expectation"
    ACTION_ITEM = "item"  # add a new action item
    ITEM_WORK = "item_work"  # edit, complete, cancel or hand back an open item
    CADENCE = "cadence"
    ETA = "eta"
    STATUS_UPDATE = "update"
    RENEGOTIATION = "renegotiate"
    DELIVERY = "delivery"
    FOLLOW_UP = "followup"
    ESCALATION = "escalate"
    HANDOFF = "handoff"  # hand the case over, ask for it, accept or reassign it
    CONTACT = "contact"  # a client contact logged by whoever took the call
    CLIENT_CONTACT = "client_contact"  # name, organisation, email, phone
    CLIENT_SCHEDULE = "client_schedule"  # time zone and quiet hours (they move deadlines)


R = Record
_EARLY = frozenset({R.CONCERN, R.TEMPERATURE, R.ESCALATION, R.HANDOFF, R.CONTACT, R.CLIENT_CONTACT,
                    R.CLIENT_SCHEDULE})
_ACTING = frozenset({R.ACTION_ITEM, R.ITEM_WORK, R.CADENCE, R.ETA, R.STATUS_UPDATE, R.RENEGOTIATION})
_LOOSE_ENDS_HINT = ("The plan is finished at delivery. If something is still missing, use loose ends to take the "
                    "case back to the plan and add the item there.")
_CLOSED_HINT = "The case is closed: reopen it to change this."


@dataclass(frozen=True)
class StepPolicy:
    step: Step
    blocks: tuple  # the page blocks open in this step (earlier steps' blocks stay, collapsed)
    records: frozenset  # what may be added or edited in this step
    live_promises: frozenset = frozenset()  # promise kinds the sweeps act on in this step
    items_live: bool = False  # action-item sweeps (reminders, overdue notices) act in this step
    # The plan's gate is behind: an action item added or changed here needs an owner and a due time at
    # once (its promise opens with it), where the plan step lets a draft wait for them until its gate.
    items_promised: bool = False
    # Identify's gate is behind: a concern added or edited here is saved whole (what is wrong, its impact, how
    # the client feels), where identify lets one wait incomplete until its gate (services.intake).
    concerns_whole: bool = True
    cadence_runs: bool = False  # a logged status update opens the next status-update promise
    stall_watch: bool = False  # the stalled-case sweep watches this step
    closed: bool = False
    client_answers: bool = False  # the client may say "It works" or "Not yet" on their status page
    hints: dict = field(default_factory=dict)  # block -> why it is read-only here, shown on the page

    def allows(self, record):
        return Record(record) in self.records


_ack = _EARLY | {R.ACKNOWLEDGEMENT}
_recommit = _ack | {R.RECOMMITMENT}
_gather = _recommit | {R.FACT, R.ROOT_PROBLEM, R.EXPECTATION}
_plan = _gather | _ACTING
_live_plan = frozenset({PromiseKind.STATUS_UPDATE, PromiseKind.ACTION_ITEM, PromiseKind.ETA})

POLICIES = {
    Step.IDENTIFY: StepPolicy(Step.IDENTIFY, ("concerns", "temperature"), _EARLY, concerns_whole=False,
                              stall_watch=True),
    Step.ACKNOWLEDGE: StepPolicy(Step.ACKNOWLEDGE, ("ack",), _ack, stall_watch=True),
    Step.RECOMMIT: StepPolicy(Step.RECOMMIT, ("recommit",), _recommit, stall_watch=True),
    Step.GATHER: StepPolicy(Step.GATHER, ("facts", "root"), _gather, stall_watch=True),
    Step.PLAN: StepPolicy(Step.PLAN, ("items", "cadence", "eta"), _plan, live_promises=_live_plan, items_live=True,
                          cadence_runs=True, stall_watch=True),
    Step.MANAGE_ANXIETY: StepPolicy(Step.MANAGE_ANXIETY, ("updates", "items", "cadence"), _plan,
                                    live_promises=_live_plan, items_live=True, cadence_runs=True,
                                    items_promised=True),
    Step.DELIVER: StepPolicy(
        Step.DELIVER, ("delivery", "updates"),
        (_gather - {R.EXPECTATION}) | {R.CADENCE, R.STATUS_UPDATE, R.RENEGOTIATION, R.DELIVERY},
        # The estimate too, put back by the client's "Not yet" (services.transitions.arrival_not_accepted).
        live_promises=frozenset({PromiseKind.STATUS_UPDATE, PromiseKind.ETA}), client_answers=True,
        cadence_runs=True,  # the client is still owed updates until the delivery call: no parking here unseen
        hints={"items": _LOOSE_ENDS_HINT, "eta": "The case has reached delivery: the estimate is settled."},
    ),
    Step.RESOLVED: StepPolicy(
        Step.RESOLVED, ("followup",), frozenset({R.FOLLOW_UP, R.CLIENT_CONTACT}),
        live_promises=frozenset({PromiseKind.FOLLOW_UP}), closed=True,
    ),
}

ORDER = list(Step)
OPEN_STEPS = tuple(s for s in Step if not POLICIES[s].closed)
CLOSED_STEPS = tuple(s for s in Step if POLICIES[s].closed)
STALL_WATCH_STEPS = tuple(s for s in Step if POLICIES[s].stall_watch)
ITEM_STEPS = tuple(s for s in Step if POLICIES[s].items_live)
BLOCKS = ("concerns", "temperature", "ack", "recommit", "facts", "root", "items", "cadence", "eta", "updates",
          "delivery", "followup")
# The record each page block adds or edits: the block is editable exactly when its record is allowed.
BLOCK_RECORD = {
    "concerns": R.CONCERN, "temperature": R.TEMPERATURE, "ack": R.ACKNOWLEDGEMENT, "recommit": R.RECOMMITMENT,
    "facts": R.FACT, "root": R.ROOT_PROBLEM, "items": R.ACTION_ITEM, "cadence": R.CADENCE, "eta": R.ETA,
    "updates": R.STATUS_UPDATE, "delivery": R.DELIVERY, "followup": R.FOLLOW_UP,
}
# The step in which each block first shows: the first that opens it or allows its record (it stays,
# collapsed, in every later step).
BLOCK_FROM = {b: next(s for s in ORDER if b in POLICIES[s].blocks or POLICIES[s].allows(BLOCK_RECORD[b]))
              for b in BLOCKS}

# Why a record is refused before the first step that allows it, in a rep's words.
TOO_EARLY = {
    R.ACKNOWLEDGEMENT: "Identify the concerns before acknowledging them.",
    R.RECOMMITMENT: "Acknowledge the concern before recommitting: acknowledging comes first.",
    R.FACT: "Recommit before gathering information.",
    R.ROOT_PROBLEM: "Recommit before gathering information.",
    R.EXPECTATION: "Recommit before gathering information.",
    R.ACTION_ITEM: "Action items can only be added from the plan step on: acting before acknowledging and "
                   "recommitting is what the recipe forbids.",
    R.ITEM_WORK: "Action items are worked from the plan step on.",
    R.CADENCE: "The update cadence is agreed from the plan step on: finish the earlier steps first.",
    R.ETA: "The estimate is given from the plan step on: finish the earlier steps first.",
    R.STATUS_UPDATE: "Status updates are logged once a plan is being agreed (from the plan step on).",
    R.RENEGOTIATION: "There is no promise to renegotiate before the plan step.",
    R.DELIVERY: "Delivery is recorded in the deliver step, once every action item is closed.",
    R.FOLLOW_UP: "The follow-up call is logged after the case is resolved.",
}
# Why a record is refused in an open step after the ones that allow it.
TOO_LATE = {
    R.ACTION_ITEM: _LOOSE_ENDS_HINT,
    R.ITEM_WORK: _LOOSE_ENDS_HINT,
    R.ETA: "The case has reached delivery: the estimate is settled.",
    R.EXPECTATION: ("The client's expectation is what this delivery is judged against (expectation met), so it "
                    "cannot change now. If the client now expects something else, take the case back to the plan "
                    "with loose ends and record their new expectation there."),
}


def policy(step):
    return POLICIES[Step(step)]


def is_closed(step):
    return policy(step).closed


def reached(step, block):
    return ORDER.index(Step(step)) >= ORDER.index(BLOCK_FROM[block])


def refusal(record, step, reference=""):
    """Why `record` may not be added or changed in `step`, or None when it may."""
    record, step = Record(record), Step(step)
    pol = POLICIES[step]
    if pol.allows(record):
        return None
    ref = reference or "This case"
    if pol.closed:
        return (f"{ref} is closed: only the follow-up call and the client's contact details can be recorded. "
                "Reopen it to change anything else.")
    first = next((s for s in ORDER if POLICIES[s].allows(record)), None)
    if first is not None and ORDER.index(step) < ORDER.index(first):
        return TOO_EARLY.get(record, f"That comes later, from “{first.label}” on.")
    return TOO_LATE.get(record, f"That cannot be changed in “{step.label}”.")


def ensure_allows(case, record, *, field=None):
    """Raise CaseRuleError unless the case's step allows `record` (the refusal beside the form's `field`, when
    one field carries it). Every service that writes a record calls this; it is the only place that decides it."""
    from .errors import CaseRuleError

    message = refusal(record, case.step, case.reference)
    if message:
        raise CaseRuleError(message, field=field)


def live_promise_q(prefix="case__"):
    """Pending promises the sweeps may act on: each kind only on cases in a step where it is live.

    A filter, written as one CASE on the promise's kind rather than an OR of (kind, steps) pairs:
    PostgreSQL plans the OR form in ~13 ms at 100k cases (against ~0.2 ms for this one, the same rows
    and the same plan), and the sweeps ask it twice per batch (`make bench`)."""
    whens = []
    for kind in PromiseKind:
        steps = [s.value for s in Step if kind in POLICIES[s].live_promises]
        if steps:
            whens.append(When(kind=kind, then=Q(**{f"{prefix}step__in": steps})))
    return Case(*whens, default=Value(False), output_field=BooleanField()) if whens else Q(pk__in=[])


# --- Transitions ----------------------------------------------------------------------------------
class After(str, Enum):
    """What the service does once a transition is applied (cases.services.steps)."""

    NOTHING = "nothing"
    SETTLE_ETA = "settle_eta"  # the client's fix arrived: the ETA promise is kept (or broken if late)
    RESOLVE = "resolve"  # closed means closed: items, promises and escalations settled; follow-up opened
    FORCE_CLOSE = "force_close"  # as RESOLVE, but pending promises are withdrawn, no follow-up
    # A new plan: the follow-up withdrawn, a new estimate asked for unless one stands again (a reopened
    # case the override closed before plan walks the skipped steps first: Transition.back_to_skipped).
    BACK_TO_PLAN = "back_to_plan"
    # BACK_TO_PLAN after the client sent the delivery back: the arrival delivered nothing, so the estimate
    # it kept stands again (cases.services.transitions._unaccepted_arrival).
    LOOSE_ENDS = "loose_ends"


class Transition(Enum):
    """Every step change: (method on Case, label, sources, target, reason required, after-effect,
    permission: "work" = owner/co-owner/supervisor, "force_close" = a supervisor's override, and
    optionally back_to_skipped). With back_to_skipped, a case a supervisor's override closed in a step
    before `target` goes back to that step instead (`target_for`): the steps the override skipped are
    walked again, so none is skipped and nothing is acted on before acknowledging and recommitting."""

    COMPLETE_IDENTIFY = ("complete_identify", "Concerns identified", (Step.IDENTIFY,), Step.ACKNOWLEDGE,
                         False, After.NOTHING, "work")
    COMPLETE_ACKNOWLEDGE = ("complete_acknowledge", "Acknowledged", (Step.ACKNOWLEDGE,), Step.RECOMMIT,
                            False, After.NOTHING, "work")
    COMPLETE_RECOMMIT = ("complete_recommit", "Recommitted", (Step.RECOMMIT,), Step.GATHER,
                         False, After.NOTHING, "work")
    COMPLETE_GATHER = ("complete_gather", "Root problem agreed", (Step.GATHER,), Step.PLAN,
                       False, After.NOTHING, "work")
    COMPLETE_PLAN = ("complete_plan", "Plan agreed with the client", (Step.PLAN,), Step.MANAGE_ANXIETY,
                     False, After.NOTHING, "work")
    COMPLETE_MANAGE_ANXIETY = ("complete_manage_anxiety", "All action items closed", (Step.MANAGE_ANXIETY,),
                               Step.DELIVER, False, After.SETTLE_ETA, "work")
    COMPLETE_DELIVER = ("complete_deliver", "Delivered and confirmed", (Step.DELIVER,), Step.RESOLVED,
                        False, After.RESOLVE, "work")
    LOOSE_ENDS = ("loose_ends", "Back to plan: loose ends", (Step.DELIVER,), Step.PLAN,
                  True, After.LOOSE_ENDS, "work")
    REOPEN = ("reopen", "Reopened", (Step.RESOLVED,), Step.PLAN, True, After.BACK_TO_PLAN, "work",
              True)  # back_to_skipped
    FORCE_CLOSE = ("force_close", "Closed by a supervisor override", OPEN_STEPS, Step.RESOLVED,
                   True, After.FORCE_CLOSE, "force_close")

    def __init__(self, method, label, sources, target, reason_required, after, permission, back_to_skipped=False):
        self.method = method
        self.label = label
        self.sources = tuple(sources)
        self.target = target
        self.reason_required = reason_required
        self.after = after
        self.permission = permission
        self.back_to_skipped = back_to_skipped

    @property
    def targets(self):
        """Every step this transition may lead to (the FSM refuses any other; the state diagram draws them)."""
        if not self.back_to_skipped:
            return (self.target,)
        return tuple(ORDER[:ORDER.index(self.target) + 1])

    def target_for(self, case):
        """The step this transition takes `case` to: `target`, or, with back_to_skipped, the earlier step a
        supervisor's override closed the case from (Case.closed_from_step)."""
        closed_from = case.closed_from_step if case.closed_by_override else ""
        if self.back_to_skipped and closed_from and Step(closed_from) in self.targets:
            return Step(closed_from)
        return self.target

    @classmethod
    def named(cls, name):
        """The transition whose method is `name`, or None."""
        return _BY_METHOD.get(name)

    @property
    def is_completion(self):
        return self.method.startswith("complete_")


_BY_METHOD = {t.method: t for t in Transition}
ALL_TRANSITIONS = tuple(_BY_METHOD)
TRANSITION_LABELS = {t.method: t.label for t in Transition}
# The "complete" transition that leaves each step, in order.
COMPLETE_TRANSITIONS = {t.sources[0]: t.method for t in Transition if t.is_completion}
# The other moves, as the page offers them.
MOVE_LABELS = {
    Transition.LOOSE_ENDS.method: "Back to plan: the client is not satisfied yet",
    Transition.REOPEN.method: "Reopen: the problem came back",
    Transition.FORCE_CLOSE.method: "Close without meeting the gate (supervisor override)",
}
