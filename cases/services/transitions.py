"""Every step change. `case_transition` is the only caller of the transition methods: lock, refuse a
stale page clearly, check the gate (every missing thing in plain words), check the user's permission,
transition, save, record the event, then do what the declaration (cases.workflow.Transition.after)
says happens after it. Closing a case, by delivery or by a supervisor's override, closes everything
still open on it: items, promises (except the follow-up of a resolved case), escalations, handoffs."""
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from ..bounds import call_day_has_come, follow_up_day_has_come
from ..client_word import client_accepted_delivery, closed_attempt_answer, unread_mail_refusal
from ..errors import CaseRuleError
from ..metrics import eta
from ..models import (
    CaseEvent, EscalationStatus, HandoffStatus, ItemStatus, PromiseKind, PromiseStatus, Step,
)
from ..models.ledger import SYSTEM_RESOLUTION
from ..permissions import may_own_cases
from ..text import REASON_WORDS, SHORT_NOTE, clean_text, require_substance
from ..workflow import ALL_TRANSITIONS, TRANSITION_LABELS, After, Transition, policy
from .common import display_name, escalations_resolved_by_system, event_record, lock_case, refresh_counters
from .held import end_of_holding
from .status_links import revoke_status_links


OVERRIDE_NOTE = "Case closed by a supervisor: "  # how the override's note on what it closed begins


def available_transitions(case, user):
    """Names of the transitions this user may take now (gates met, permission held)."""
    return [t.name for t in case.get_available_user_step_transitions(user)]


@transaction.atomic
def case_transition(*, user, case, name, reason="", step_shown=None):
    """Move the case along one transition. `name` is what the user saw and pressed: if somebody
    moved the case first, the call is refused rather than applied to the new step. `step_shown`: the
    step the user's page was drawn for (ensure_stay_shown); None (code, an old page) skips that check."""
    spec = Transition.named(name)
    if spec is None:
        raise CaseRuleError("That is not a step change this case knows.")
    case = lock_case(case)
    ensure_stay_shown(case, step_shown, spec.label)
    method = getattr(case, spec.method)
    if not can_proceed(method, check_conditions=False):
        raise CaseRuleError(
            f"{case.reference} is in “{case.step_enum.label}” now, so “{spec.label}” cannot be "
            "applied (someone may have moved it first). Reload the case to see where it stands."
        )
    if not can_proceed(method):
        gaps = case.gate_gaps()
        raise CaseRuleError("Not yet: " + " ".join(gaps), gaps=gaps)
    ensure_transition_perm(case, spec, user)
    for check in CHECKS.get(spec, ()):  # before the reason: what holds the move is what the user needs to hear
        check(case)
    if spec.reason_required:
        # Audited and counted (a reopen, loose ends, an override): a reason says something, not "ok" or "."
        reason = require_substance(reason, field="reason", message="Give a reason for this step change.",
                                   limit=SHORT_NOTE, min_words=REASON_WORDS)
    else:
        reason = clean_text(reason, field="reason", limit=SHORT_NOTE)
    overridden_at = case.resolved_at if spec is Transition.REOPEN and case.closed_by_override else None
    from_step, entered = case.step, case.step_entered_at
    method(reason) if spec.reason_required else method()
    case.save()
    event = _record_transition(case=case, user=user, spec=spec, from_step=from_step, entered=entered, reason=reason)
    if overridden_at is not None:
        _restore_overridden(case=case, user=user, closed_at=overridden_at, reason=reason)
    AFTER[spec.after](case=case, user=user, reason=reason)
    if spec is eta.ARRIVAL:  # ETA honesty, judged once the arrival has settled the ETA promise
        event.eta_verdict, event.eta_owner_id = eta.arrival_judgement(case)
        event.save(update_fields=["eta_verdict", "eta_owner"])
    refresh_counters(case)
    return case


def _record_transition(*, case, user, spec, from_step, entered, reason):
    """The transition's event, at the moment the case entered its new step, with how long it stayed in
    the step it left (CaseEvent.step_seconds: the team's times in each step) and the case's owner then
    (CaseEvent.of: the rep the team page counts the transition for); and the owner's part of the stay
    (cases.services.held: the rep's times in each step). An override or loose ends from `deliver` after the
    client said "It works" in the stay it left (the one entered at `entered`) says so in its data
    (`client_accepted`): the delivery was accepted, so its arrival's verdict and the estimate it kept stand
    (_force_close, _loose_ends; cases.metrics.eta.arrival_rows reads it). Found by an audit: loose ends after
    "It works" voided an early arrival, and the next one, inside the range, counted "within"."""
    data = {"transition": spec.method}
    if spec in LEAVES_ACCEPTED and from_step == Step.DELIVER:
        answer = closed_attempt_answer(case, entered)  # the client's answer in the stay just left
        if answer is not None and answer.works:
            data["client_accepted"] = True
    event = CaseEvent.of(
        case, actor=user, verb=spec.label, from_step=from_step, to_step=case.step, note=reason,
        data=data, created_at=case.step_entered_at,
        step_seconds=(case.step_entered_at - entered).total_seconds(),
    )
    event.save(force_insert=True)
    end_of_holding(case=case, owner_id=case.owner_id, step=from_step, entered=entered, at=case.step_entered_at)
    return event


# The ways out of `deliver` other than the rep's confirmation that may follow the client's "It works".
LEAVES_ACCEPTED = (Transition.FORCE_CLOSE, Transition.LOOSE_ENDS)


def held_by_checks(case, name):
    """What holds the transition `name` beyond its gate (CHECKS), as the refusal would say it, or []: the case
    page shows these beside the button instead of offering a step the click would be refused (found by a
    review: "Delivered and confirmed" was offered while the client's email lay unread)."""
    for check in CHECKS.get(Transition.named(name), ()):
        try:
            check(case)
        except CaseRuleError as refused:
            return refused.gaps or [str(refused)]
    return []


def ensure_transition_perm(case, spec, user):
    """The transition's permission (workflow: who may take it), the one rule every path reads. From a step
    it does not leave, the step's refusal says more (case_transition), so that is left to it."""
    method = getattr(case, spec.method)
    if can_proceed(method, check_conditions=False) and not has_transition_perm(method, user):
        raise CaseRuleError("You do not have permission to do that on this case.")


def ensure_stay_shown(case, step_shown, what, field=None):
    """Refuses `what` (a step change, a reassign) when the page it was sent from (`step_shown`: Case.stay_mark,
    or the step alone from a page drawn before it; empty skips) was drawn in another stay of the case than its
    current one. A transition that leaves several steps (a supervisor's override closes from any open one) is
    decided on the page of the step it was drawn for: if the case has moved since, it is refused (the
    page is read again) rather than applied to the new step. Found by a review: an override sent from a
    page opened while the case was in manage_anxiety closed it from deliver after the rep had recorded a
    satisfied delivery, erasing the arrival's estimate verdict and the follow-up call. The page names the
    stay, not only the step (Case.stay_mark): a case sent back from deliver to the plan is in a new stay of
    it, whose work the earlier page never showed."""
    if not step_shown:
        return
    step, _, entered = step_shown.partition("@")  # Case.stay_mark; a page drawn before it, the step alone
    if step != case.step:
        raise CaseRuleError(
            f"{case.reference} has moved on to “{case.step_enum.label}” since you opened this page, so "
            f"“{what}” was not applied. Read the case as it stands now, then send it again if you still "
            "mean to.", field=field)
    if entered and step_shown != case.stay_mark:
        raise CaseRuleError(
            f"{case.reference} has left “{case.step_enum.label}” and come back to it since you opened this page, "
            f"so “{what}” was not applied. Read the case as it stands now, then send it again if you still "
            "mean to.", field=field)


def _check_owner_works_cases(case):
    """A reopened case goes back to its owner (its update promise on their count, the client's emails to
    them): one who has since left the team or lost the role (permissions.may_own_cases) cannot take it
    back, so the reopen is refused until a supervisor gives the case to someone who can. Found by a
    review: reopening a departed rep's resolved case put the work and the broken promises on them."""
    from .handoffs import follow_up_to_hand_on

    if may_own_cases(case.owner):
        return
    who = display_name(case.owner)
    if follow_up_to_hand_on(case):
        gap = (f"{who} no longer works cases: a supervisor reassigns the case first (Reassign, on its "
               "escalation page), then it can be reopened.")
    else:
        gap = (f"{who} no longer works cases, and a resolved case can be reassigned only while its follow-up "
               "call is pending: open a new case for the client instead (this one's history stays here).")
    raise CaseRuleError(gap, gaps=[gap])


def _check_plan_items(case):
    """The authoritative cross-table check of the plan gate (the row counters may lag a clock)."""
    now = timezone.now()
    problems = []
    for item in case.action_items.filter(status=ItemStatus.OPEN):
        if item.assignee_id is None:
            problems.append(f"“{item.description[:40]}” needs an owner.")
        if item.due_at is None:
            problems.append(f"“{item.description[:40]}” needs a due time.")
        elif item.due_at <= now:
            problems.append(f"“{item.description[:40]}” is due in the past; give it a future due time.")
    if problems:
        raise CaseRuleError("Not yet: " + " ".join(problems), gaps=problems)


def _check_follow_up_day(case):
    """The follow-up call comes after the case is resolved, on a later day (the client's): a delivery
    recorded days ago may name a date that has come since. Checked when the case resolves, where the
    follow-up promise opens."""
    delivery = case.deliveries.order_by("-created_at").first()
    if delivery is not None and delivery.follow_up_on is not None and follow_up_day_has_come(
            delivery.follow_up_on, case.client):
        gap = (f"The follow-up date ({delivery.follow_up_on:%a %d %b %Y}) has come: record the delivery again "
               "with a later date (the client's calendar), so the follow-up call comes after the resolution.")
        raise CaseRuleError("Not yet: " + gap, gaps=[gap])


def _check_client_mail_read(case):
    """The client's email nobody has read yet holds the resolution (cases.client_word.unread_mail_refusal,
    which the delivery record reads too): closed, the case leaves the unread list and its email can no
    longer be marked read. A supervisor's override is not held by it (_force_close notes it instead)."""
    gap = unread_mail_refusal(case)
    if gap:
        raise CaseRuleError("Not yet: " + gap, gaps=[gap])


def _check_follow_up_not_due(case):
    """Reopening withdraws the pending follow-up call (_back_to_plan): on or after its day (the client's,
    bounds.call_day_has_come) the call is owed, so it is logged first (what the client said is
    usually why the case reopens); reopening is not a way to move a call that is due uncounted. When the call
    cannot be logged yet (the client's quiet hours on its day: delivery.follow_up_not_loggable_yet, the rule
    follow_up_log reads), the refusal says so and from when (found by an audit: it said "log it first" and
    logging said "not now", with no word of when). It still refuses: letting the reopen through then let a rep
    set quiet hours over "now" and reopen the call away as moved (found by a red team)."""
    from .delivery import follow_up_not_loggable_yet
    from .promises import pending_promise

    promise = pending_promise(case, PromiseKind.FOLLOW_UP)
    if promise is None or not call_day_has_come(promise.due_at, case.client, timezone.now()):
        return
    gap = ("The follow-up call is due today: log it (what the client said) before reopening the case, "
           "so the call owed is kept or broken, not withdrawn.")
    not_yet = follow_up_not_loggable_yet(case, promise, timezone.now())
    if not_yet:
        gap += " It cannot be logged yet: " + not_yet + " Meanwhile log what the client told you as a client contact."
    raise CaseRuleError("Not yet: " + gap, gaps=[gap])


def _check_delivery_not_complete(case):
    """The override closes a case whose gate is not met (RECIPE). At `deliver` with the delivery recorded (the
    client satisfied, the prevention note, the follow-up date) the case is completed instead, and the follow-up
    call it owes the client stands (found by an audit: the override dropped the call and its count). In the
    earlier steps an override of a met gate ends nothing owed to the client (the client withdrew, say)."""
    if case.step == Step.DELIVER and not case.gate_gaps():
        raise CaseRuleError(f"The gate of “{case.step_enum.label}” is met: complete the step instead of closing "
                            "the case by override.", field="reason")


# What each transition checks beyond its gate (the model's conditions), in order: case_transition runs them
# and refuses at the first that fails; the case page shows the same (held_by_checks).
CHECKS = {
    Transition.COMPLETE_PLAN: (_check_plan_items,),
    Transition.COMPLETE_DELIVER: (_check_follow_up_day, _check_client_mail_read),
    Transition.REOPEN: (_check_owner_works_cases, _check_follow_up_not_due),
    Transition.FORCE_CLOSE: (_check_delivery_not_complete,),
}


# --- After-effects, one per workflow.After ---------------------------------------------------------
def _nothing(*, case, user, reason):
    return None


def _settle_eta(*, case, user, reason):
    """The fix reached the client: the ETA promise is kept if on time, broken (as the sweep would) if late."""
    from .promises import pending_promise, promise_fulfil

    eta = pending_promise(case, PromiseKind.ETA)
    if eta:
        promise_fulfil(promise=eta, at=timezone.now(), actor=user)


def _pending(case):
    return list(case.promises.filter(status=PromiseStatus.PENDING).order_by("due_at", "id"))


def _close_open_work(*, case, user, note, settle):
    """The emails to the client not sent yet taken back first (held for their quiet hours, they were
    written for a case still being worked: an "Is it fixed?" reaching the client after the case was
    resolved asked for an answer the page then refused; found by a review): an update among them was never
    given, so the promise it kept stands again and is settled below with the others (found by a padding
    review: it stayed kept, and the delivery call kept the next one too). Then open items cancelled (their
    promises withdrawn, or broken if already due), then `settle` the other pending promises, then
    escalations resolved with a system note (those a broken promise just opened too), a waiting handoff
    cancelled, and the client's status link revoked (it shows only that the case is closed, for a while:
    cases.services.status_links)."""
    from .client_messages import client_messages_withdraw_held
    from .items import _withdraw_item

    client_messages_withdraw_held(case=case, actor=user, why=f"the case was {case.closed_how} before it left.")
    now = timezone.now()
    for item in case.action_items.filter(status=ItemStatus.OPEN).select_for_update():
        item.case = case
        _withdraw_item(case=case, item=item, actor=user, reason=note, now=now)
    for promise in _pending(case):
        promise.case = case
        settle(promise, now)
    escalations_resolved_by_system(case.escalations.all(), case=case, note=note, now=now)
    cancelled = case.handoffs.filter(status=HandoffStatus.REQUESTED).update(status=HandoffStatus.CANCELLED)
    if cancelled:
        event_record(case=case, actor=None, verb="handoff cancelled", note=f"The case was closed: {note}")
    revoke_status_links(case=case, actor=user, why="The case was closed.", closing=True, now=now)


def _resolve(*, case, user, reason):
    """Delivered and confirmed. The delivery call settles the pending update promise if it is not yet
    due and an update logged now would keep it; one already due was broken (the client waited). Then the
    follow-up is promised."""
    from .promises import open_follow_up, settle_if_overdue
    from .updates import delivery_call_settles

    def settle(promise, now):
        if promise.kind == PromiseKind.FOLLOW_UP or settle_if_overdue(case=case, promise=promise, now=now):
            return
        delivery_call_settles(case=case, promise=promise, at=now, actor=user)

    _close_open_work(case=case, user=user, note="the case was resolved.", settle=settle)
    delivery = case.deliveries.order_by("-created_at").first()
    if delivery and not delivery.client_mood:
        # The mood at delivery is the client's temperature now, kept with this resolution's delivery: a
        # reading taken after a reopen must not change what this resolution is judged by (cases/metrics).
        delivery.client_mood = case.temperature
        delivery.save(update_fields=["client_mood"])
    if delivery and delivery.follow_up_on:
        open_follow_up(case=case, day=delivery.follow_up_on, actor=user)


def _force_close(*, case, user, reason):
    """A supervisor's override: nothing more is owed, so pending promises are withdrawn (those already
    due stay broken), open items cancelled with the close reason, escalations resolved. Closed from
    `deliver` after the client said "It works" on their status page, the delivery was accepted (only the
    rep's part of the gate was missing): its arrival and the estimate it kept stand (found by a review: the
    override voided them as a delivery the client had not accepted). The client's email nobody has read
    does not hold the override back; it is noted on the timeline, and stays on the case's emails."""
    from .promises import promise_withdraw

    note = f"{OVERRIDE_NOTE}{reason}"
    if case.closed_from_step == Step.DELIVER and not client_accepted_delivery(case):
        _unaccepted_arrival(case=case, user=user,
                            note=f"{note} — the delivery was not accepted by the client, so it kept no estimate.")
    if case.client_wrote_at is not None:
        event_record(case=case, actor=user, verb="client email unread at close",
                     note=f"Closed by a supervisor with the client's email of {case.client_wrote_at:%d %b %Y %H:%M} "
                          "UTC still unread: it stays on the case's emails; the client's mood is unknown.")
    _close_open_work(case=case, user=user, note=note,
                     settle=lambda promise, now: promise_withdraw(promise=promise, actor=user, note=note, now=now))


def _restore_overridden(*, case, user, closed_at, reason):
    """A case a supervisor's override closed is reopened: the override did not end what was owed after
    all, so the promises it withdrew stand again with their deadlines, and the items it cancelled are
    open again with them. One whose deadline passed meanwhile is broken by the sweep like any other
    (escalated, counted for whoever held it); one still ahead is kept, moved with the client's agreement,
    or broken as before. Otherwise a close and an immediate reopen would wipe out the promises about to
    break, and the estimate with them, uncounted."""
    note = f"The case reopened after a supervisor's override ({reason}): this promise stands again."
    withdrawn = list(case.promises.filter(status=PromiseStatus.WITHDRAWN, closed_at__gte=closed_at)
                     .select_related("action_item"))  # the case row is locked: nothing else moves them
    for promise in withdrawn:
        item = promise.action_item
        if item is not None and item.status == ItemStatus.CANCELLED:
            item.status, item.cancel_reason = ItemStatus.OPEN, ""
            item.save(update_fields=["status", "cancel_reason"])
            event_record(case=case, actor=user, verb="action item reopened", note=f"{item.description}: {note}",
                         data={"item": item.pk})
        promise.status, promise.closed_at = PromiseStatus.PENDING, None
        promise.save(update_fields=["status", "closed_at"])
        event_record(case=case, actor=user, verb="promise restored", note=note, data={"promise": promise.pk})
    _restore_escalations(case=case, user=user, closed_at=closed_at, reason=reason)


def _restore_escalations(*, case, user, closed_at, reason):
    """The escalations the override resolved (its system resolution, _force_close) stand again as they were,
    taken by whoever had taken them: the matter was not closed after all. Found by an audit: an override and
    an immediate reopen resolved a colleague's taken escalation, and one raised unseen, without the checks a
    resolve makes."""
    closed = (case.escalations.select_for_update().filter(
        status=EscalationStatus.RESOLVED, resolved_at__gte=closed_at,
        resolution__startswith=f"{SYSTEM_RESOLUTION}{OVERRIDE_NOTE}"))
    for escalation in closed:
        escalation.status = EscalationStatus.TAKEN if escalation.supervisor_id else EscalationStatus.OPEN
        escalation.resolved_at, escalation.resolution = None, ""
        escalation.save(update_fields=["status", "resolved_at", "resolution"])
        event_record(case=case, actor=user, verb="escalation reopened",
                     note=f"The case reopened after a supervisor's override ({reason}): this escalation stands "
                          "again.", data={"escalation": escalation.pk})


def _unaccepted_arrival(*, case, user, note):
    """The case left `deliver` without the client accepting the delivery (loose ends, or a supervisor's
    override): the arrival delivered nothing that can be counted. Its ETA verdict is void unless it was late
    (cases.metrics.eta judges the next arrival in the same cycle), and the estimate promise it kept is
    pending again, as if the arrival had not happened, passed to whoever holds the case's work now as a
    handoff would pass it (promises.promise_pass, which no one takes); the caller settles it as it settles any pending
    promise (loose ends: its deadline stands; the override: withdrawn, or broken if its deadline has
    passed). Returns the promise, or None. Otherwise marking the items done minutes before the latest
    estimate and leaving `deliver` some other way than the client's word would keep the estimate and count
    the arrival."""
    from .promises import promise_pass

    arrival = case.events.filter(verb=eta.ARRIVAL.label).exclude(from_step="").order_by("-created_at", "-id").first()
    if arrival is None:
        return None
    if arrival.eta_verdict and arrival.eta_verdict != "late":  # late stands: sending it back hides nothing
        arrival.eta_verdict = ""
        arrival.save(update_fields=["eta_verdict"])
    kept = case.promises.filter(kind=PromiseKind.ETA, status=PromiseStatus.KEPT,
                                kept_at__gte=arrival.created_at).order_by("-id").first()
    if kept is None:
        return None
    kept.case, kept.status = case, PromiseStatus.PENDING
    kept.kept_at = kept.closed_at = kept.reminded_at = None
    handed = promise_pass(kept, case.owner_id, actor=user, now=timezone.now(), restored=True)
    kept.save(update_fields=["status", "kept_at", "closed_at", "reminded_at", *handed])
    event_record(case=case, actor=user, verb="promise restored", note=note, data={"promise": kept.pk})
    return kept


def _loose_ends(*, case, user, reason):
    """The client sent the delivery back: the estimate the arrival kept stands again with its deadline
    (_unaccepted_arrival): kept by a later arrival the client accepts, moved with their agreement, or
    broken, at once, as the sweep would have broken it, if it has passed. Unless the client had said "It
    works" in that stay (the move's `client_accepted`, _record_transition): the delivery was accepted, its
    arrival's verdict and the estimate it kept stand, and the new plan needs a new estimate (_back_to_plan)."""
    move = case.events.filter(verb=Transition.LOOSE_ENDS.label).order_by("-created_at", "-id").first()
    if move is not None and move.data.get("client_accepted"):
        _back_to_plan(case=case, user=user, reason=reason)
        return
    arrival_not_accepted(case=case, user=user,
                         note=f"The client sent the delivery back ({reason}): the estimate stands again.")
    _back_to_plan(case=case, user=user, reason=reason)


def arrival_not_accepted(*, case, user, note):
    """The delivery the case arrived with is not accepted (loose ends; the client's "Not yet" on their status
    page, user None, while the case is still in `deliver`): the arrival is no longer judged unless it was late,
    and the estimate it kept stands again with its deadline (_unaccepted_arrival), broken at once, as the sweep
    would break it, if that has passed; pending, the sweep watches it in `deliver` too (workflow.POLICIES)."""
    from .promises import settle_if_overdue

    kept = _unaccepted_arrival(case=case, user=user, note=note)
    if kept is not None:
        settle_if_overdue(case=case, promise=kept)
    return kept


def _back_to_plan(*, case, user, reason):
    """Loose ends or reopen: the follow-up is no longer the next thing owed (a reopen moves the call the
    client was given to after the next delivery: counted as a renegotiation, promises.promise_drop, so
    reopening the day before the call and resolving again with a later date is not an uncounted move);
    a new plan needs a new estimate unless the one the client holds stands again (_unaccepted_arrival; the
    old range stays in the timeline); the update rhythm resumes where
    the step runs it (a case reopened into a step before plan, Transition.back_to_skipped, has no rhythm
    until plan)."""
    from .irate import apply_irate_rule
    from .promises import open_next_status_update, pending_promise, promise_drop, update_missed_unanswered

    # Who co-owns a closed case may have changed role meanwhile, or the owner have another supervisor now (found
    # by a red team: a case reopened after the admin changed the rep's supervisor kept the former one).
    apply_irate_rule(case=case, actor=user, supervisor_may_differ=True)
    now = timezone.now()
    for promise in case.promises.filter(status=PromiseStatus.PENDING, kind=PromiseKind.FOLLOW_UP):
        promise.case = case
        promise_drop(promise=promise, actor=user, now=now,
                     note=f"The case reopened ({reason}): the follow-up call moves to after the next delivery.")
    if not pending_promise(case, PromiseKind.ETA):
        case.eta_earliest = case.eta_latest = case.eta_given_at = None
        case.save(update_fields=["eta_earliest", "eta_latest", "eta_given_at", "updated_at"])
    if case.cadence_minutes and policy(case.step).cadence_runs and not pending_promise(case, PromiseKind.STATUS_UPDATE):
        # after a missed update nobody answered, the next update is still the late one (Promise.after_missed)
        open_next_status_update(case=case, start=now, actor=user, after_missed=update_missed_unanswered(case))


AFTER = {
    After.NOTHING: _nothing,
    After.SETTLE_ETA: _settle_eta,
    After.RESOLVE: _resolve,
    After.FORCE_CLOSE: _force_close,
    After.BACK_TO_PLAN: _back_to_plan,
    After.LOOSE_ENDS: _loose_ends,
}
__all__ = ["ALL_TRANSITIONS", "TRANSITION_LABELS", "available_transitions", "case_transition"]
