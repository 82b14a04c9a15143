"""Step 6's heartbeat: logging a status update keeps (or, if late, breaks) the pending
status-update promise and opens the next one: one interval after the kept slot, or after the update
itself when it came late, and never inside the client's quiet hours. An extra update between two beats
is logged but keeps and moves nothing (one kept promise per beat). The update's summary is internal;
only its optional client line is ever shown to the client (on the status page, cases.status_links).

An update emailed to the client is logged when it is queued (cases.services.client_messages); if that email
is withdrawn before it leaves, the client was never given the update, and what it did in the ledger is
undone (cases.services.updates_undone.status_update_not_given)."""

from django.db import transaction
from django.utils import timezone

from ..errors import CaseRuleError
from ..models import (
    CaseEvent, Channel, Mood, PromiseKind, PromiseStatus, StatusUpdate,
)
from ..text import clean_text, limit_of, require_substance
from ..workflow import Record, ensure_allows, policy
from .common import (
    coach_warnings, ensure_can_work, event_record, lock_case, refresh_counters,
)
from .irate import apply_irate_rule
from .promises import (
    open_next_status_update, pending_update_now, promise_fulfil,
    retime_beat, settle_if_overdue, slot_opens, status_update_due,
)

MAX_BACKDATE = timezone.timedelta(minutes=30)
GIVEN = "status update given"  # the event of every update logged, at the time it was logged (_heard_since)
RETIMED = "next update re-timed"  # promises.retime_beat's event


@transaction.atomic
def status_update_log(*, user, case, summary, channel, client_mood, given_at=None, client_line=""):
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.STATUS_UPDATE)
    summary = require_substance(summary, field="summary", limit=limit_of(StatusUpdate, "summary"),
                                message="Say what the client was told: the outcome so far.")
    client_line = _client_line(client_line)
    if channel not in Channel.values:
        raise CaseRuleError("Choose how the client was updated.", field="channel")
    if client_mood not in Mood.values:
        raise CaseRuleError("Record how the client feels now.", field="client_mood")
    now = timezone.now()
    given_at = given_at or now
    if given_at > now:
        raise CaseRuleError("An update cannot be logged in the future.", field="given_at")
    if given_at < case.opened_at:
        raise CaseRuleError("That time is before the case was opened.", field="given_at")
    if given_at < now - MAX_BACKDATE:
        # A rep logs a call just made, not one from hours ago: otherwise a late update could be
        # dated back to before its deadline and count as kept.
        raise CaseRuleError(f"Log an update within {int(MAX_BACKDATE.total_seconds() // 60)} minutes of giving it; "
                            "an older one would rewrite whether the promise was kept.", field="given_at")
    warnings = coach_warnings(summary, "status_update")
    promise = pending_update_now(case, now)  # an overdue one broken first, as the sweep would
    # The first update after a missed one: the beat opened after the miss (Promise.after_missed) is not
    # what this update keeps; the missed one is, late, and the rhythm starts again from this update.
    beat = promise if promise is not None and promise.after_missed else None
    extra = beat is None and _is_extra(case, promise, given_at)
    # Broken updates no late one has answered yet, latest first.
    missed = case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.BROKEN,
                                  kept_at__isnull=True).order_by("-due_at")
    if extra:
        promise = None  # an extra contact: the promised update is still the one due next
    elif beat is not None:  # it answers the missed one, broken however it was dated: its late fulfilment
        promise = missed.first()
    elif promise is None:  # the one it answers was broken: record the late fulfilment
        promise = missed.filter(due_at__lte=given_at).first()
    # The promise this update fulfils (kept, or its late fulfilment recorded) is marked on it: an emailed
    # update whose email is withdrawn before it leaves undoes it (status_update_not_given).
    update = StatusUpdate.objects.create(case=case, given_at=given_at, channel=channel, summary=summary,
                                         client_line=client_line, client_mood=client_mood, coach_warnings=warnings,
                                         created_by=user, kept_promise=promise)
    event_record(case=case, actor=user, verb=GIVEN, note=summary,
                 data={"update": update.pk, "mood": client_mood, "channel": channel, "coach_warnings": warnings,
                       "client_line": client_line, **({"extra": True} if extra else {})})
    # The agreed rhythm is kept: an update given within the interval before its slot keeps the slot's
    # beat (updated at 0:50 for a 1:00 slot, the next is due at 2:00). A late update starts the interval
    # from when it was logged (below); an extra one (_is_extra) changes nothing in the ledger.
    start = given_at
    if promise:
        # Dating an update back never rescues a deadline that had passed before it was logged: the
        # number must not depend on whether the sweep got there first.
        promise.case = case
        settle_if_overdue(case=case, promise=promise, now=now)
        # A broken promise's late fulfilment is never dated at or before its deadline: an update dated
        # back to before it, but logged after, was late when it was recorded.
        late_but_dated_early = promise.status == PromiseStatus.BROKEN and given_at <= promise.due_at
        promise_fulfil(promise=promise, at=now if late_but_dated_early else given_at, actor=user)
        if promise.status == PromiseStatus.BROKEN:
            # Late: the rhythm starts again from when the update was logged, not the time it was dated
            # (10:12, logged at 10:40 on a 15-minute cadence, re-timed the next beat to 10:30, already
            # passed: one missed update was broken twice; found by a review).
            start = now
        elif case.cadence_minutes and slot_opens(case, promise) <= given_at <= promise.due_at:
            start = promise.due_at
    if beat is not None:  # a cadence after this late update, as the next one opened by it would be
        due_at = status_update_due(case, start) if case.cadence_minutes else beat.due_at
        retime_beat(case=case, beat=beat, due_at=due_at, actor=user, answered=True, now=now)
        update.opened_promise = beat  # re-timed by it: put back if it is undone (_undo_late)
        update.save(update_fields=["opened_promise"])
    elif case.cadence_minutes and policy(case.step).cadence_runs and not extra:
        update.opened_promise = open_next_status_update(case=case, start=start, actor=user)
        update.save(update_fields=["opened_promise"])
    if case.temperature != client_mood:
        case.save(update_fields=[*case.take_temperature(client_mood), "updated_at"])
        apply_irate_rule(case=case, actor=user)
    refresh_counters(case)
    update.extra = extra  # for the page's message, not stored (the event's data says it)
    return update


def _is_extra(case, promise, given_at, **as_of):
    """One kept promise per beat of the cadence. An update is an extra contact (the client called again,
    a second note after a call) while the next promised one is not yet due and it comes before that
    promise's own interval, or less than half an interval after the case's previous update (from when
    that one was logged, `_heard_since`). It is logged and shown like any update, but it keeps no promise
    and moves none: ten quick updates are not ten promises kept, and an update far ahead of its slot does
    not pull the rhythm along. `as_of` (`until`, `besides`: _heard_since) asks it as it stood when an update
    already logged was logged."""
    if promise is None or not case.cadence_minutes or promise.due_at <= given_at:
        return False
    if given_at < slot_opens(case, promise):
        return True
    return _heard_since(case, given_at - timezone.timedelta(minutes=case.cadence_minutes) / 2, **as_of)


def update_would_keep(case, promise, at):
    """Whether an update logged at `at` would keep the pending status-update `promise` (not an extra
    contact, `_is_extra`): what the delivery call may settle (delivery_call_settles)."""
    return not _is_extra(case, promise, at)


def delivery_call_settles(*, case, promise, at, actor):
    """The delivery call, at `at`, settles the pending `promise` not yet due (the one rule
    transitions._resolve and an update undone after the close, _settle_as_closed, read): kept, unless it is
    the beat after a missed update (the call answers the miss, late, not it) or a status-update beat whose
    slot an update just given kept (a call minutes later is an extra contact, and keeps no second promise:
    found by a padding audit, one free kept promise per resolution); those are withdrawn."""
    from .promises import promise_withdraw

    if promise.after_missed:
        promise_withdraw(promise=promise, actor=actor, now=at,
                         note="The delivery call came after a missed update: it keeps no update promise.")
    elif promise.kind == PromiseKind.STATUS_UPDATE and not update_would_keep(case, promise, at):
        promise_withdraw(promise=promise, actor=actor, now=at,
                         note="The delivery call came before the next update was due: it keeps no update promise.")
    else:
        promise_fulfil(promise=promise, at=at, actor=actor)


def _heard_since(case, moment, *, until=None, besides=None):
    """Whether the client was given an update after `moment`. An update counts from when it was logged, the
    later of its stated time and its event's (a late call dated back to before its deadline is heard when it
    was logged: otherwise dating one update back let a quick second one keep the next beat, the client
    hearing twice in six minutes and then nothing for two hours; found by a padding audit). With `until`, as
    it stood then: only the updates logged by then, `besides` (the one being weighed) left out."""
    given = case.status_updates.given()
    if besides is not None:
        given = given.exclude(pk=besides.pk)
    if until is not None:
        by_then = (CaseEvent.objects.filter(case_id=case.pk, verb=GIVEN, created_at__lte=until)
                   .values_list("data__update", flat=True))
        given = given.filter(pk__in=[pk for pk in by_then if isinstance(pk, int)])
    if given.filter(given_at__gt=moment).exists():
        return True
    logged = (CaseEvent.objects.filter(case_id=case.pk, verb=GIVEN, created_at__gt=moment)
              .values_list("data__update", flat=True))
    return given.filter(pk__in=[pk for pk in logged if isinstance(pk, int)]).exists()


def _client_line(value):
    """Optional; when written, a real sentence for the client (normalised, within its limit, at least
    MIN_WORDS words), since it is all their status page says about this update."""
    line = " ".join(clean_text(value, field="client_line", limit=limit_of(StatusUpdate, "client_line")).split())
    if line:  # the same rule as every record ("x y z" says nothing)
        require_substance(line, field="client_line", limit=limit_of(StatusUpdate, "client_line"),
                          message="Say something the client can act on, or leave the line empty.")
    return line
