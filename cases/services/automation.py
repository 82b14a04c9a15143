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
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Value

from ..formatting import case_context, duration, person, when
from ..models import ActionItem, Case, EscalationReason, ItemStatus, Promise, PromiseKind, PromiseStatus
from ..notices import notify, notify_many
from ..selectors import supervisor_emails_for
from ..text import whole_number
from ..workflow import ITEM_STEPS, STALL_WATCH_STEPS, live_promise_q
from .broken import item_context, item_overdue_notices, promises_break_due
from .escalations import escalation_raise_system
from .held import longest_holder

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


# Reminders speak of a promise or an item still to keep; one may be kept, moved or closed before its email
# leaves (a worker backlog, an SMTP server down). The outbox asks, just before sending, which of its
# reminders no longer describe anything still to do, and takes those back (notifications/sweeps/outbox.py).
REMINDER_PREFIXES = ("update-reminder:", "follow-up-reminder:", "item-reminder:")


def reminders_settled(rows):
    """The keys of the reminders among `rows` ((key, recipients) pairs) that no longer describe anything
    for their recipient to do: the promise is no longer pending or its case has another owner now (a
    handoff: the new owner is reminded instead), or the item is no longer open with the due time it was
    reminded of (`item-reminder:<item>:<due stamp>:<assignee>`) by the assignee it was sent to; an update
    reminder also when its promise's due time is no longer the one it named
    (`update-reminder:<promise>:<due stamp>:<owner>`, an update re-timed after a late one). Two queries at most."""
    promises, items = {}, {}
    for key, to in rows:
        kind, _, rest = key.partition(":")
        parts = rest.split(":")
        pk = whole_number(parts[0])
        if kind in ("update-reminder", "follow-up-reminder") and pk is not None:
            # an update reminder names the due time it was sent for (a re-timed update is reminded again)
            stamp = parts[1] if kind == "update-reminder" and len(parts) >= 3 else None
            promises[pk] = (stamp, key, set(to))
        elif kind == "item-reminder" and len(parts) >= 2 and pk is not None:
            items[pk] = (parts[1], key, set(to))
    settled = set()
    if promises:
        live = {pk: (due, email) for pk, due, email in Promise.objects.filter(
            pk__in=promises, status=PromiseStatus.PENDING).values_list("pk", "due_at", "case__owner__email")}
        settled |= {key for pk, (stamp, key, to) in promises.items()
                    if pk not in live or live[pk][1] not in to
                    or (stamp is not None and str(_stamp_of(live[pk][0])) != stamp)}
    if items:
        live = {pk: (due, email) for pk, due, email in ActionItem.objects.filter(pk__in=items, status=ItemStatus.OPEN)
                .values_list("pk", "due_at", "assignee__email")}
        settled |= {key for pk, (stamp, key, to) in items.items()
                    if pk not in live or live[pk][0] is None or str(_stamp_of(live[pk][0])) != stamp
                    or live[pk][1] not in to}
    return settled


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


def _follow_up_day_started(promise, client, now):
    """A follow-up promise is due at the end of the client's business day on the follow-up date; the
    reminder goes out from the start of that local date."""
    local_day = promise.due_at.astimezone(client.tz).date()
    return dt.datetime.combine(local_day, dt.time(0), tzinfo=client.tz) <= now


def follow_up_reminder_candidates(now, limit):
    return _first_due(_follow_up_window(now), limit)


@transaction.atomic(savepoint=False)
def follow_up_reminder_send(row, now):
    """On the follow-up date, remind the case owner to call the client."""
    claimed = _claim(_follow_up_window(now), row)
    if claimed is None:
        return False
    case, promise = claimed
    if not _follow_up_day_started(promise, case.client, now):
        return False
    Promise.objects.filter(pk=promise.pk).update(reminded_at=now)
    owner = case.owner
    notify(
        system=True, key=f"follow-up-reminder:{promise.pk}:{owner.pk}", kind="follow_up_reminder", case=case,
        to=[owner.email],
        context={**case_context(case), "owner": person(owner), "phone": case.client.phone,
                 "due": when(promise.due_at, client=case.client, reader=owner, now=now),
                 "resolved_on": f"{case.resolved_at:%d %b %Y}" if case.resolved_at else ""},
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
