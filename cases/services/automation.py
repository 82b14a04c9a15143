"""What the system does on its own between visits (RECIPE, "What the system does on its own"): the
case-side rules behind the notifications sweeps. A sweep decides nothing about a case; it calls these.

Each automatic action is a pair:

- a candidate query, `<x>_candidates(now, limit)`: the ids of at most `limit` rows due at `now`, read
  without locks through a partial index (`promise_pending_due`, `item_reminder_due`,
  `item_overdue_due`, `case_stall_candidates`) and filtered by the workflow (cases.workflow: a promise
  only in a step where its kind is live, items only in ITEM_STEPS, stalls only in STALL_WATCH_STEPS),
  so a run reads only the rows inside its window, however many cases are open;
- a per-row service, `<service>(row, now)`, that the sweep runs in a transaction of its own: lock the
  case with SKIP LOCKED (a rep or another worker holds it: leave the row to the next run), lock the
  promise or item, re-check under the lock that it is still due, not yet handled and live in the
  case's step, set its nullable "done" marker and send the notices (cases.notices) in that same
  transaction. It returns True when it acted. Locks are taken case first, like every case service, so
  it never deadlocks with a request; a second run, or a second worker at once, finds the marker set
  (or the row locked) and does nothing.

Who hears about what, and what they are told, is decided here too."""
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Max, Value

from ..bounds import call_day_has_come
from ..formatting import case_context, duration, person, when
from ..models import (
    ActionItem, Case, CaseEvent, EscalationReason, Handoff, HandoffStatus, ItemStatus, Promise, PromiseKind,
    PromiseStatus,
)
from ..notices import notify, notify_many
from ..selectors import supervisor_emails_for
from ..text import whole_number
from ..workflow import CLOSED_STEPS, ITEM_STEPS, STALL_WATCH_STEPS, live_promise_q
from .broken import item_context, item_overdue_notices, promises_break_due
from .escalations import escalation_raise_system
from .held import longest_holder
from .items import handback_notice_key

def lock_case_nowait(case_id, **conditions):
    """The case row, locked, or None when another transaction holds it (or it no longer matches)."""
    return Case.objects.select_for_update(skip_locked=True).filter(pk=case_id, **conditions).order_by().first()


# --- Promises (partial index `promise_pending_due`) --------------------------------------------------
def _live_pending(**conditions):
    """Pending promises whose kind is live in their case's step (so none on a closed case but the
    follow-up)."""
    return Promise.objects.filter(live_promise_q(), status=PromiseStatus.PENDING, **conditions)


def _first_due(qs, limit):
    return list(qs.order_by("due_at", "id").values_list("pk", "case_id")[:limit])


def _claim(window, row):
    """Lock the case (skipped if someone holds it), then the row, re-read through the window; None
    when another run or a rep got there first, or the row no longer qualifies."""
    pk, case_id = row
    case = lock_case_nowait(case_id)
    if case is None:
        return None
    found = window.select_for_update(of=("self",)).filter(pk=pk).first()
    return (case, found) if found is not None else None


# --- Notices re-checked just before they are sent -----------------------------------------------------
# A notice about a case's open work may wait before it leaves (coalescing: NOTIFY_COALESCE_MINUTES, a worker
# backlog, an SMTP server down), and the work may be kept, moved or closed meanwhile. Just before sending,
# the outbox asks which of its notices no longer describe anything to do and takes those back
# (notifications/sweeps/outbox.py). RECHECKED, below, is the one table of which notices are re-checked (by
# their key's prefix; the keys are built here, in services/broken.py and services/escalations.py) and how.
# Emails to the client (status updates, the closing email) are never in it: what was written to the client
# is withdrawn only by the cases app's own rules (client_messages_withdraw_held).
def _parts(key):
    """(prefix, the pk it names or None, the rest of its parts) of a notice's key."""
    prefix, _, rest = key.partition(":")
    pk, *others = rest.split(":")
    return prefix, whole_number(pk), others


def _promise_reminders_settled(rows):
    """Reminders of a promise (`update-reminder:<promise>:<due stamp>:<owner>`,
    `follow-up-reminder:<promise>:<owner>`): settled when the promise is no longer pending, or its case has
    another owner now (a handoff: the new owner is reminded instead), or, for an update reminder, the
    promise's due time is no longer the one it named (an update re-timed after a late one). One query."""
    named = {}
    for key, to, _case_id, _queued_at in rows:
        prefix, pk, others = _parts(key)
        if pk is not None:
            stamp = others[0] if prefix == "update-reminder" and len(others) >= 2 else None
            named[key] = (pk, stamp, set(to))
    live = {pk: (due, email) for pk, due, email in Promise.objects.filter(
        pk__in={pk for pk, _, _ in named.values()}, status=PromiseStatus.PENDING)
        .values_list("pk", "due_at", "case__owner__email")}
    return {key for key, (pk, stamp, to) in named.items()
            if pk not in live or live[pk][1] not in to or (stamp is not None and str(_stamp_of(live[pk][0])) != stamp)}


def _items_not_open_as_named(rows, *, to_assignee):
    """Notices of an item that name its due time (`item-...:<item>:<due stamp>:...`): settled when the item
    is no longer open with that due time (done, cancelled, or moved: a new due time gets its own notice),
    and, for the keys `to_assignee(key)` says were the holder's, when it was sent to someone who no longer
    holds the item. One query."""
    named = {}
    for key, to, _case_id, _queued_at in rows:
        _prefix, pk, others = _parts(key)
        if pk is not None and others:
            named[key] = (pk, others[0], set(to))
    live = {pk: (due, email) for pk, due, email in ActionItem.objects.filter(
        pk__in={pk for pk, _, _ in named.values()}, status=ItemStatus.OPEN)
        .values_list("pk", "due_at", "assignee__email")}
    return {key for key, (pk, stamp, to) in named.items()
            if pk not in live or live[pk][0] is None or str(_stamp_of(live[pk][0])) != stamp
            or (to_assignee(key) and live[pk][1] not in to)}


def _item_reminders_settled(rows):
    """An item reminder (`item-reminder:<item>:<due stamp>:<assignee>`) goes only to who holds the item now."""
    return _items_not_open_as_named(rows, to_assignee=lambda _key: True)


def _item_overdue_settled(rows):
    """An overdue notice (`item-overdue:<item>:<due stamp>:assignee|owner`) asks for work on an item still
    open with that due time; the assignee's copy only of who holds the item now (an item given to someone
    else before it left: "finish it" is no longer theirs), the case owner's whoever holds it."""
    return _items_not_open_as_named(rows, to_assignee=lambda key: key.endswith(":assignee"))


def _case_closed_since_queued(rows):
    """A notice to staff about a case's open work (a broken promise: "contact the client now", an escalation
    or a stalled case: "open in your queue") is settled when its case was closed after it was queued: the
    close settled the work and resolved the escalations (cases.services.transitions), and a reopen since
    does not open them again. One the close itself queued (a promise it broke: "nothing left to chase")
    stands. One query: the case's last move into a closed step (its timeline)."""
    closed = dict(CaseEvent.objects.filter(case_id__in={case_id for _, _, case_id, _ in rows if case_id is not None},
                                           to_step__in=[s.value for s in CLOSED_STEPS])
                  .values("case_id").annotate(last=Max("created_at")).values_list("case_id", "last"))
    return {key for key, _to, case_id, queued_at in rows if case_id in closed and closed[case_id] > queued_at}


def _broken_promise_settled(rows):
    """A broken promise's notice (`promise-broken:<promise>:owner|case-owner|supervisors`): settled as any notice
    of a case's open work once the case was closed since it was queued (_case_closed_since_queued), and, for
    an owner's copy, once the case has changed hands since and its recipient's part changed with it: it was
    written for the owner ("contact the client now") and they no longer own the case, or for the holder of a
    promise handed on ("the call is theirs") and the case is theirs again. Found by an audit: held a few minutes
    (the coalescing window), it told the previous owner to call after a handoff had made the call the new
    owner's (whose "now yours" email names what is still owed: handoffs._owed_words); and by a red team: a
    holder's copy saying "it counts for you" is still sent after a later move. Two queries at most."""
    settled = _case_closed_since_queued(rows)
    owners = [row for row in rows if row[0] not in settled and not row[0].endswith(":supervisors")]
    if not owners:
        return settled
    moves = {}  # case id -> [(when, the owner's address)] from its opening and each change of hands, in order
    for case_id, created_at, email in (CaseEvent.objects.filter(
            case_id__in={row[2] for row in owners}, verb__in=sorted(CaseEvent.OWNER_CHANGES | {"opened"}))
            .order_by("created_at", "id").values_list("case_id", "created_at", "owner__email")):
        moves.setdefault(case_id, []).append((created_at, (email or "").lower()))

    def part_changed(key, to, case_id, queued_at):
        steps = moves.get(case_id, ())
        if not steps or steps[-1][0] <= queued_at:
            return False  # no change of hands since it was queued
        then = [email for at, email in steps if at <= queued_at]
        to = {address.lower() for address in to}
        return bool(then and then[-1] in to) != (steps[-1][1] in to)

    return settled | {row[0] for row in owners if part_changed(*row)}


def _item_assigned_settled(rows):
    """A new item's notice (`item-assigned:<item>:<assignee>[:<when>]`, "finish it by ..."): settled when the
    item is no longer open (done, cancelled: a close cancels its items) or is no longer held by the one it
    named (given to someone else, who gets their own). Found by an audit: a teammate was asked to work an
    item the case's close had cancelled minutes before. One query."""
    named = {}
    for key, _to, _case_id, _queued_at in rows:
        _prefix, pk, others = _parts(key)
        if pk is not None and others:
            named[key] = (pk, whole_number(others[0]))
    live = dict(ActionItem.objects.filter(pk__in={pk for pk, _ in named.values()}, status=ItemStatus.OPEN)
                .values_list("pk", "assignee_id"))
    return {key for key, (pk, assignee) in named.items() if pk not in live or live[pk] != assignee}


def _item_handback_settled(rows):
    """A hand-back's notice to the owner (items.handback_notice_key, "accept or decline it"): settled when that
    hand-back was answered (the item has no hand-back, or a later one), or the item is no longer open. One
    query."""
    named = {key: pk for key, _to, _case_id, _queued_at in rows if (pk := _parts(key)[1]) is not None}
    waiting = {handback_notice_key(item) for item in ActionItem.objects.filter(
        pk__in=set(named.values()), status=ItemStatus.OPEN, handback_at__isnull=False).only("pk", "handback_at")}
    return set(named) - waiting


def _handoff_answered(rows):
    """A handoff's request (`handoff-requested:<handoff>` to whom it is offered, `case-requested:<handoff>` to
    the owner a teammate asks): settled when it no longer waits to be accepted (accepted or declined in the
    app, cancelled, or closed with the case, which a close or a reassignment does). One query."""
    named = {key: pk for key, _to, _case_id, _queued_at in rows if (pk := _parts(key)[1]) is not None}
    waiting = set(Handoff.objects.filter(pk__in=set(named.values()), status=HandoffStatus.REQUESTED)
                  .values_list("pk", flat=True))
    return {key for key, pk in named.items() if pk not in waiting}


# Which notices are re-checked at send time, by their key's prefix, and the check that says which are settled.
RECHECKED = {
    "item-assigned": _item_assigned_settled,
    "item-handback": _item_handback_settled,
    "handoff-requested": _handoff_answered,
    "case-requested": _handoff_answered,
    "update-reminder": _promise_reminders_settled,
    "follow-up-reminder": _promise_reminders_settled,
    "item-reminder": _item_reminders_settled,
    "item-overdue": _item_overdue_settled,
    "promise-broken": _broken_promise_settled,
    "escalation-raised": _case_closed_since_queued,
    "case-stalled": _case_closed_since_queued,
}
RECHECKED_PREFIXES = tuple(f"{prefix}:" for prefix in RECHECKED)


def notices_settled(rows):
    """The keys of the notices among `rows` ((key, recipients, case id, queued at) of the outbox's rows whose
    key starts with one of RECHECKED_PREFIXES) that no longer describe anything for their recipients to do,
    by RECHECKED's check for each. One query per check the rows need (two for broken promises), nine at most."""
    by_check = {}
    for row in rows:
        check = RECHECKED.get(row[0].partition(":")[0])
        if check is not None:
            by_check.setdefault(check, []).append(row)
    return set().union(*(check(found) for check, found in by_check.items()))


def addresses_off_the_team(addresses):
    """Of `addresses` (the recipients of the team's notices, queued earlier), the lowercased ones whose people
    have left the team: every user with that address is inactive or holds no role now (neither owns cases
    nor supervises: cases.permissions). A notice waits (a coalescing window, a failed send and its retry)
    and carries the case's details; meanwhile its recipient may have left. Found by an audit: retrying a
    failed notice after its recipient left the team still sent them the case. An address no user has is
    left alone. Two queries."""
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Lower

    from ..backends import load_permissions
    from ..permissions import is_supervisor, may_own_cases

    users = list(get_user_model().objects.annotate(address=Lower("email"))
                 .filter(address__in={a.lower() for a in addresses if a}))
    load_permissions(users)
    on_team = {u.address for u in users if may_own_cases(u) or is_supervisor(u)}
    return {u.address for u in users} - on_team


# 1. Update reminder
def _update_reminder_window(now):
    """Pending status-update promises to remind about at `now`: due within the lead time, and past
    the half of their own span, so a rep who has just logged an update on a short cadence is not
    reminded of the next one at once."""
    lead = dt.timedelta(minutes=settings.UPDATE_REMINDER_LEAD_MINUTES)
    now_value = Value(now, output_field=DateTimeField())
    return (
        _live_pending(kind=PromiseKind.STATUS_UPDATE, reminded_at__isnull=True, due_at__gt=now, due_at__lte=now + lead)
        .alias(left=ExpressionWrapper(F("due_at") - now_value, output_field=DurationField()),
               elapsed=ExpressionWrapper(now_value - F("created_at"), output_field=DurationField()))
        .filter(left__lte=F("elapsed"))
    )


def update_reminder_candidates(now, limit):
    return _first_due(_update_reminder_window(now), limit)


@transaction.atomic(savepoint=False)  # the sweep's per-row transaction, or its own
def update_reminder_send(row, now):
    """Email the case owner ("Dennis expects an update by 14:00") before a status update is due."""
    claimed = _claim(_update_reminder_window(now), row)
    if claimed is None:
        return False
    case, promise = claimed
    Promise.objects.filter(pk=promise.pk).update(reminded_at=now)
    owner = case.owner
    notify(
        system=True, key=f"update-reminder:{promise.pk}:{_stamp_of(promise.due_at)}:{owner.pk}",
        kind="update_reminder", case=case,
        to=[owner.email],
        context={**case_context(case), "owner": person(owner),
                 "due": when(promise.due_at, client=case.client, reader=owner, now=now),
                 "channel": case.get_cadence_channel_display().lower() if case.cadence_channel else "",
                 "last_update": case.status_updates.order_by("-given_at").values_list("summary", flat=True).first()
                 or ""},
    )
    return True


# 4. Follow-up reminder
def _follow_up_window(now):
    # Due at BUSINESS_HOURS_END local, so the local day started at most that many hours (plus one for
    # a daylight-saving day) before it: a bounded window of the index, refined per row.
    horizon = now + dt.timedelta(hours=settings.BUSINESS_HOURS_END + 1)
    return _live_pending(kind=PromiseKind.FOLLOW_UP, reminded_at__isnull=True, due_at__gt=now, due_at__lte=horizon)


def follow_up_reminder_candidates(now, limit):
    return _first_due(_follow_up_window(now), limit)


@transaction.atomic(savepoint=False)
def follow_up_reminder_send(row, now):
    """On the follow-up date, remind the case owner to call the client."""
    claimed = _claim(_follow_up_window(now), row)
    if claimed is None:
        return False
    case, promise = claimed
    if not call_day_has_come(promise.due_at, case.client, now):  # the reminder goes out from its day on
        return False
    Promise.objects.filter(pk=promise.pk).update(reminded_at=now)
    owner = case.owner
    notify(
        system=True, key=f"follow-up-reminder:{promise.pk}:{owner.pk}", kind="follow_up_reminder", case=case,
        to=[owner.email],
        context={**case_context(case), "owner": person(owner), "phone": case.client.phone,
                 "due": when(promise.due_at, client=case.client, reader=owner, now=now),
                 # The client's day (found by an audit: written in UTC, a day early for a client in Tokyo).
                 "resolved_on": f"{case.resolved_at.astimezone(case.client.tz):%d %b %Y}" if case.resolved_at else ""},
    )
    return True


# 2. Broken promise (the rule and the notices: services/broken.py, shared with settle_if_overdue)
def broken_promise_candidates(now, limit):
    return _first_due(_live_pending(due_at__lte=now), limit)


def promises_break_overdue(rows, now):
    """The sweep's batch: lock the cases nobody holds, re-check each promise under the lock, and break
    the due ones in a fixed number of statements (services/broken.py). Returns how many it broke."""
    return promises_break_due(rows, now)


@transaction.atomic(savepoint=False)
def promise_break_overdue(row, now):
    """One candidate on its own (the sweep's fallback when a batch fails): the same code, one row."""
    return promises_break_due([row], now) == 1


# --- Action items (partial indexes `item_reminder_due`, `item_overdue_due`) -------------------------
# The keys carry the due time: when a due time is renegotiated the markers are cleared and the new
# deadline gets its own reminder and notice.
def _live_open_items(**conditions):
    return ActionItem.objects.filter(status=ItemStatus.OPEN, due_at__isnull=False,
                                     case__step__in=[s.value for s in ITEM_STEPS], **conditions)


def _stamp(item):
    return _stamp_of(item.due_at)


def _stamp_of(due_at):
    """A due time in a reminder's key, so a moved item's (or a re-timed update's) reminder is told apart."""
    return int(due_at.timestamp())


# 3a. Item reminder
def _item_reminder_window(now):
    lead = dt.timedelta(minutes=settings.ACTION_ITEM_REMINDER_LEAD_MINUTES)
    return _live_open_items(reminded_at__isnull=True, assignee__isnull=False, due_at__gt=now, due_at__lte=now + lead)


def item_reminder_candidates(now, limit):
    return _first_due(_item_reminder_window(now), limit)


@transaction.atomic(savepoint=False)
def item_reminder_send(row, now):
    """Remind the assignee ACTION_ITEM_REMINDER_LEAD_MINUTES before an open item is due."""
    claimed = _claim(_item_reminder_window(now), row)
    if claimed is None:
        return False
    case, item = claimed
    ActionItem.objects.filter(pk=item.pk).update(reminded_at=now)
    assignee = item.assignee
    notify(
        system=True, key=f"item-reminder:{item.pk}:{_stamp(item)}:{item.assignee_id}", kind="item_reminder", case=case,
        to=[assignee.email],
        context=item_context(case, item, assignee, now),
    )
    return True


# 3b. Overdue item
def _overdue_item_window(now):
    return _live_open_items(overdue_notified_at__isnull=True, due_at__lte=now)


def overdue_item_candidates(now, limit):
    return _first_due(_overdue_item_window(now), limit)


@transaction.atomic(savepoint=False)
def item_overdue_notify(row, now):
    """Tell the assignee and the case owner (who stays accountable for teammates' items) once when an
    open item passes its due time."""
    claimed = _claim(_overdue_item_window(now), row)
    if claimed is None:
        return False
    case, item = claimed
    _send_item_overdue(case, item, now, due_at=item.due_at)
    return True


def _send_item_overdue(case, item, now, *, due_at):
    """The overdue notice for the deadline `due_at`, once (the keys carry it). The item's marker is set
    when that deadline is still the item's (a moved item keeps its new deadline's notice to come)."""
    if item.due_at == due_at:
        ActionItem.objects.filter(pk=item.pk).update(overdue_notified_at=now)
    notify_many(item_overdue_notices(case, item, now, due_at=due_at), system=True)


# --- 6. Stalled case (partial index `case_stall_candidates`) ----------------------------------------
def _stall_window(now):
    """Unflagged cases in a watched step (STALL_WATCH_STEPS: not yet acting) for longer than
    STALLED_CASE_HOURS by their stall clock (Case.stall_clock_from: the stay's start, less what the case sat
    in the step before an override it was reopened from). The flag is cleared by the next transition."""
    cutoff = now - dt.timedelta(hours=settings.STALLED_CASE_HOURS)
    return dict(step__in=[s.value for s in STALL_WATCH_STEPS], stalled_flagged_at__isnull=True,
                stall_clock_from__lte=cutoff)


def stalled_case_candidates(now, limit):
    return list(Case.objects.filter(**_stall_window(now)).order_by("stall_clock_from", "id")
                .values_list("pk", flat=True)[:limit])


@transaction.atomic(savepoint=False)
def case_flag_stalled(case_id, now):
    """Flag a stalled case once, open a system escalation (reason: stalled) for this stay in its step
    unless it has one (escalation_raise_system), and tell the owner's supervisor(s)."""
    case = lock_case_nowait(case_id, **_stall_window(now))
    if case is None:
        return False
    Case.objects.filter(pk=case.pk).update(stalled_flagged_at=now)
    waited = duration(now - case.stall_clock_from)
    step = case.step_enum.label
    escalation = escalation_raise_system(
        case=case, reason=EscalationReason.STALLED,
        note=f"Still in “{step}” after {waited} (limit {settings.STALLED_CASE_HOURS} h).",
        counted_for=longest_holder(case, now),  # not whoever took it on a minute ago
    )
    notify(
        system=True, key=f"case-stalled:{case.pk}:{int(case.step_entered_at.timestamp())}", kind="case_stalled",
        case=case, to=supervisor_emails_for(case.owner),
        context={**case_context(case), "step": step, "step_number": case.step_enum.number, "waited": waited,
                 "owner": person(case.owner), "limit_hours": settings.STALLED_CASE_HOURS,
                 "escalated": escalation is not None},
    )
    return True
