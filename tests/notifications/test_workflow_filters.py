"""The sweeps act only where the workflow (cases.workflow) says they may: a promise only in a step
where its kind is live (so never on a closed case but the follow-up), action items only in the
acting steps, stalls only in the steps before acting. Rows outside are neither candidates nor acted
on."""
import pytest

from cases.models import ActionItem, Case, Promise, PromiseKind, PromiseStatus, Step
from cases.services import automation
from notifications.models import OutboxMessage
from notifications.sweeps import (
    sweep_broken_promises, sweep_item_reminders, sweep_overdue_items, sweep_stalled_cases, sweep_update_reminders,
)
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case


def _move(case, step):
    """Put the case in `step` behind the services' back (the FSM field is protected)."""
    Case.objects.filter(pk=case.pk).update(step=step)


@pytest.mark.django_db
def test_a_promise_on_a_closed_case_is_not_broken_unless_it_is_the_follow_up(rep, dennis):
    case = planned_case(rep, dennis)
    _move(case, Step.RESOLVED)
    now = T0 + 61 * MIN

    with at(now):
        candidates = automation.broken_promise_candidates(now, 100)
        done = sweep_broken_promises()

    assert (candidates, done) == ([], 0)
    assert case.promises.filter(status=PromiseStatus.BROKEN).count() == 0
    assert not OutboxMessage.objects.filter(kind__startswith="promise_broken").exists()


@pytest.mark.django_db
def test_a_status_update_is_not_reminded_about_in_a_step_where_it_is_not_live(rep, dennis):
    case = planned_case(rep, dennis)
    _move(case, Step.GATHER)

    with at(T0 + 46 * MIN):
        done = sweep_update_reminders()

    assert done == 0
    assert case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).reminded_at is None


@pytest.mark.django_db
def test_the_broken_promise_service_rechecks_the_step_under_the_lock(rep, dennis):
    case = planned_case(rep, dennis)
    now = T0 + 61 * MIN
    with at(now):
        (row,) = [r for r in automation.broken_promise_candidates(now, 100)
                  if Promise.objects.get(pk=r[0]).kind == PromiseKind.STATUS_UPDATE]
    _move(case, Step.RESOLVED)  # closed between the candidate query and the row's turn

    with at(now):
        acted = automation.promise_break_overdue(row, now)

    assert acted is False
    assert Promise.objects.get(pk=row[0]).status == PromiseStatus.PENDING


@pytest.mark.django_db
def test_items_on_a_case_outside_the_acting_steps_are_left_alone(rep, teammate, dennis):
    case = planned_case(rep, dennis, assignee=teammate, item_due=3 * HOUR, cadence_minutes=600)
    _move(case, Step.DELIVER)

    with at(T0 + 3 * HOUR - 30 * MIN):
        reminded = sweep_item_reminders()
    with at(T0 + 3 * HOUR + MIN):
        overdue = sweep_overdue_items()

    assert (reminded, overdue) == (0, 0)
    item = ActionItem.objects.get(case=case)
    assert item.reminded_at is None and item.overdue_notified_at is None


@pytest.mark.django_db
def test_a_case_past_the_stall_watch_steps_is_not_flagged(rep, dennis):
    case = planned_case(rep, dennis)  # manage_anxiety: acting, not watched
    Case.objects.filter(pk=case.pk).update(step_entered_at=T0 - 48 * HOUR, stall_clock_from=T0 - 48 * HOUR)

    with at(T0 + HOUR):
        done = sweep_stalled_cases()

    assert done == 0
    assert Case.objects.get(pk=case.pk).stalled_flagged_at is None
