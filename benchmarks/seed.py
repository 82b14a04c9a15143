"""Bulk rows for measuring the sweeps (benchmarks/run.py and tests/notifications/test_query_counts.py).
Rows are written with bulk_create, not through the services: what matters here is how many rows of
each kind exist and where their due times fall, not how they got there.

- `seed_not_due(n)`: n open cases that sit in the sweeps' partial indexes (pending promises, open
  items, cases in steps 1-5, outbox rows) with nothing due for weeks: the "open cases" a sweep must
  not pay for.
- `seed_due(k)`: k rows due for every sweep (an update to remind about, a promise to break, an item
  to remind about, an overdue item, a follow-up day, a stalled step, an email to send), on cases in
  the steps where the workflow (cases.workflow) lets each sweep act: k cases in `plan` carry all
  but the follow-up, which is on k resolved cases."""
import datetime as dt
import itertools

from cases.models import ActionItem, Case, ItemStatus, Promise, PromiseKind, Step
from notifications.models import OutboxMessage, OutboxStatus

_counter = itertools.count(1)


def _cases(n, *, now, owner, client, step, entered):
    tag = next(_counter)
    cases = Case.objects.bulk_create(
        [Case(client=client, owner=owner, summary="Bulk case", temperature="anxious", intake_temperature="anxious",
              step=step, step_entered_at=entered, stall_clock_from=entered, opened_at=entered, cadence_minutes=60,
              cadence_channel="phone", reference=f"B{tag}-{i:06d}")
         for i in range(n)], batch_size=1000)
    return cases


def seed_not_due(n, *, now, owner, client, far=dt.timedelta(days=30)):
    """n open cases, half in `gather` and half in `manage_anxiety`, none due for `far`."""
    gather = _cases(n // 2, now=now, owner=owner, client=client, step=Step.GATHER, entered=now)
    acting = _cases(n - n // 2, now=now, owner=owner, client=client, step=Step.MANAGE_ANXIETY, entered=now)
    cases = gather + acting
    items = ActionItem.objects.bulk_create(
        [ActionItem(case=c, description="Bulk item", assignee=owner, due_at=now + far, status=ItemStatus.OPEN,
                    created_by=owner, created_at=now) for c in acting], batch_size=1000)
    promises = []
    for c in acting:
        for kind in (PromiseKind.STATUS_UPDATE, PromiseKind.ETA, PromiseKind.FOLLOW_UP):
            promises.append(Promise(case=c, kind=kind, due_at=now + far, owner=owner, source="Bulk", created_at=now))
    for item in items:
        promises.append(Promise(case=item.case, kind=PromiseKind.ACTION_ITEM, action_item=item, due_at=now + far,
                                owner=owner, source="Bulk item", created_at=now))
    Promise.objects.bulk_create(promises, batch_size=1000)
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(key=f"bulk-sent:{c.pk}", kind="bulk", to=[owner.email], subject="s", body_text="t",
                       status=OutboxStatus.SENT, attempts=1, next_attempt_at=now - far, sent_at=now, created_at=now)
         for c in cases], batch_size=1000)
    return cases


def seed_due(k, *, now, owner, client):
    """Exactly k rows due for every sweep at `now` (a weekday, 09:00-17:00 UTC, client in UTC, so the
    follow-up day has started): k cases in `plan` (stalled, with items and update and ETA promises)
    and k resolved cases with a follow-up promise."""
    cases = _cases(k, now=now, owner=owner, client=client, step=Step.PLAN, entered=now - dt.timedelta(days=2))
    resolved = _cases(k, now=now, owner=owner, client=client, step=Step.RESOLVED, entered=now - dt.timedelta(days=7))
    items = ActionItem.objects.bulk_create(
        [ActionItem(case=c, description=desc, assignee=owner, due_at=now + offset, created_by=owner,
                    created_at=now - dt.timedelta(hours=2))
         for c in cases for desc, offset in (("Remind me", dt.timedelta(minutes=30)),
                                             ("Overdue", -dt.timedelta(minutes=1)))], batch_size=1000)
    assert len(items) == 2 * k
    end_of_day = now.replace(hour=17, minute=0, second=0, microsecond=0)
    promises = []
    for c in cases:
        promises += [
            Promise(case=c, kind=PromiseKind.STATUS_UPDATE, due_at=now + dt.timedelta(minutes=10), owner=owner,
                    source="Update the client", created_at=now - dt.timedelta(minutes=50)),
            Promise(case=c, kind=PromiseKind.ETA, due_at=now - dt.timedelta(minutes=1), owner=owner,
                    source="Fixed by the latest estimate", created_at=now - dt.timedelta(hours=5)),
        ]
    promises += [Promise(case=c, kind=PromiseKind.FOLLOW_UP, due_at=end_of_day, owner=owner,
                         source="Follow-up call", created_at=now - dt.timedelta(days=7)) for c in resolved]
    Promise.objects.bulk_create(promises, batch_size=1000)
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(key=f"bulk-due:{c.pk}", kind="bulk", to=[owner.email], subject="Bulk", body_text="Bulk",
                       next_attempt_at=now - dt.timedelta(seconds=1), created_at=now) for c in cases])
    return cases
