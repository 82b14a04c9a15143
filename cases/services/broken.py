"""Broken promises, one at a time or a sweep's batch at once: the one way a pending promise becomes
broken (RECIPE "Promises"; "What the system does on its own", 2), whoever notices first: the
broken-promise sweep (`promises_break_due`, a batch) or a rep's change after the deadline
(`promises.settle_if_overdue`, which calls `break_promises` with one promise). Both run the same
code, so a promise broken by either is recorded, escalated and told exactly alike.

`break_promises` does its work in a fixed number of statements whatever the number of promises: one
UPDATE of the promises, one read of the escalations already open, one INSERT of the new ones, one INSERT
of the timeline entries, one UPDATE of the cases' ledger counters (and one read of them back), for
broken status updates a read and an INSERT of their next beats, for items given out a read of the
handoffs near their deadlines, and the notices through `notify_many` (the readers' zones, the
supervisors, the outbox)."""
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..formatting import case_context, person, user_tzs, when
from ..models import (
    ActionItem, Case, CaseEvent, Escalation, EscalationReason, EscalationStatus, Handoff, HandoffStatus, Promise,
    PromiseKind, PromiseStatus,
)
from ..notices import notify_many
from ..selectors import supervisor_emails_for_many
from ..workflow import live_promise_q, policy
from .common import SYSTEM_BROKEN, display_name


def promises_break_due(rows, now):
    """The broken-promise sweep's batch: `rows` are (promise pk, case pk) candidates in due order.
    Locks the cases nobody holds (SKIP LOCKED: a rep or another worker holding one leaves its
    promises to the next run), then their promises, re-read under the lock as pending, due and live
    in the case's step (cases.workflow), and breaks those. Returns how many it broke. Two sweeps at
    once, or this and a rep's change, break each promise once."""
    with transaction.atomic(savepoint=False):
        cases = {c.pk: c for c in Case.objects.select_for_update(skip_locked=True, of=("self",))
                 .select_related("client", "owner").filter(pk__in={case_id for _, case_id in rows}).order_by("pk")}
        promises = list(
            Promise.objects.select_for_update(of=("self",)).select_related("owner")
            .filter(live_promise_q(), status=PromiseStatus.PENDING, due_at__lte=now,
                    pk__in=[pk for pk, case_id in rows if case_id in cases])
            .order_by("due_at", "id"))
        for promise in promises:
            promise.case = cases[promise.case_id]
        break_promises([(promise.case, promise) for promise in promises], now=now)
        return len(promises)


def break_promises(pairs, *, now, next_beats=True):
    """Break each (case, promise) of `pairs`, in order: the caller holds every case's lock and has
    re-read each promise as pending and due. Each is marked broken at `now`, gets a system
    escalation (broken promise) unless one is open for it, two timeline entries, and its notices
    (`broken_promise_notices`); the cases' ledger counters are refreshed. A broken status update's next
    beat opens after it (`_next_beats`), unless `next_beats` is False (promises.promise_move opens the
    successor itself). The in-memory promises and cases are updated too. Returns {promise pk: the
    escalation opened, or None if one was open}."""
    if not pairs:
        return {}
    stamp = timezone.now()
    ids = [promise.pk for _, promise in pairs]
    Promise.objects.filter(pk__in=ids).update(status=PromiseStatus.BROKEN, broken_at=now, closed_at=now)
    for _, promise in pairs:
        promise.status, promise.broken_at, promise.closed_at = PromiseStatus.BROKEN, now, now
    escalations = _escalate(pairs, stamp)
    beats = _next_beats(pairs, stamp) if next_beats else {}
    events = []
    for case, promise in pairs:
        events.append(CaseEvent.of(case, actor=None, verb="promise broken", created_at=stamp,
                                   note=f"{promise.source} (owner {display_name(promise.owner)})",
                                   data={"promise": promise.pk, "due_at": promise.due_at.isoformat()}))
        escalation = escalations[promise.pk]
        if escalation is not None:
            events.append(CaseEvent.of(case, actor=None, verb="escalated by the system", note=escalation.note,
                                       data={"escalation": escalation.pk}, created_at=stamp))
        beat = beats.get(promise.pk)
        if beat is not None:
            events.append(CaseEvent.of(case, actor=None, verb="promise made", note=beat.source, created_at=stamp,
                                       data={"promise": beat.pk, "kind": beat.kind, "due_at": beat.due_at.isoformat(),
                                             "after_missed": True}))
    CaseEvent.objects.bulk_create(events)
    _refresh_ledger_counters([case for case, _ in pairs], stamp)
    notify_many(broken_promise_notices(pairs, escalations, now), system=True)
    return escalations


def _next_beats(pairs, stamp):
    """After a missed update the rhythm goes on: for each status update broken here whose case runs its
    cadence (and has no other update pending), the next one opens a beat after the missed one's deadline
    (status_update_due, outside the client's quiet hours), marked `after_missed`. Silence then costs a
    broken promise each beat, not one for the whole silence. Two statements for the batch. Returns
    {broken promise pk: the beat opened after it}."""
    from .promises import next_beat_due, status_update_source  # promises imports this module

    missed = {case.pk: (case, promise) for case, promise in pairs
              if promise.kind == PromiseKind.STATUS_UPDATE and case.cadence_minutes
              and policy(case.step).cadence_runs}
    if not missed:
        return {}
    waiting = set(Promise.objects.filter(case_id__in=list(missed), kind=PromiseKind.STATUS_UPDATE,
                                         status=PromiseStatus.PENDING).values_list("case_id", flat=True))
    beats = {promise.pk: Promise(case=case, kind=PromiseKind.STATUS_UPDATE,
                                 due_at=next_beat_due(case, promise.due_at, stamp), owner_id=case.owner_id,
                                 source=status_update_source(case)[:300], after_missed=True, created_at=stamp)
             for case_id, (case, promise) in missed.items() if case_id not in waiting}
    Promise.objects.bulk_create(list(beats.values()))
    return beats


def _accountable(case, promise, items, handed):
    """Whom a broken promise's escalation counts for (the team page counts an escalation for the owner
    it names): the rep who held the promise, as the keeping rate does; a promise left near its deadline
    with the owner who handed the case on (promises.handover_cutoff) is theirs, not the new owner's, and
    so is an item they gave themselves. An item someone gave a teammate stays on the case owner, who is
    accountable for the items given out: the owner who held the case HANDOVER_MIN_MINUTES before its
    deadline, not one the case was handed to as it was about to break (`handed`: _handed_near)."""
    item = items.get(promise.action_item_id) if promise.action_item_id else None
    # Given out by someone else, whoever works it now: an item the owner moved from one teammate to another
    # near its deadline stays the owner's to answer for (found by a review: it fell to the first teammate).
    if item is not None and item.created_by_id != promise.owner_id:
        return _owner_before_handover(case, promise, handed)
    return promise.owner_id or case.owner_id


def _handed_near(pairs):
    """The accepted handoffs (and reassignments) of these cases since the earliest handover cutoff before
    their promises' deadlines, oldest first: {case pk: [(accepted_at, from_user_id)]}. One statement."""
    window = dt.timedelta(minutes=settings.HANDOVER_MIN_MINUTES)
    since = min(promise.due_at for _, promise in pairs) - window
    handed = {}
    for case_id, at, from_id in (Handoff.objects.filter(case_id__in={case.pk for case, _ in pairs},
                                                        status=HandoffStatus.ACCEPTED, accepted_at__gt=since)
                                 .order_by("accepted_at", "id").values_list("case_id", "accepted_at", "from_user_id")):
        handed.setdefault(case_id, []).append((at, from_id))
    return handed


def _owner_before_handover(case, promise, handed):
    """The case's owner at the handover cutoff before `promise`'s deadline: the one the first handoff
    after that moment took it from, else the owner now."""
    cutoff = promise.due_at - dt.timedelta(minutes=settings.HANDOVER_MIN_MINUTES)
    later = [from_id for at, from_id in handed.get(case.pk, ()) if at > cutoff]
    return later[0] if later else case.owner_id


def _escalate(pairs, stamp):
    """A system escalation (broken promise) for each promise, unless one is already open for it."""
    item_ids = [p.action_item_id for _, p in pairs if p.action_item_id]
    items = ActionItem.objects.only("id", "assignee_id", "created_by_id").in_bulk(item_ids) if item_ids else {}
    handed = _handed_near([(c, p) for c, p in pairs if p.action_item_id]) if item_ids else {}
    # A beat missed in a silence (after_missed) adds no escalation while one stands open for the same
    # silence: on an update of the case nobody has answered yet, counted for the same rep.
    open_rows = (Escalation.objects.exclude(status=EscalationStatus.RESOLVED)
                 .filter(Q(promise_id__in=[p.pk for _, p in pairs])
                         | Q(case_id__in={case.pk for case, p in pairs if p.after_missed},
                             promise__kind=PromiseKind.STATUS_UPDATE, promise__kept_at__isnull=True),
                         reason=EscalationReason.BROKEN_PROMISE)
                 .values_list("promise_id", "case_id", "promise__kind", "case_owner_id"))
    open_for, silent = set(), set()  # promises escalated; (case, rep) with a silence escalated and open
    for promise_id, case_id, kind, owner_id in open_rows:
        open_for.add(promise_id)
        if kind == PromiseKind.STATUS_UPDATE:
            silent.add((case_id, owner_id))
    new = []
    for case, promise in pairs:
        owner_id = _accountable(case, promise, items, handed)
        if promise.pk in open_for or (promise.after_missed and (case.pk, owner_id) in silent):
            continue  # one open escalation stands for a run of missed updates, however long the silence
        new.append(Escalation(case=case, reason=EscalationReason.BROKEN_PROMISE,
                              note=f"Broken promise: {promise.source}", raised_by_system=True, promise=promise,
                              case_owner_id=owner_id, created_at=stamp))
        if promise.kind == PromiseKind.STATUS_UPDATE:
            silent.add((case.pk, owner_id))
    Escalation.objects.bulk_create(new)
    opened = {e.promise_id: e for e in new}
    return {promise.pk: opened.get(promise.pk) for _, promise in pairs}


def _refresh_ledger_counters(cases, stamp):
    """The counters a broken promise changes, recomputed from the rows as refresh_counters
    (services/common.py) computes them: open escalations with the queue's keys, and the next pending
    deadline. One UPDATE for all the cases, one read back into the callers' instances."""
    ids = sorted({case.pk for case in cases})
    active = Escalation.objects.filter(case=OuterRef("pk")).exclude(status=EscalationStatus.RESOLVED).order_by()
    per_case = active.values("case")
    next_due = (Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING)
                .order_by().values("case").annotate(m=Min("due_at")).values("m"))
    fields = ("open_escalation_count", "queue_since", "queue_broken", "next_promise_due_at")
    Case.objects.filter(pk__in=ids).update(
        open_escalation_count=Coalesce(Subquery(per_case.annotate(n=Count("id")).values("n")), Value(0)),
        queue_since=Subquery(per_case.annotate(m=Min("created_at")).values("m")),
        queue_broken=Exists(active.filter(SYSTEM_BROKEN)),
        next_promise_due_at=Subquery(next_due), updated_at=stamp)
    fresh = {pk: rest for pk, *rest in Case.objects.filter(pk__in=ids).values_list("pk", *fields)}
    for case in cases:
        for field, value in zip(fields, fresh[case.pk]):
            setattr(case, field, value)
        case.updated_at = stamp


# --- Who hears what ------------------------------------------------------------------------------
def broken_promise_notices(pairs, escalations, now):
    """The notices for broken promises, in order: the promise's owner (and the case's owner now, when the
    case was handed on with the promise left on the previous owner's count), and the case owner's
    supervisor(s). For an action-item promise the assignee and the case owner hear it from the
    overdue-item notice (queued here if the overdue sweep has not queued it yet: a rep's change after
    the deadline may have broken the promise first; the key makes it once), the supervisors from
    this one. Reads the items, the readers' zones and the supervisors once for all the pairs."""
    item_ids = [p.action_item_id for _, p in pairs if p.kind == PromiseKind.ACTION_ITEM and p.action_item_id]
    items = ActionItem.objects.select_related("assignee").in_bulk(item_ids) if item_ids else {}
    readers = {p.owner for _, p in pairs} | {item.assignee for item in items.values() if item.assignee}
    readers |= {case.owner for case, _ in pairs}
    zones = user_tzs(list(readers))
    bosses = supervisor_emails_for_many(list({case.owner for case, _ in pairs}))
    contexts, notices, overdue_marked = {}, [], []
    for case, promise in pairs:
        owner = promise.owner
        if case.pk not in contexts:
            contexts[case.pk] = {**case_context(case), "case_owner": person(case.owner)}
        # Broken by the close itself (resolved or closed by override: cases.services.transitions): a kind not
        # live in the closed step (only the follow-up is) breaks only then. The close resolves the escalation
        # and cancels the item at once, so nobody is sent to chase either.
        step = policy(case.step)
        closing = step.closed and promise.kind not in step.live_promises
        base = {**contexts[case.pk], "promise": promise.source, "kind": promise.get_kind_display(),
                "is_update": promise.kind == PromiseKind.STATUS_UPDATE, "owner": person(owner),
                "escalated": escalations[promise.pk] is not None, "closing": closing}
        if promise.kind == PromiseKind.ACTION_ITEM and promise.action_item_id and not closing:
            item = items[promise.action_item_id]
            if item.due_at == promise.due_at:
                overdue_marked.append(item.pk)
            notices += item_overdue_notices(case, item, now, due_at=promise.due_at, zones=zones)
            told = {owner.email}
        else:
            owners = _broken_promise_owner_notices(case, promise, base, now, zones)
            notices += owners
            told = {address for notice in owners for address in notice["to"]}
        notices.append(dict(
            key=f"promise-broken:{promise.pk}:supervisors", kind="promise_broken_supervisor", case=case,
            to=[e for e in bosses[case.owner_id] if e and e not in told],
            context={**base, "due": when(promise.due_at, client=case.client, reader=None, now=now)}))
    if overdue_marked:
        ActionItem.objects.filter(pk__in=overdue_marked).update(overdue_notified_at=now)
    return notices


def _broken_promise_owner_notices(case, promise, base, now, zones):
    """The broken-promise notice to whoever held the promise (it counts for them), and, when the case has
    another owner now (handed on too close to the deadline for the promise to pass: promises.handover_cutoff),
    to that owner too, who makes the late call. Found by an audit: only the previous owner, a watcher now,
    was told, and the supervisors read that "the owner" had been. A promise the close itself broke tells the
    holder only: there is nothing left to chase."""
    holder, owner = promise.owner, case.owner
    handed_on = owner.pk != holder.pk and not base["closing"]
    readers = [(holder, "owner")] + ([(owner, "case-owner")] if handed_on else [])
    return [dict(key=f"promise-broken:{promise.pk}:{role}", kind="promise_broken", case=case, to=[reader.email],
                 context={**base, "handed_on": handed_on, "to_holder": reader.pk == holder.pk,
                          "calls": not base["closing"] and reader.pk == owner.pk,
                          "due": when(promise.due_at, client=case.client, reader=reader, now=now,
                                      reader_tz=zones[reader.pk])})
            for reader, role in readers]


def item_context(case, item, reader, now, due_at=None, zones=None):
    due_at = due_at or item.due_at
    return {**case_context(case), "item": item.description, "assignee": person(item.assignee),
            "case_owner": person(case.owner),
            "due": when(due_at, client=case.client, reader=reader, now=now,
                        reader_tz=(zones or {}).get(getattr(reader, "pk", None)))}


def item_overdue_notices(case, item, now, *, due_at, zones=None):
    """The overdue notice for the deadline `due_at`: to the assignee, and to the case owner (who stays
    accountable for teammates' items) unless they are the assignee. Once per deadline: the keys
    carry it, so a moved item's new deadline gets its own notice."""
    stamp = int(due_at.timestamp())
    assignee, owner = item.assignee, case.owner
    notices = []
    if assignee is not None:
        notices.append(dict(key=f"item-overdue:{item.pk}:{stamp}:assignee", kind="item_overdue", case=case,
                            to=[assignee.email], context=item_context(case, item, assignee, now, due_at, zones)))
    if assignee is None or assignee.pk != owner.pk:
        notices.append(dict(key=f"item-overdue:{item.pk}:{stamp}:owner", kind="item_overdue_owner", case=case,
                            to=[owner.email], context=item_context(case, item, owner, now, due_at, zones)))
    return notices
