"""Step 5 onwards: action items (only from `plan` on: acting before recommitting is what the recipe
forbids), the update cadence and the ETA range, each with its promise in the ledger."""
import datetime

from django.db import transaction
from django.utils import timezone

from notifications.outbox import outbox_enqueue

from ..errors import CaseRuleError
from ..models import ActionItem, Channel, ItemKind, ItemStatus, PromiseKind, Step, StatusUpdate
from .common import display_name, ensure_can_work, event_record, lock_case, refresh_counters, require_text
from .promises import (
    open_next_status_update, pending_promise, promise_close_unneeded, promise_fulfil, promise_open,
    promise_replace, status_update_due,
)

ACTING_STEPS = (Step.PLAN, Step.MANAGE_ANXIETY, Step.DELIVER)
MIN_CADENCE_MINUTES = 5


def _ensure_acting(case, what):
    if case.step not in ACTING_STEPS:
        if case.step == Step.RESOLVED:
            raise CaseRuleError(f"{case.reference} is resolved: reopen it before changing the plan.")
        raise CaseRuleError(
            f"{what} can only be set from the plan step on: finish “{case.step_enum.label}” first "
            "(acting before acknowledging and recommitting is what the recipe forbids)."
        )


def _check_due(due_at, field="due_at"):
    if due_at is not None and due_at <= timezone.now():
        raise CaseRuleError("The due time must be in the future.", field=field)


def _item_promise_source(item):
    return f"{item.get_kind_display()}: {item.description[:120]}"


def _notify_assignee(*, case, item, actor):
    if item.assignee_id and item.assignee_id != actor.pk and item.assignee.email:
        outbox_enqueue(
            key=f"item-assigned:{item.pk}:{item.assignee_id}", kind="item_assigned", case=case,
            to=[item.assignee.email],
            context={"case_ref": case.reference, "client": case.client.name, "item": item.description,
                     "due_at": f"{item.due_at.astimezone(datetime.timezone.utc):%a %d %b %Y %H:%M}" if item.due_at else "", "by": display_name(actor),
                     "case_path": f"/cases/{case.reference}/"},
        )


@transaction.atomic
def action_item_create(*, user, case, description, kind=ItemKind.FIX, assignee=None, due_at=None):
    case = lock_case(case)
    ensure_can_work(user, case)
    _ensure_acting(case, "Action items")
    if case.step == Step.DELIVER:
        raise CaseRuleError("The plan is finished at delivery. If something is still missing, use loose ends "
                            "to take the case back to the plan and add the item there.")
    description = require_text(description, field="description", message="Describe what will be done.")
    if kind not in ItemKind.values:
        raise CaseRuleError("Choose whether the item mitigates, fixes or prevents.", field="kind")
    if assignee is not None and not assignee.is_active:
        raise CaseRuleError("That teammate's account is inactive.", field="assignee")
    _check_due(due_at)
    item = ActionItem.objects.create(case=case, description=description, kind=kind, assignee=assignee,
                                     due_at=due_at, created_by=user)
    event_record(case=case, actor=user, verb="action item added",
                 note=f"{description} — {display_name(assignee) if assignee else 'no owner yet'}",
                 data={"item": item.pk})
    if due_at is not None:
        promise_open(case=case, kind=PromiseKind.ACTION_ITEM, due_at=due_at, owner=assignee or case.owner,
                     source=_item_promise_source(item), action_item=item, actor=user)
    _notify_assignee(case=case, item=item, actor=user)
    refresh_counters(case)
    return item


@transaction.atomic
def action_item_update(*, user, item, description, kind, assignee, due_at, note=""):
    case = lock_case(item.case)
    ensure_can_work(user, case)
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ItemStatus.OPEN:
        raise CaseRuleError("Only open action items can be changed.")
    item.description = require_text(description, field="description", message="Describe what will be done.")
    if kind not in ItemKind.values:
        raise CaseRuleError("Choose whether the item mitigates, fixes or prevents.", field="kind")
    if due_at != item.due_at:
        _check_due(due_at)
    assignee_changed = (assignee.pk if assignee else None) != item.assignee_id
    old_due = item.due_at
    item.kind, item.assignee, item.due_at = kind, assignee, due_at
    if due_at != old_due:
        item.reminded_at = item.overdue_notified_at = None
    item.save()
    promise = pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item)
    owner = assignee or case.owner
    if promise and due_at is None:
        promise_close_unneeded(promise=promise, actor=user, note="The due time was removed.")
    elif promise and due_at != promise.due_at:
        promise_replace(promise=promise, new_due_at=due_at, actor=user, owner=owner,
                        note=note or "New due time agreed.")
    elif promise and assignee_changed:
        promise.owner = owner
        promise.save(update_fields=["owner"])
    elif promise is None and due_at is not None:
        promise_open(case=case, kind=PromiseKind.ACTION_ITEM, due_at=due_at, owner=owner,
                     source=_item_promise_source(item), action_item=item, actor=user)
    event_record(case=case, actor=user, verb="action item changed", note=item.description, data={"item": item.pk})
    if assignee_changed:
        _notify_assignee(case=case, item=item, actor=user)
    refresh_counters(case)
    return item


def _lock_item_for(user, item):
    case = lock_case(item.case)
    item = ActionItem.objects.select_for_update().select_related("case").get(pk=item.pk)
    if not (item.assignee_id == user.pk or case.owner_id == user.pk or case.co_owner_id == user.pk
            or user.has_perm("cases.work_any_case")):
        raise CaseRuleError("Only the item's assignee, the case owner or a supervisor can do that.")
    if item.status != ItemStatus.OPEN:
        raise CaseRuleError(f"This item is already {item.get_status_display().lower()}.")
    return case, item


@transaction.atomic
def action_item_complete(*, user, item, note=""):
    case, item = _lock_item_for(user, item)
    now = timezone.now()
    item.status, item.done_at = ItemStatus.DONE, now
    item.save(update_fields=["status", "done_at"])
    event_record(case=case, actor=user, verb="action item done", note=note or item.description,
                 data={"item": item.pk})
    promise = pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item)
    if promise is None:
        promise = item.promises.filter(status="broken", kept_at__isnull=True).order_by("-due_at").first()
    if promise:
        promise_fulfil(promise=promise, at=now, actor=user)
    refresh_counters(case)
    return item


@transaction.atomic
def action_item_cancel(*, user, item, reason):
    case, item = _lock_item_for(user, item)
    reason = require_text(reason, field="reason", message="Say why the item is cancelled.")
    item.status, item.cancel_reason = ItemStatus.CANCELLED, reason
    item.save(update_fields=["status", "cancel_reason"])
    event_record(case=case, actor=user, verb="action item cancelled", note=f"{item.description}: {reason}",
                 data={"item": item.pk})
    promise = pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item)
    if promise:
        promise_close_unneeded(promise=promise, actor=user, note=f"Item cancelled: {reason}")
    refresh_counters(case)
    return item


@transaction.atomic
def cadence_set(*, user, case, minutes, channel, business_hours_only=False, note=""):
    """Agree (or relax) how often and how the client hears from us. Opens the status-update promise,
    or renegotiates the pending one."""
    case = lock_case(case)
    ensure_can_work(user, case)
    _ensure_acting(case, "The update cadence")
    if not minutes or int(minutes) < MIN_CADENCE_MINUTES:
        raise CaseRuleError(f"Updates must be at least {MIN_CADENCE_MINUTES} minutes apart.", field="minutes")
    if channel not in Channel.values:
        raise CaseRuleError("Choose how the client will hear from you.", field="channel")
    old = (case.cadence_minutes, case.cadence_channel, case.cadence_business_hours_only)
    case.cadence_minutes, case.cadence_channel = int(minutes), channel
    case.cadence_business_hours_only = bool(business_hours_only)
    case.cadence_set_at = timezone.now()
    case.save(update_fields=["cadence_minutes", "cadence_channel", "cadence_business_hours_only",
                             "cadence_set_at", "updated_at"])
    event_record(case=case, actor=user, verb="cadence agreed",
                 note=f"Every {case.cadence_minutes} min by {case.get_cadence_channel_display().lower()}"
                      + (" during business hours" if business_hours_only else "") + (f" — {note}" if note else ""),
                 data={"old": list(old)})
    now = timezone.now()
    last = StatusUpdate.objects.filter(case=case).order_by("-given_at").values_list("given_at", flat=True).first()
    start = last if last and status_update_due(case, last) > now else now
    promise = pending_promise(case, PromiseKind.STATUS_UPDATE)
    if promise:
        new_due = status_update_due(case, start)
        if new_due != promise.due_at:
            promise_replace(promise=promise, new_due_at=new_due, actor=user, note="Update cadence changed.")
    else:
        open_next_status_update(case=case, start=start, actor=user)
    refresh_counters(case)
    return case


@transaction.atomic
def eta_set(*, user, case, earliest, latest, note=""):
    """The outcome answer: an estimate as a range. The latest end is a promise."""
    case = lock_case(case)
    ensure_can_work(user, case)
    _ensure_acting(case, "The estimate")
    if case.step == Step.DELIVER:
        raise CaseRuleError("The case has reached delivery; the estimate is settled.")
    if earliest is None or latest is None:
        raise CaseRuleError("Give both ends of the range.", field="eta_latest" if earliest else "eta_earliest")
    if earliest > latest:
        raise CaseRuleError("The earliest estimate must not be later than the latest.", field="eta_earliest")
    if latest <= timezone.now():
        raise CaseRuleError("The latest estimate must be in the future.", field="eta_latest")
    case.eta_earliest, case.eta_latest, case.eta_given_at = earliest, latest, timezone.now()
    case.save(update_fields=["eta_earliest", "eta_latest", "eta_given_at", "updated_at"])
    event_record(case=case, actor=user, verb="estimate given",
                 note=f"Between {timezone.localtime(earliest):%d %b %H:%M} and {timezone.localtime(latest):%d %b %H:%M}"
                      + (f" — {note}" if note else ""),
                 data={"earliest": earliest.isoformat(), "latest": latest.isoformat()})
    promise = pending_promise(case, PromiseKind.ETA)
    if promise and promise.due_at != latest:
        promise_replace(promise=promise, new_due_at=latest, actor=user, note=note or "Estimate revised with the client.")
    elif promise is None:
        promise_open(case=case, kind=PromiseKind.ETA, due_at=latest, owner=case.owner,
                     source=f"Fixed for {case.client.name} by the latest estimate", actor=user)
    refresh_counters(case)
    return case
