"""Sweeps over action items: a reminder to the assignee before the due time, and an overdue notice
to the assignee and the case owner (who stays accountable for teammates' items). Candidates come
from the partial indexes `item_reminder_due` and `item_overdue_due` (open items each sweep has yet
to handle, by due time). The keys carry the due time: when a due time is renegotiated the markers
are cleared and the new deadline gets its own reminder and notice."""
import datetime as dt

from django.conf import settings

from cases.models import ActionItem, ItemStatus

from ..formatting import case_context, person, when
from ..outbox import outbox_enqueue
from .base import batch_size, each_in_own_transaction, lock_case_nowait, resolve_now


def _open_items(**conditions):
    return ActionItem.objects.filter(status=ItemStatus.OPEN, due_at__isnull=False, **conditions)


def _candidates(qs):
    return list(qs.order_by("due_at", "id").values_list("pk", "case_id")[: batch_size()])


def _stamp(item):
    return int(item.due_at.timestamp())


def _claim(row, window):
    """Lock the case (skipped if someone holds it), then the item, and re-check it is still in the
    sweep's window; None when another run or a rep got there first."""
    pk, case_id = row
    case = lock_case_nowait(case_id)
    if case is None:
        return None
    item = _open_items(**window).select_for_update().filter(pk=pk).first()
    return (case, item) if item is not None else None


def _item_context(case, item, reader, now):
    return {**case_context(case), "item": item.description, "assignee": person(item.assignee),
            "case_owner": person(case.owner), "due": when(item.due_at, client=case.client, reader=reader, now=now)}


def sweep_item_reminders(now=None):
    """Remind the assignee ACTION_ITEM_REMINDER_LEAD_MINUTES before an open item is due."""
    now = resolve_now(now)
    lead = dt.timedelta(minutes=settings.ACTION_ITEM_REMINDER_LEAD_MINUTES)
    window = dict(reminded_at__isnull=True, assignee__isnull=False, due_at__gt=now, due_at__lte=now + lead)

    def handle(row):
        claimed = _claim(row, window)
        if claimed is None:
            return False
        case, item = claimed
        ActionItem.objects.filter(pk=item.pk).update(reminded_at=now)
        assignee = item.assignee
        outbox_enqueue(
            key=f"item-reminder:{item.pk}:{_stamp(item)}", kind="item_reminder", case=case, to=[assignee.email],
            context=_item_context(case, item, assignee, now),
        )
        return True

    return each_in_own_transaction("item reminders", _candidates(_open_items(**window)), handle)


def sweep_overdue_items(now=None):
    """Tell the assignee and the case owner once when an open item passes its due time."""
    now = resolve_now(now)
    window = dict(overdue_notified_at__isnull=True, due_at__lte=now)

    def handle(row):
        claimed = _claim(row, window)
        if claimed is None:
            return False
        case, item = claimed
        ActionItem.objects.filter(pk=item.pk).update(overdue_notified_at=now)
        assignee, owner = item.assignee, case.owner
        if assignee is not None:
            outbox_enqueue(
                key=f"item-overdue:{item.pk}:{_stamp(item)}:assignee", kind="item_overdue", case=case,
                to=[assignee.email], context=_item_context(case, item, assignee, now),
            )
        if assignee is None or assignee.pk != owner.pk:
            outbox_enqueue(
                key=f"item-overdue:{item.pk}:{_stamp(item)}:owner", kind="item_overdue_owner", case=case,
                to=[owner.email], context=_item_context(case, item, owner, now),
            )
        return True

    return each_in_own_transaction("overdue items", _candidates(_open_items(**window)), handle)
