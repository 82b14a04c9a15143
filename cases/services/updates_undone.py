"""An update emailed to the client that never reached them (withdrawn before it left, bounced, or given up on by
the outbox): what it did in the ledger is undone, as if it had not been logged (`status_update_not_given`).
Split from cases/services/updates.py, which logs updates; the rules of a beat are there and in promises.py."""
import datetime as dt

from django.utils import timezone

from ..models import CaseEvent, Handoff, Promise, PromiseKind, PromiseStatus, StatusUpdate, Step
from ..workflow import policy
from .agreements import Agreement
from .common import escalations_resolved_by_system, event_record, refresh_counters
from .promises import (
    holder_after_move, next_beat_due, open_next_status_update, pending_promise, promise_fulfil, promise_holder,
    promise_move, promise_pass, retime_beat, settle_if_overdue, slot_opens, status_update_due,
)
from .updates import GIVEN, RETIMED, _is_extra, delivery_call_settles

NOT_GIVEN = "update not given"


def status_update_not_given(*, case, update, actor, why, now=None):
    """`update` was logged as an email to the client, and that email was withdrawn before it left
    (cases.services.client_messages: the case closed or changed hands, the client's address changed, a new
    link after it gave up): the client was never given it. A promise is kept when the update is given
    (RECIPE "Promises"), so what it did in the ledger is undone, as if it had not been logged (found by a
    padding review: the update kept its promise, and stayed kept, though nothing reached the client). The
    caller holds the case's row lock.

    - The promise it kept stands again (_undo_kept): the next beat it opened, and whatever took that beat's
      place, is taken back; the first update given since keeps it if it was logged before the deadline and
      would have kept it; else broken as the sweep breaks one (escalated, its holder and their supervisor
      told) when the deadline has passed, that update then its late fulfilment; else pending with its
      deadline, for whoever holds it (a handoff then passes it on as it passes any pending promise), moved as
      a cadence agreed since would have moved it. On a closed case, settled as the close would have.
    - A missed update whose late fulfilment it recorded is unanswered again (_undo_late), and the beat after
      it goes back to its deadline, waiting for the late update once more (broken at once if that passed).
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
    said = (f"The update emailed to {case.client.name} on {update.given_at:%d %b %Y %H:%M} UTC did not reach them "
            f"({why.rstrip('.')}): the client was never given it")
    data = {"update": update.pk, "promise": promise.pk}
    mine = _logged(case, update)
    later, logged = _next_given(case, mine)
    if promise.status == PromiseStatus.BROKEN:  # it was the late update of a missed one
        _undo_late(case=case, update=update, missed=promise, mine=mine, later=later, logged=logged, actor=actor,
                   now=now, data=data, note=f"{said}, so the missed update it answered is unanswered again.")
    else:
        _undo_kept(case=case, update=update, promise=promise, mine=mine, later=later, logged=logged, actor=actor,
                   now=now, data=data, said=said)
    refresh_counters(case)
    return promise


def _undo_late(*, case, update, missed, mine, later, logged, actor, now, data, note):
    """`update` was the late update of the broken `missed` one: unanswered again, and the beat after it goes
    back to where the sweep had it, waiting for the late update (found by an audit: left where the late
    update had re-timed it, a late update emailed and taken back just before each beat slid the beat an hour
    each time, and a whole silence cost one broken promise). Past that deadline, it is broken as the sweep
    would have broken it. An update given since that counted only as an extra beside it is the late update
    instead (`_answer_late`). On a case closed since, the beat the close settled is put back the same way and
    settled as the close would have settled it (found by an audit: it stayed kept by the delivery call, or
    withdrawn by an override, for a beat the client was never answered on)."""
    missed.kept_at = None
    missed.save(update_fields=["kept_at"])
    beat = pending_promise(case, PromiseKind.STATUS_UPDATE)
    closed = beat is None and not _live(case)
    if closed:  # the close settled the beat: pending again, then settled below as the close would have settled it
        beat = _settled_by_the_close(case, update)
        if beat is not None:
            Promise.objects.filter(pk=beat.pk).update(status=PromiseStatus.PENDING, kept_at=None, closed_at=None)
            beat.status, beat.kept_at, beat.closed_at = PromiseStatus.PENDING, None, None
    old_due, old_owner, retimed = _retimed_from(case, update, mine, beat)
    if old_due is not None:  # and with whom it was (a red team's: a supervisor's pull-in came back the rep's), passed
        # on as each change of hands since passed promises then (_follow_the_hands)
        retime_beat(case=case, beat=beat, due_at=old_due, actor=actor, answered=False, now=now, owner=old_owner)
        beat.due_at, beat.created_at = old_due, now
        beat.owner_id = old_owner or beat.owner_id
        moved = _follow_the_hands(case, beat, after=retimed, since=retimed.created_at, now=now)
        if moved:
            beat.save(update_fields=sorted(moved))
    event_record(case=case, actor=actor, verb=NOT_GIVEN, data=data, note=note)
    _beat_waits_for_the_late_update(beat)
    if beat is None:
        return
    beat.case = case
    if closed:
        _settle_as_closed(case=case, promise=beat, actor=actor, now=now)
    elif later is not None and later.kept_promise_id is None and logged < beat.due_at:
        _answer_late(case=case, missed=missed, later=later, logged=logged, beat=beat, actor=actor, now=now)
    else:
        settle_if_overdue(case=case, promise=beat, now=now)


def _undo_kept(*, case, update, promise, mine, later, logged, actor, now, data, said):
    """`update` kept `promise` on time. What it opened is taken back: the next beat and every promise that took
    its place (a new cadence, a deadline agreed with the client), so none counts as kept, renegotiated or
    withdrawn for a promise the client never held (found by an audit: a beat moved by a new cadence stayed
    renegotiated). The promise then stands as if the update had not been logged: kept by the first update
    given since, if that one was logged before the deadline and would have kept it (it counted as an extra
    only beside this one, or kept the beat this one opened: found by an audit, two calls before the deadline
    and the promise broken); broken as the sweep breaks one when its deadline has passed, that update then
    its late fulfilment (the same ledger whether the email failed before or after it); owed again otherwise.
    On a case whose step no longer runs the cadence (closed), it is settled as the close would have settled
    it (`_settle_as_closed`)."""
    chain = list(Promise.objects.filter(pk__in=_opened_by(update)))
    chained = {p.pk for p in chain}
    moved = next((p for p in chain if p.replaces_id in chained and p.agreed_channel), None)
    answers = later is not None and (later.kept_promise_id is None or later.kept_promise_id in chained)
    on_time = answers and logged <= promise.due_at and not _is_extra(case, promise, later.given_at, until=logged,
                                                                     besides=later)
    # Past the deadline, the pending end of what it opened stays as the beat after the miss (re-timed below).
    spare = None if on_time or promise.due_at > now or not _live(case) else next(
        (p for p in chain if p.status == PromiseStatus.PENDING), None)
    taken = [p for p in chain if p.status != PromiseStatus.BROKEN and p != spare]  # a broken one was escalated
    if taken:
        data["taken_back"] = [p.pk for p in taken]
        Promise.objects.filter(pk__in=data["taken_back"]).delete()  # opened for an update the client never had
    pending = pending_promise(case, PromiseKind.STATUS_UPDATE)
    theirs = pending is not None and later is not None and pending.pk in _opened_by(later)
    kept_then = promise.closed_at
    promise.kept_at = promise.closed_at = promise.reminded_at = None
    promise.save(update_fields=["kept_at", "closed_at", "reminded_at",
                                *_follow_the_hands(case, promise, after=mine, since=kept_then, now=now)])
    promise.status = PromiseStatus.PENDING  # as it stood before the update; written once settled below (one
    # pending update per case: the one an update given since opened may still stand)
    due = f"{promise.due_at:%d %b %Y %H:%M} UTC"
    if on_time:
        event_record(case=case, actor=actor, verb=NOT_GIVEN, data=data,
                     note=f"{said}; the update given on {later.given_at:%d %b %Y %H:%M} UTC keeps the one promised "
                          f"by {due}.")
        _keep_on_time(case=case, promise=promise, later=later, beat=pending if theirs else None, actor=actor, now=now)
        return
    if promise.due_at <= now:  # passed while the email waited: broken, as the sweep would have broken it
        event_record(case=case, actor=actor, verb=NOT_GIVEN, data=data,
                     note=f"{said}, and the update promised by {due} was not kept.")
        if not _live(case):
            _settle_as_closed(case=case, promise=promise, actor=actor, now=now)
            return
        settle_if_overdue(case=case, promise=promise, now=now, next_beats=pending is None)
        if spare is not None:  # where the sweep's beat after the miss would be
            spare.case, theirs = case, True
            due_at = next_beat_due(case, promise.due_at, now)
            if due_at != spare.due_at:
                retime_beat(case=case, beat=spare, due_at=due_at, actor=actor, answered=False, now=now)
                spare.due_at = due_at
        # The beat after it: the one the sweep just opened, or the one an update opened.
        beat = pending_promise(case, PromiseKind.STATUS_UPDATE) if pending is None else pending if theirs else None
        if (answers and beat is not None and promise.due_at < logged
                and (not case.cadence_minutes or logged < status_update_due(case, promise.due_at))):
            beat.case = case
            _answer_late(case=case, missed=promise, later=later, logged=logged, beat=beat, actor=actor, now=now)
        else:
            _beat_waits_for_the_late_update(pending_promise(case, PromiseKind.STATUS_UPDATE))
        return
    if pending is not None:  # another update promise stands (none this update opened): not kept, and not owed
        # twice. Its closed_at stays when it was closed, so a reopen after an override (transitions.
        # _restore_overridden, the promises withdrawn at the close) does not stand it again beside the other.
        promise.status, promise.closed_at = PromiseStatus.WITHDRAWN, kept_then
        promise.save(update_fields=["status", "closed_at"])
        event_record(case=case, actor=actor, verb=NOT_GIVEN, data=data,
                     note=f"{said}, so it kept no promise: the next update is the one promised.")
        return
    promise.save(update_fields=["status"])
    event_record(case=case, actor=actor, verb=NOT_GIVEN, data=data,
                 note=f"{said}, so the update promised by {due} is owed again.")
    if not _live(case):
        _settle_as_closed(case=case, promise=promise, actor=actor, now=now)
    elif moved is not None and mine is not None and case.cadence_set_at and case.cadence_set_at > mine.created_at:
        _follow_the_new_cadence(case=case, promise=promise, moved=moved, actor=actor, now=now)


def _follow_the_hands(case, promise, *, after, since, now):
    """Pass `promise`, pending again, on as each change of hands of the case since the undone update moved it
    would have passed it then (promises.promise_pass, with who gave the case and when: a handover with the
    cutoff's time, a take on oneself, a give-back); the fields to save. Since: logged after the event `after`
    (the update's, or its re-timing's; else after `since`), before its deadline, by `now`, before the case closed.
    Found by red teams: it stayed with the rep who had left the case, broke on them after the deadline, and a
    handover was judged at the bounce instead of when it happened."""
    from .handoffs import given_by  # handoffs reaches this module through client_messages

    changes = CaseEvent.objects.filter(case_id=case.pk, verb__in=sorted(CaseEvent.OWNER_CHANGES),
                                       created_at__lt=promise.due_at, created_at__lte=now)
    changes = changes.filter(id__gt=after.pk) if after is not None else changes.filter(created_at__gt=since)
    if not _live(case) and case.resolved_at:  # a close settled it: whoever held it then
        changes = changes.filter(created_at__lt=case.resolved_at)
    events = list(changes.select_related("actor").order_by("created_at", "id"))
    handoffs = (Handoff.objects.select_related("by_supervisor", "requested_by", "from_user")  # what given_by reads
                .in_bulk([pk for event in events if (pk := (event.data or {}).get("handoff"))]))
    fields = set()
    for event in events:
        handoff = handoffs.get((event.data or {}).get("handoff"))
        if handoff and promise.owner_id != handoff.from_user_id:  # a change of hands passes the giver's promises
            continue  # only (handoffs.hand_on_promises; a sixth red team's: one left on the rep went with the case)
        to, giver = (handoff.to_user_id, given_by(handoff, event.actor)) if handoff else (event.actor_id, event.actor)
        fields.update(promise_pass(promise, to, actor=giver, now=event.created_at))
    return fields


def _live(case):
    return case.cadence_minutes and policy(case.step).cadence_runs


def _keep_on_time(*, case, promise, later, beat, actor, now):
    """`later` keeps the restored `promise`, as it would have had the undone update never been logged, and the
    next beat falls a cadence after the slot (status_update_log): `beat`, the one `later` opened, re-timed in
    place, or a new one."""
    promise_fulfil(promise=promise, at=later.given_at, actor=actor)
    later.kept_promise = promise
    if _live(case):
        start = promise.due_at if slot_opens(case, promise) <= later.given_at else later.given_at
        due_at = status_update_due(case, start)
        # Whoever held it then, passed on with the cutoff's time to a new owner (found by a red team: reassigned
        # with 50 minutes to run, the beat was re-opened for the new owner when the email bounced).
        holder = promise_holder((beat or promise).owner_id, case.owner_id, actor=None, due_at=due_at, now=now)
        if beat is not None:
            retime_beat(case=case, beat=beat, due_at=due_at, actor=actor, answered=True, now=now, owner=holder)
            beat.due_at, beat.after_missed, beat.owner_id = due_at, False, holder
            later.opened_promise = later.opened_promise or beat
        else:
            beat = later.opened_promise = open_next_status_update(case=case, start=start, actor=actor)
            if holder != beat.owner_id:
                Promise.objects.filter(pk=beat.pk).update(owner=holder)
                beat.owner_id = holder
        beat.case = case
        settle_if_overdue(case=case, promise=beat, now=now)
    later.save(update_fields=["kept_promise", "opened_promise"])


def _answer_late(*, case, missed, later, logged, beat, actor, now):
    """`later`, logged at `logged` after `missed` broke, is its late update, as it would have been had the
    undone update never been logged: its late fulfilment recorded, and `beat` re-timed a cadence after it
    (status_update_log's beat branch); broken at once if that has passed too."""
    promise_fulfil(promise=missed, at=later.given_at if later.given_at > missed.due_at else logged, actor=actor)
    due_at = status_update_due(case, logged) if case.cadence_minutes else beat.due_at
    holder = promise_holder(beat.owner_id, case.owner_id, actor=None, due_at=due_at, now=now)  # as _keep_on_time
    retime_beat(case=case, beat=beat, due_at=due_at, actor=actor, answered=True, now=now, owner=holder)
    beat.due_at, beat.after_missed, beat.owner_id = due_at, False, holder
    later.kept_promise, later.opened_promise = missed, beat
    later.save(update_fields=["kept_promise", "opened_promise"])
    settle_if_overdue(case=case, promise=beat, now=now)


def _follow_the_new_cadence(*, case, promise, moved, actor, now):
    """The beat the undone update opened was moved by a cadence agreed since, with the client's agreement:
    the restored `promise` moves as that change would have moved it had it been pending then (plan.cadence_set:
    a cadence after the last update given before it, or after the change), counted as a renegotiation with
    the same agreement (a deadline that has passed is broken first: promise_move)."""
    changed = case.cadence_set_at
    last = (case.status_updates.given().filter(given_at__lte=changed).order_by("-given_at")
            .values_list("given_at", flat=True).first())
    due_at = status_update_due(case, last if last and status_update_due(case, last) > changed else changed)
    if due_at != promise.due_at:  # whoever changed the cadence holds it if they brought it inside the cutoff (found
        # by a red team: a supervisor's pull-in came back the rep's when the email bounced)
        made = (CaseEvent.objects.filter(case_id=case.pk, verb="promise made", data__promise=moved.pk)
                .select_related("actor").first())
        mover = made.actor if made else None
        owner = holder_after_move(promise.owner, actor=mover, old_due_at=promise.due_at, new_due_at=due_at,
                                  now=changed)  # judged when the cadence changed, not at the bounce
        new = promise_move(promise=promise, new_due_at=due_at, actor=actor, note="Update cadence changed.", now=now,
                           agreement=Agreement(channel=moved.agreed_channel, text=moved.agreed_text),
                           owner=owner if mover is not None and owner == mover else None)
        new.case = case
        settle_if_overdue(case=case, promise=new, now=now)


def _settle_as_closed(*, case, promise, actor, now):
    """The restored `promise` on a case whose step no longer runs the cadence: settled once, as the close
    settled every pending promise (RECIPE "Closed means closed"; transitions._resolve, _force_close), at the
    close: broken if its deadline had passed by then (its escalation resolved, as the close resolves them),
    kept by the delivery call when it came before the deadline and would have kept it (update_would_keep),
    withdrawn otherwise. Never left pending where no sweep acts (found by an audit)."""
    closed = now if case.is_open else (case.resolved_at or now)
    if promise.due_at <= closed:
        settle_if_overdue(case=case, promise=promise, now=now, next_beats=False)
        escalations_resolved_by_system(case.escalations.filter(promise=promise), case=case, now=now,
                                       note=f"the case was already {case.closed_how}.")
    elif case.step == Step.RESOLVED and not case.closed_by_override:
        delivery_call_settles(case=case, promise=promise, at=closed, actor=actor)
    else:
        promise.status, promise.closed_at = PromiseStatus.WITHDRAWN, closed
        promise.save(update_fields=["status", "closed_at"])
        event_record(case=case, actor=actor, verb="promise withdrawn", data={"promise": promise.pk},
                     note="The case was closed before the update was owed: it keeps no update promise.")


def _logged(case, update):
    """The event of `update` being logged (GIVEN), or None."""
    return CaseEvent.objects.filter(case_id=case.pk, verb=GIVEN, data__update=update.pk).order_by("id").first()


def _next_given(case, mine):
    """The first update the client was given logged after the event `mine`, and when it was logged (the later
    of its stated time and its event's, as `_heard_since` counts it); (None, None) when there is none."""
    if mine is None:
        return None, None
    logged = [(pk, at) for pk, at in (CaseEvent.objects.filter(case_id=case.pk, verb=GIVEN, id__gt=mine.pk)
                                      .order_by("id").values_list("data__update", "created_at"))
              if isinstance(pk, int)]
    given = case.status_updates.given().in_bulk([pk for pk, _ in logged])  # one read, not one per event
    later = next(((given[pk], at) for pk, at in logged if pk in given), None)
    return (later[0], max(later[1], later[0].given_at)) if later else (None, None)


def _retimed_from(case, update, mine, beat):
    """(where the pending `beat` was due, who held it, the event) before `update`, the late update of a missed
    one, re-timed it (status_update_log's beat branch; promises.retime_beat's event), or Nones when it did not
    (the holder None on an event written before it named them)."""
    if beat is None or mine is None or beat.pk != update.opened_promise_id:
        return None, None, None
    event = (CaseEvent.objects.filter(case_id=case.pk, verb=RETIMED, id__gt=mine.pk, data__promise=beat.pk)
             .order_by("id").first())
    if not event or not event.data.get("old_due_at"):
        return None, None, None
    return dt.datetime.fromisoformat(event.data["old_due_at"]), event.data.get("old_owner"), event


def _settled_by_the_close(case, update):
    """The beat `update` (the late update of a missed one) re-timed, as the close of `case` settled it (kept by
    the delivery call, or withdrawn), or None: the end of what it opened, when that was settled at the close."""
    opened = _opened_by(update)
    beat = Promise.objects.filter(pk=opened[-1]).first() if opened else None
    closed = case.resolved_at
    if beat is None or beat.status not in (PromiseStatus.KEPT, PromiseStatus.WITHDRAWN) or closed is None:
        return None
    return beat if (beat.kept_at or beat.closed_at) == closed else None


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
