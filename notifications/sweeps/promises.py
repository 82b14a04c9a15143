"""Sweeps over the promise ledger: update reminders, follow-up reminders and broken promises.
Candidates come from the partial index `promise_pending_due` (pending promises by due time), so a
run reads only the promises inside its time window, however many cases are open."""
import datetime as dt

from django.conf import settings
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Value

from cases.models import Promise, PromiseKind, PromiseStatus
from cases.selectors import supervisor_emails_for
from cases.services import promise_break

from ..formatting import case_context, person, when
from ..outbox import outbox_enqueue
from .base import batch_size, each_in_own_transaction, lock_case_nowait, resolve_now


def _candidates(qs):
    return list(qs.order_by("due_at", "id").values_list("pk", "case_id")[: batch_size()])


def _lock_promise(pk, **conditions):
    return Promise.objects.select_for_update().filter(pk=pk, status=PromiseStatus.PENDING, **conditions).first()


# --- 1. Update reminder ---------------------------------------------------------------------------
def update_reminder_window(now):
    """Pending status-update promises to remind about at `now`: due within the lead time, and past
    the half of their own span, so a rep who has just logged an update on a short cadence is not
    reminded of the next one at once."""
    lead = dt.timedelta(minutes=settings.UPDATE_REMINDER_LEAD_MINUTES)
    now_value = Value(now, output_field=DateTimeField())
    return (
        Promise.objects.filter(status=PromiseStatus.PENDING, kind=PromiseKind.STATUS_UPDATE,
                               reminded_at__isnull=True, due_at__gt=now, due_at__lte=now + lead)
        .alias(left=ExpressionWrapper(F("due_at") - now_value, output_field=DurationField()),
               elapsed=ExpressionWrapper(now_value - F("created_at"), output_field=DurationField()))
        .filter(left__lte=F("elapsed"))
    )


def sweep_update_reminders(now=None):
    """Email the case owner ("Dennis expects an update by 14:00") before a status update is due."""
    now = resolve_now(now)

    def handle(row):
        pk, case_id = row
        case = lock_case_nowait(case_id)
        if case is None:
            return False
        promise = update_reminder_window(now).select_for_update().filter(pk=pk).first()
        if promise is None:
            return False
        Promise.objects.filter(pk=pk).update(reminded_at=now)
        owner = case.owner
        outbox_enqueue(
            key=f"update-reminder:{promise.pk}", kind="update_reminder", case=case, to=[owner.email],
            context={**case_context(case), "owner": person(owner),
                     "due": when(promise.due_at, client=case.client, reader=owner, now=now),
                     "channel": case.get_cadence_channel_display().lower() if case.cadence_channel else "",
                     "last_update": case.status_updates.order_by("-given_at").values_list("summary", flat=True).first()
                     or ""},
        )
        return True

    return each_in_own_transaction("update reminders", _candidates(update_reminder_window(now)), handle)


# --- 4. Follow-up reminder ------------------------------------------------------------------------
def _follow_up_day_started(promise, client, now):
    """A follow-up promise is due at the end of the client's business day on the follow-up date;
    the reminder goes out from the start of that local date."""
    local_day = promise.due_at.astimezone(client.tz).date()
    start = dt.datetime.combine(local_day, dt.time(0), tzinfo=client.tz)
    return start <= now


def sweep_follow_ups(now=None):
    """On the follow-up date, remind the case owner to call the client."""
    now = resolve_now(now)
    # Due at BUSINESS_HOURS_END local, so the local day started at most that many hours (plus one
    # for a daylight-saving day) before it: a bounded window of the index, refined per row.
    horizon = now + dt.timedelta(hours=settings.BUSINESS_HOURS_END + 1)
    window = dict(kind=PromiseKind.FOLLOW_UP, reminded_at__isnull=True, due_at__gt=now, due_at__lte=horizon)

    def handle(row):
        pk, case_id = row
        case = lock_case_nowait(case_id)
        if case is None:
            return False
        promise = _lock_promise(pk, **window)
        if promise is None or not _follow_up_day_started(promise, case.client, now):
            return False
        Promise.objects.filter(pk=pk).update(reminded_at=now)
        owner = case.owner
        outbox_enqueue(
            key=f"follow-up-reminder:{promise.pk}", kind="follow_up_reminder", case=case, to=[owner.email],
            context={**case_context(case), "owner": person(owner), "phone": case.client.phone,
                     "due": when(promise.due_at, client=case.client, reader=owner, now=now),
                     "resolved_on": f"{case.resolved_at:%d %b %Y}" if case.resolved_at else ""},
        )
        return True

    qs = Promise.objects.filter(status=PromiseStatus.PENDING, **window)
    return each_in_own_transaction("follow-up reminders", _candidates(qs), handle)


# --- 2. Broken promise ----------------------------------------------------------------------------
def sweep_broken_promises(now=None):
    """A pending promise past its deadline becomes broken (promise_break also opens the system
    escalation unless one is open for it); the owner and their supervisor(s) are told. For an
    action-item promise the assignee and the case owner hear it from the overdue-item notice, so
    only the supervisors get this one."""
    now = resolve_now(now)

    def handle(row):
        pk, case_id = row
        case = lock_case_nowait(case_id)
        if case is None:
            return False
        result = promise_break(promise=Promise(pk=pk, case_id=case_id), now=now)
        if result is None:
            return False
        promise, escalation = result
        _notify_broken(case=case, promise=promise, escalation=escalation, now=now)
        return True

    qs = Promise.objects.filter(status=PromiseStatus.PENDING, due_at__lte=now)
    return each_in_own_transaction("broken promises", _candidates(qs), handle)


def _notify_broken(*, case, promise, escalation, now):
    owner = promise.owner
    base = {**case_context(case), "promise": promise.source, "kind": promise.get_kind_display(),
            "is_update": promise.kind == PromiseKind.STATUS_UPDATE, "owner": person(owner),
            "case_owner": person(case.owner), "escalated": escalation is not None}
    if promise.kind != PromiseKind.ACTION_ITEM:
        outbox_enqueue(
            key=f"promise-broken:{promise.pk}:owner", kind="promise_broken", case=case, to=[owner.email],
            context={**base, "due": when(promise.due_at, client=case.client, reader=owner, now=now)},
        )
    supervisors = [e for e in supervisor_emails_for(case.owner) if e and e not in {owner.email}]
    outbox_enqueue(
        key=f"promise-broken:{promise.pk}:supervisors", kind="promise_broken_supervisor", case=case,
        to=supervisors,
        context={**base, "due": when(promise.due_at, client=case.client, reader=None, now=now)},
    )
