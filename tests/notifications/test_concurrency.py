"""Two workers running the same sweep at the same moment, each on its own database connection
(two threads, released together): every due row is acted on exactly once between them."""
import datetime as dt
import threading

import pytest
from django.db import connection

from cases.models import CaseEvent, Escalation, Step
from notifications import sweeps
from notifications.models import OutboxMessage, OutboxStatus
from notifications.outbox import outbox_enqueue
from tests.cases.helpers import advance_to, open_case
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case

CASES = 4


def race(fn, now, workers=2):
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(fn(now))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    with at(now):
        threads = [threading.Thread(target=run) for _ in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors
    return results


def _planned(rep, dennis, teammate, **kw):
    return [planned_case(rep, dennis, assignee=teammate, **kw) for _ in range(CASES)]


def _outbox_kinds():
    """What the sweeps queued (the setup's "item assigned" emails left out)."""
    return sorted(OutboxMessage.objects.exclude(kind="item_assigned").values_list("kind", flat=True))


@pytest.mark.django_db(transaction=True)
def test_two_workers_remind_each_update_once(rep, teammate, dennis):
    _planned(rep, dennis, teammate)

    results = race(sweeps.sweep_update_reminders, T0 + 46 * MIN)

    assert sum(results) == CASES
    assert _outbox_kinds() == ["update_reminder"] * CASES


@pytest.mark.django_db(transaction=True)
def test_two_workers_break_each_promise_once(rep, teammate, dennis):
    _planned(rep, dennis, teammate, item_due=20 * HOUR, eta_latest=20 * HOUR)

    results = race(sweeps.sweep_broken_promises, T0 + 61 * MIN)

    assert sum(results) == CASES
    assert Escalation.objects.count() == CASES
    assert CaseEvent.objects.filter(verb="promise broken").count() == CASES
    assert _outbox_kinds() == sorted(["promise_broken", "promise_broken_supervisor"] * CASES)


@pytest.mark.django_db(transaction=True)
def test_two_workers_remind_each_item_once(rep, teammate, dennis):
    _planned(rep, dennis, teammate, item_due=3 * HOUR, cadence_minutes=600)

    results = race(sweeps.sweep_item_reminders, T0 + 2 * HOUR + 30 * MIN)

    assert sum(results) == CASES
    assert _outbox_kinds() == ["item_reminder"] * CASES


@pytest.mark.django_db(transaction=True)
def test_two_workers_notify_each_overdue_item_once(rep, teammate, dennis):
    _planned(rep, dennis, teammate, item_due=3 * HOUR, cadence_minutes=600)

    results = race(sweeps.sweep_overdue_items, T0 + 3 * HOUR + MIN)

    assert sum(results) == CASES
    assert _outbox_kinds() == sorted(["item_overdue", "item_overdue_owner"] * CASES)


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_follow_up_reminder_once(rep, dennis):
    with at(T0):
        for _ in range(CASES):
            advance_to(open_case(rep, dennis), Step.RESOLVED, rep)

    results = race(sweeps.sweep_follow_ups, dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.timezone.utc))

    assert sum(results) == CASES
    assert _outbox_kinds() == ["follow_up_reminder"] * CASES


@pytest.mark.django_db(transaction=True)
def test_two_workers_flag_each_stalled_case_once(rep, dennis):
    with at(T0):
        for _ in range(CASES):
            open_case(rep, dennis)

    results = race(sweeps.sweep_stalled_cases, T0 + 25 * HOUR)

    assert sum(results) == CASES
    assert Escalation.objects.filter(reason="stalled").count() == CASES
    assert _outbox_kinds() == ["case_stalled"] * CASES


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_email_once(smtp_sink):
    smtp_sink.delay = 0.02  # keep both workers busy at the same time
    with at(T0):
        for i in range(10):
            outbox_enqueue(key=f"race:{i}", kind="escalation_raised", to=["sam@example.com"],
                           context={"case_ref": "C-1", "client": "Dennis", "reason": "Other", "note": "n",
                                    "raised_by": "Fran", "case_path": "/cases/C-1/"})

    results = race(sweeps.sweep_outbox, T0)

    assert sum(results) == 10
    assert sorted(smtp_sink.keys) == sorted(f"race:{i}" for i in range(10))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
