"""A supervisor's override withdraws what the case still owed; reopening the case says the override did
not end it after all, so what it withdrew stands again: the items it cancelled are open, their promises
and the estimate's pending again with their deadlines, broken by the sweep when those pass. Otherwise a
close minutes before a deadline and an immediate reopen would wipe out the promises about to break,
and the estimate with them, uncounted (found by review)."""
import pytest

from cases import services
from cases.models import CaseEvent, EscalationReason, ItemStatus, PromiseKind, PromiseStatus
from notifications.sweeps.promises import sweep_broken_promises
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case

pytestmark = pytest.mark.django_db

CLOSE = "The client went elsewhere"
REOPEN = "The client came back the same afternoon"


def _promise(case, kind):
    return case.promises.filter(kind=kind).order_by("-id").first()


def _closed_and_reopened(rep, supervisor, dennis, *, reopen_at):
    case = planned_case(rep, dennis, cadence_minutes=12 * 60)  # item due T0+8h, estimate until T0+10h
    with at(T0 + 7 * HOUR + 55 * MIN):
        case = services.case_force_close(user=supervisor, case=case, reason=CLOSE)
    assert _promise(case, PromiseKind.ACTION_ITEM).status == PromiseStatus.WITHDRAWN
    with at(reopen_at):
        return services.case_reopen(user=rep, case=case, reason=REOPEN)


def test_what_the_override_withdrew_stands_again_with_its_deadlines(rep, supervisor, dennis):
    case = _closed_and_reopened(rep, supervisor, dennis, reopen_at=T0 + 7 * HOUR + 56 * MIN)

    item_promise, eta = _promise(case, PromiseKind.ACTION_ITEM), _promise(case, PromiseKind.ETA)
    assert (item_promise.status, item_promise.due_at) == (PromiseStatus.PENDING, T0 + 8 * HOUR)
    assert (eta.status, eta.due_at) == (PromiseStatus.PENDING, T0 + 10 * HOUR)
    assert item_promise.action_item.status == ItemStatus.OPEN
    assert CaseEvent.objects.filter(case=case, verb="promise restored").count() >= 2


def test_a_restored_promise_breaks_at_its_deadline_and_is_escalated_as_before(rep, supervisor, dennis):
    case = _closed_and_reopened(rep, supervisor, dennis, reopen_at=T0 + 7 * HOUR + 56 * MIN)

    with at(T0 + 8 * HOUR + MIN):
        sweep_broken_promises(T0 + 8 * HOUR + MIN)

    item_promise = _promise(case, PromiseKind.ACTION_ITEM)
    assert item_promise.status == PromiseStatus.BROKEN and item_promise.owner == rep
    assert case.escalations.filter(reason=EscalationReason.BROKEN_PROMISE, promise=item_promise).exists()


def test_a_deadline_that_passed_while_closed_is_broken_once_reopened(rep, supervisor, dennis):
    case = _closed_and_reopened(rep, supervisor, dennis, reopen_at=T0 + 9 * HOUR)

    with at(T0 + 9 * HOUR + MIN):
        sweep_broken_promises(T0 + 9 * HOUR + MIN)

    assert _promise(case, PromiseKind.ACTION_ITEM).status == PromiseStatus.BROKEN
    assert _promise(case, PromiseKind.ETA).status == PromiseStatus.PENDING  # its deadline is still ahead
