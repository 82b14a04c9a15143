"""The promise ledger: every promise is opened, settled, broken or renegotiated here, and only here.
Kept late is broken (the late fulfilment is still recorded in kept_at)."""
from django.db import transaction
from django.utils import timezone

from ..errors import CaseRuleError
from ..models import EscalationReason, Promise, PromiseKind, PromiseStatus
from ..schedule import follow_up_due, next_allowed_for_client
from .common import display_name, ensure_can_work, event_record, lock_case, refresh_counters


def promise_open(*, case, kind, due_at, owner, source, action_item=None, replaces=None, actor=None):
    if due_at is None:
        raise CaseRuleError("A promise needs a deadline.", field="due_at")
    promise = Promise.objects.create(case=case, kind=kind, due_at=due_at, owner=owner, source=source,
                                     action_item=action_item, replaces=replaces)
    event_record(case=case, actor=actor, verb="promise made", note=source,
                 data={"promise": promise.pk, "kind": kind, "due_at": due_at.isoformat()})
    return promise


def promise_fulfil(*, promise, at, actor=None):
    """Record that what was promised happened at `at`: kept if on time, otherwise broken (and if the
    sweep had already marked it broken, the late fulfilment is added to it)."""
    if promise.status == PromiseStatus.PENDING:
        promise.kept_at = at
        promise.closed_at = at
        if at <= promise.due_at:
            promise.status = PromiseStatus.KEPT
        else:
            promise.status = PromiseStatus.BROKEN
            promise.broken_at = promise.due_at
        promise.save(update_fields=["status", "kept_at", "closed_at", "broken_at"])
        verb = "promise kept" if promise.status == PromiseStatus.KEPT else "promise kept late (broken)"
        event_record(case=promise.case, actor=actor, verb=verb, note=promise.source, data={"promise": promise.pk})
    elif promise.status == PromiseStatus.BROKEN and promise.kept_at is None:
        promise.kept_at = at
        promise.save(update_fields=["kept_at"])
        event_record(case=promise.case, actor=actor, verb="broken promise fulfilled late", note=promise.source,
                     data={"promise": promise.pk})
    return promise


def promise_close_unneeded(*, promise, actor, note):
    """A promise that no longer applies (its action item was cancelled): closed as renegotiated,
    with no replacement, so it counts neither as kept nor as broken."""
    if promise.status != PromiseStatus.PENDING:
        return promise
    promise.status = PromiseStatus.RENEGOTIATED
    promise.closed_at = timezone.now()
    promise.save(update_fields=["status", "closed_at"])
    event_record(case=promise.case, actor=actor, verb="promise withdrawn", note=note, data={"promise": promise.pk})
    return promise


def promise_replace(*, promise, new_due_at, actor, note, owner=None):
    """Close `promise` as renegotiated and open its successor with the new deadline."""
    promise.status = PromiseStatus.RENEGOTIATED
    promise.closed_at = timezone.now()
    promise.save(update_fields=["status", "closed_at"])
    event_record(case=promise.case, actor=actor, verb="promise renegotiated", note=note,
                 data={"promise": promise.pk, "old_due_at": promise.due_at.isoformat(),
                       "new_due_at": new_due_at.isoformat()})
    return promise_open(case=promise.case, kind=promise.kind, due_at=new_due_at, owner=owner or promise.owner,
                        source=promise.source, action_item=promise.action_item, replaces=promise, actor=actor)


def pending_promise(case, kind, *, action_item=None):
    qs = case.promises.filter(status=PromiseStatus.PENDING, kind=kind)
    if action_item is not None:
        qs = qs.filter(action_item=action_item)
    return qs.first()


@transaction.atomic
def promise_renegotiate(*, user, promise, new_due_at, note):
    """The client agreed a new deadline: the old promise closes as renegotiated, a new one opens, and
    the thing promised (item due time, ETA, follow-up date) moves with it."""
    case = lock_case(promise.case)
    ensure_can_work(user, case)
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != PromiseStatus.PENDING:
        raise CaseRuleError("Only a pending promise can be renegotiated.")
    if not (note or "").strip():
        raise CaseRuleError("Say what the client agreed to.", field="note")
    if new_due_at is None or new_due_at <= timezone.now():
        raise CaseRuleError("The new deadline must be in the future.", field="new_due_at")
    new_due_at = next_allowed_for_client(new_due_at, case.client,
                                         business_hours_only=promise.kind == PromiseKind.STATUS_UPDATE
                                         and case.cadence_business_hours_only)
    new = promise_replace(promise=promise, new_due_at=new_due_at, actor=user, note=note.strip())
    if promise.kind == PromiseKind.ACTION_ITEM and promise.action_item:
        promise.action_item.due_at = new_due_at
        promise.action_item.reminded_at = None
        promise.action_item.overdue_notified_at = None
        promise.action_item.save(update_fields=["due_at", "reminded_at", "overdue_notified_at"])
    elif promise.kind == PromiseKind.ETA:
        case.eta_latest = new_due_at
        if case.eta_earliest and case.eta_earliest > new_due_at:
            case.eta_earliest = new_due_at
        case.save(update_fields=["eta_earliest", "eta_latest", "updated_at"])
    refresh_counters(case)
    return new


def status_update_due(case, start):
    return next_allowed_for_client(start + timezone.timedelta(minutes=case.cadence_minutes), case.client,
                                   business_hours_only=case.cadence_business_hours_only)


def open_next_status_update(*, case, start, actor):
    return promise_open(
        case=case, kind=PromiseKind.STATUS_UPDATE, due_at=status_update_due(case, start), owner=case.owner,
        source=f"Update {case.client.name} by {case.get_cadence_channel_display().lower()}", actor=actor,
    )


def open_follow_up(*, case, day, actor):
    return promise_open(case=case, kind=PromiseKind.FOLLOW_UP, due_at=follow_up_due(day, case.client),
                        owner=case.owner, source=f"Follow-up call to {case.client.name} on {day:%d %b %Y}",
                        actor=actor)


@transaction.atomic
def promise_break(*, promise, now=None):
    """Called by the broken-promise sweep, each promise in its own transaction (the sweep may wrap it
    to queue emails atomically). Locks the case, then the promise, and re-checks under the lock, so
    two sweeps at once produce one effect. Returns (promise, escalation) when this call broke it, or
    None when it was not (or no longer) pending and due. The escalation is None if one was already
    open for this promise."""
    from .escalations import escalation_raise_system

    now = now or timezone.now()
    case = lock_case(Promise.objects.only("case_id").get(pk=promise.pk).case)
    promise = Promise.objects.select_for_update().select_related("owner").get(pk=promise.pk)
    if promise.status != PromiseStatus.PENDING or promise.due_at > now:
        return None
    promise.status = PromiseStatus.BROKEN
    promise.broken_at = now
    promise.closed_at = now
    promise.save(update_fields=["status", "broken_at", "closed_at"])
    event_record(case=case, actor=None, verb="promise broken",
                 note=f"{promise.source} (owner {display_name(promise.owner)})",
                 data={"promise": promise.pk, "due_at": promise.due_at.isoformat()})
    escalation = escalation_raise_system(case=case, reason=EscalationReason.BROKEN_PROMISE,
                                         note=f"Broken promise: {promise.source}", promise=promise)
    if escalation is None:  # escalation_raise_system refreshed them when it opened one
        refresh_counters(case)
    return promise, escalation
