"""A supervisor's move of a rep's promise counts in the rep's renegotiated share, the share of the rate it
keeps (services.promises.move_counted_for). Found by an audit: a supervisor moving a rep's item or estimate
two minutes before it broke, or cancelling the item with the client's agreement, left the rep's row at
100% kept and 0% renegotiated, the move on a supervisor's row with nothing else on it. A move by whoever
answers for the work (the case's owner, the holder) stays theirs: test_renegotiated_counted_for_mover.py."""
import datetime as dt

import pytest

from cases import services
from cases.models import Channel, PromiseKind, PromiseStatus
from tests.cases.metrics_support import T0, at, board, case_in_plan, planned_and_agreed, reach_deliver, row

pytestmark = pytest.mark.django_db
MIN, H = dt.timedelta(minutes=1), dt.timedelta(hours=1)
AGREED = {"agreed_channel": Channel.PHONE, "agreed_text": "The client said tomorrow morning is fine by them"}


def rows(rep, supervisor):
    dashboard = board()
    boss = next((r.measures for r in dashboard.reps if r.user == supervisor), None)
    return row(dashboard, rep), boss


def moved_item(rep, supervisor, dennis):
    case = case_in_plan(rep, dennis, T0)  # the rep's item, due at T0 + 3h
    item, promise = case.action_items.get(), case.promises.get(kind=PromiseKind.ACTION_ITEM)
    with at(T0 + 3 * H - 2 * MIN):
        services.promise_renegotiate(user=supervisor, promise=promise, new_due_at=T0 + 24 * H, **AGREED)
    with at(T0 + 5 * H):
        item.refresh_from_db()
        services.action_item_complete(user=rep, item=item)
    return case


def moved_estimate(rep, supervisor, dennis):
    case = planned_and_agreed(rep, dennis, T0)  # estimate: between T0 + 1h and T0 + 5h
    eta = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
    with at(T0 + 5 * H - 2 * MIN):
        services.promise_renegotiate(user=supervisor, promise=eta, new_due_at=T0 + 20 * H, **AGREED)
    case.refresh_from_db()
    reach_deliver(case, rep, T0 + 8 * H)
    return case


def cancelled_item(rep, supervisor, dennis):
    case = case_in_plan(rep, dennis, T0)
    with at(T0 + 3 * H - 2 * MIN):
        services.action_item_cancel(user=supervisor, item=case.action_items.get(),
                                    reason="The client no longer needs the mail restored", **AGREED)
    return case


@pytest.mark.parametrize("move", [moved_item, moved_estimate, cancelled_item])
def test_a_supervisors_move_of_a_reps_promise_counts_in_the_reps_renegotiated_share(move, rep, supervisor, dennis):
    case = move(rep, supervisor, dennis)

    mine, boss = rows(rep, supervisor)

    moved = case.promises.get(status=PromiseStatus.RENEGOTIATED)
    assert (moved.owner, moved.moved_by) == (rep, rep)
    assert mine.renegotiated == 1
    assert boss is None or boss.renegotiated == 0


def test_a_supervisor_who_owns_the_case_has_their_own_move_on_their_share(rep, supervisor, dennis):
    case = case_in_plan(rep, dennis, T0)
    with at(T0 + 10 * MIN):
        services.case_reassign(user=supervisor, case=case, to_user=supervisor, client_informed=True,
                               reason="Taking this one over myself for the client")
    item_promise = case.promises.get(kind=PromiseKind.ACTION_ITEM, status=PromiseStatus.PENDING)
    with at(T0 + 20 * MIN):
        services.promise_renegotiate(user=supervisor, promise=item_promise, new_due_at=T0 + 24 * H, **AGREED)

    moved = case.promises.get(status=PromiseStatus.RENEGOTIATED)
    assert (moved.owner, moved.moved_by) == (rep, supervisor)  # the case's owner answers for its items too
