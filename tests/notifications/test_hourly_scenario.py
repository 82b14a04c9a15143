"""The issue's timeline, with beat simulated minute by minute (time-machine; nothing sleeps): a case
with an hourly cadence set at 0:00, updates logged, then silence. Every sweep runs every minute,
outbox delivery included, and the emails that leave are counted."""
import pytest
from django.core import mail

from cases.models import CaseEvent, Escalation, PromiseStatus
from tests.notifications.conftest import MIN, T0, log_update, planned_case, run_all


def _minute_by_minute(rep, case, updates, until):
    """Run every sweep each minute from 0:01 to `until`, logging the updates at their minutes."""
    minute = 1
    while T0 + minute * MIN <= until:
        now = T0 + minute * MIN
        if minute in updates:
            log_update(rep, case, now)
        run_all(now)
        minute += 1


def _sent(kind_subject_part, to):
    return [m for m in mail.outbox if kind_subject_part in m.subject and m.to == [to]]


@pytest.mark.django_db
def test_a_late_update_breaks_its_slot_once_and_restarts_the_interval(rep, supervisor, dennis):
    case = planned_case(rep, dennis)  # cadence set at 0:00 -> first update due 1:00

    _minute_by_minute(rep, case, updates={50, 130}, until=T0 + 180 * MIN)

    broken = case.promises.filter(status=PromiseStatus.BROKEN)
    assert [(p.due_at, p.kept_at) for p in broken] == [(T0 + 120 * MIN, T0 + 130 * MIN)]  # late, recorded
    assert case.promises.get(status=PromiseStatus.PENDING, kind="status_update").due_at == T0 + 190 * MIN
    assert Escalation.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, verb="promise broken").count() == 1
    assert len(_sent("was missed", rep.email)) == 1
    assert len(_sent("broke a promise", supervisor.email)) == 1


@pytest.mark.django_db
def test_issue_scenario_updates_at_0_50_and_1_55_then_none_break_exactly_one_promise_at_3_00(
        rep, supervisor, dennis):
    case = planned_case(rep, dennis)

    _minute_by_minute(rep, case, updates={50, 115}, until=T0 + 180 * MIN)

    broken = case.promises.filter(status=PromiseStatus.BROKEN)
    assert [p.due_at for p in broken] == [T0 + 180 * MIN]
    assert Escalation.objects.filter(case=case).count() == 1
    assert len(_sent("was missed", rep.email)) == 1
    assert len(_sent("broke a promise", supervisor.email)) == 1
