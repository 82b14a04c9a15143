"""Step 6's heartbeat: logging a status update keeps (or, if late, breaks) the pending
status-update promise and opens the next one: one interval after the kept slot, or after the update
itself when it came late, and never inside the client's quiet hours. An extra update between two beats
is logged but keeps and moves nothing (one kept promise per beat). The update's summary is internal;
only its optional client line is ever shown to the client (on the status page, cases.status_links).

An update emailed to the client is logged when it is queued (cases.services.client_messages); if that email
is withdrawn before it leaves, the client was never given the update, and what it did in the ledger is
undone (`status_update_not_given`)."""
from django.db import transaction
from django.utils import timezone

from ..errors import CaseRuleError
from ..models import CaseEvent, Channel, Mood, Promise, PromiseKind, PromiseStatus, StatusUpdate
from ..text import clean_text, limit_of, require_substance
from ..workflow import Record, ensure_allows, policy
from .common import coach_warnings, ensure_can_work, event_record, lock_case, refresh_counters
from .irate import apply_irate_rule
from .promises import (
    open_next_status_update, pending_promise, pending_update_now, promise_fulfil, retime_beat, settle_if_overdue,
    status_update_due,
)

MAX_BACKDATE = timezone.timedelta(minutes=30)
GIVEN = "status update given"  # the event of every update logged, at the time it was logged (_heard_since)


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
        interval = timezone.timedelta(minutes=case.cadence_minutes or 0)
        if promise.status == PromiseStatus.BROKEN:
            # Late: the rhythm starts again from when the update was logged, not the time it was dated
            # (10:12, logged at 10:40 on a 15-minute cadence, re-timed the next beat to 10:30, already
            # passed: one missed update was broken twice; found by a review).
            start = now
        elif promise.due_at - interval <= given_at <= promise.due_at:
            start = promise.due_at
    if beat is not None:  # a cadence after this late update, as the next one opened by it would be
        due_at = status_update_due(case, start) if case.cadence_minutes else beat.due_at
        retime_beat(case=case, beat=beat, due_at=due_at, actor=user, answered=True, now=now)
    elif case.cadence_minutes and policy(case.step).cadence_runs and not extra:
        update.opened_promise = open_next_status_update(case=case, start=start, actor=user)
        update.save(update_fields=["opened_promise"])
    if case.temperature != client_mood:
        case.save(update_fields=[*case.take_temperature(client_mood), "updated_at"])
        apply_irate_rule(case=case, actor=user)
    refresh_counters(case)
    update.extra = extra  # for the page's message, not stored (the event's data says it)
    return update


def _is_extra(case, promise, given_at):
    """One kept promise per beat of the cadence. An update is an extra contact (the client called again,
    a second note after a call) while the next promised one is not yet due and it comes before that
    promise's own interval, or less than half an interval after the case's previous update (from when
    that one was logged, `_heard_since`). It is logged and shown like any update, but it keeps no promise
    and moves none: ten quick updates are not ten promises kept, and an update far ahead of its slot does
    not pull the rhythm along."""
    if promise is None or not case.cadence_minutes or promise.due_at <= given_at:
        return False
    interval = timezone.timedelta(minutes=case.cadence_minutes)
    if given_at < promise.due_at - interval:
        return True
    return _heard_since(case, given_at - interval / 2)


def update_would_keep(case, promise, at):
    """Whether an update logged at `at` would keep the pending status-update `promise` (not an extra
    contact, `_is_extra`): what the delivery call may settle (cases.services.transitions._resolve)."""
    return not _is_extra(case, promise, at)


def _heard_since(case, moment):
    """Whether the client was given an update after `moment`. An update counts from when it was logged, the
    later of its stated time and its event's (a late call dated back to before its deadline is heard when it
    was logged: otherwise dating one update back let a quick second one keep the next beat, the client
    hearing twice in six minutes and then nothing for two hours; found by a padding audit)."""
    given = case.status_updates.given()
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


NOT_GIVEN = "update not given"


def status_update_not_given(*, case, update, actor, why, now=None):
    """`update` was logged as an email to the client, and that email was withdrawn before it left
    (cases.services.client_messages: the case closed or changed hands, the client's address changed, a new
    link after it gave up): the client was never given it. A promise is kept when the update is given
    (RECIPE "Promises"), so what it did in the ledger is undone, as if it had not been logged (found by a
    padding review: the update kept its promise, and stayed kept, though nothing reached the client). The
    caller holds the case's row lock.

    - The promise it kept stands again: pending with its deadline when that is still ahead (the next beat it
      opened is taken back: this update is owed again, not the one after it), for whoever holds it (a
      handoff then passes it on as it passes any pending promise); broken as the sweep breaks one
      (escalated, its holder and their supervisor told) when the deadline has passed, the next beat then
      waiting for the late update (Promise.after_missed), as the sweep's beat would.
    - A missed update whose late fulfilment it recorded is unanswered again, and the beat waits for the
      late update once more.
    An extra update kept nothing, and nothing changes. Once per update: its marks are cleared when it is
    undone, so a second end of the same email (a failure for good, then a withdrawal) undoes nothing again,
    nor what an update given since has kept. Returns the promise it had kept, or None."""
    undone = _undo(case=case, update=update, actor=actor, why=why, now=now)
    if update.kept_promise_id is not None or update.opened_promise_id is not None:
        update.kept_promise = update.opened_promise = None
        update.save(update_fields=["kept_promise", "opened_promise"])
    return undone


def emails_counted_not_given(keys):
    """Of the emails to the client with these outbox keys, those that stood for an update counted not given
    (status_update_not_given: withdrawn, bounced, or given up on after the outbox's retries). Such an email is
    never sent late, by the outbox's "retry now" or by a row put back in the queue any other way (found by an
    audit: it reached the client hours later, the promise it had kept still owed, and the update counted again
    as given when it was logged: StatusUpdate.given). The rep gives a new update instead. One query."""
    keys = [k for k in keys if k]
    if not keys:
        return set()
    mine = StatusUpdate.objects.filter(client_message__outbox_key__in=keys)
    return set(mine.exclude(pk__in=mine.given().values("pk")).values_list("client_message__outbox_key", flat=True))


def _undo(*, case, update, actor, why, now):
    # The case row is locked: nothing else moves its promises (the sweep locks the case first too).
    promise = Promise.objects.filter(pk=update.kept_promise_id).first() if update.kept_promise_id else None
    if promise is None or promise.kept_at is None or promise.status not in (PromiseStatus.KEPT, PromiseStatus.BROKEN):
        return None
    now = now or timezone.now()
    promise.case = case
    pending = pending_promise(case, PromiseKind.STATUS_UPDATE)
    said = (f"The update emailed to {case.client.name} on {update.given_at:%d %b %Y %H:%M} UTC did not reach them "
            f"({why.rstrip('.')}): the client was never given it")
    data = {"update": update.pk, "promise": promise.pk}
    if promise.status == PromiseStatus.BROKEN:  # it was the late update of a missed one
        promise.kept_at = None
        promise.save(update_fields=["kept_at"])
        event_record(case=case, actor=actor, verb=NOT_GIVEN, data=data,
                     note=f"{said}, so the missed update it answered is unanswered again.")
        _beat_waits_for_the_late_update(pending)
        return promise
    if promise.due_at <= now:  # passed while the email waited: broken, as the sweep would have broken it
        promise.kept_at = promise.closed_at = promise.reminded_at = None
        promise.save(update_fields=["kept_at", "closed_at", "reminded_at"])
        event_record(case=case, actor=actor, verb=NOT_GIVEN, data=data,
                     note=f"{said}, and the update promised by {promise.due_at:%d %b %Y %H:%M} UTC was not kept.")
        promise.status = PromiseStatus.PENDING  # as it stood before the update: the break writes its status
        settle_if_overdue(case=case, promise=promise, now=now, next_beats=pending is None)
        _beat_waits_for_the_late_update(pending)
    else:
        if pending is not None and pending.pk in _opened_by(update):
            data["taken_back"] = pending.pk
            pending.delete()  # opened by an update the client never had: as if it had not been logged
            pending = None
        if pending is None:
            promise.status = PromiseStatus.PENDING
            promise.kept_at = promise.closed_at = promise.reminded_at = None
            promise.save(update_fields=["status", "kept_at", "closed_at", "reminded_at"])
            note = f"{said}, so the update promised by {promise.due_at:%d %b %Y %H:%M} UTC is owed again."
        else:  # another update promise stands (none this update opened): not kept, and not owed twice. Its
            # closed_at stays when it was closed, so a reopen after an override (transitions._restore_overridden,
            # the promises withdrawn at the close) does not stand it again beside the other.
            promise.status, promise.kept_at = PromiseStatus.WITHDRAWN, None
            promise.save(update_fields=["status", "kept_at"])
            note = f"{said}, so it kept no promise: the next update is the one promised."
        event_record(case=case, actor=actor, verb=NOT_GIVEN, data=data, note=note)
    refresh_counters(case)
    return promise


def _opened_by(update):
    """The pks of the next beat `update` opened and of those that took its place since (moved: a new
    cadence, a deadline agreed with the client)."""
    opened, seen = [], update.opened_promise
    while seen is not None and len(opened) < 50:
        opened.append(seen.pk)
        seen = Promise.objects.filter(replaces=seen).first()
    return opened


def _beat_waits_for_the_late_update(beat):
    """The pending update after a miss that is unanswered again answers to it (Promise.after_missed): the
    next update logged is the late one, and restarts the rhythm (status_update_log)."""
    if beat is not None and not beat.after_missed:
        Promise.objects.filter(pk=beat.pk).update(after_missed=True)
        beat.after_missed = True
