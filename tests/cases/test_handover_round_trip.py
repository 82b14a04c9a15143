"""Work that goes back, inside the handover cutoff, to the one it was taken from inside the cutoff takes its
promises back with it (services.promises.taken_back, Promise.taken_from). Found by an audit: a supervisor
reassigned a rep's case to themselves two minutes before an update fell due (whoever takes work on
themselves takes every promise still ahead) and gave it back a minute later (given by someone else, a
promise inside the cutoff stays with the giver); the rep worked the case and missed the update, and the
break, its escalation and the late estimate were counted for the supervisor. The same with an item."""
import datetime as dt

import pytest

from cases import services
from cases.models import Escalation, EscalationReason, PromiseKind, PromiseStatus
from tests.cases.metrics_support import T0, at, board, case_in_plan, planned_and_agreed, reach_deliver, row

pytestmark = pytest.mark.django_db
MIN, H = dt.timedelta(minutes=1), dt.timedelta(hours=1)
WHY = "Covering the client call while the rep is on another line"


def reassign(supervisor, case, to_user):
    case.refresh_from_db()
    services.case_reassign(user=supervisor, case=case, to_user=to_user, reason=WHY, client_informed=True,
                           owner_shown=case.owner_id)


def round_trip(supervisor, case, rep, *, due, taken_before):
    with at(due - taken_before):
        reassign(supervisor, case, supervisor)
    with at(due - MIN):
        reassign(supervisor, case, rep)


def test_an_update_taken_and_given_back_inside_the_cutoff_breaks_on_the_rep(rep, supervisor, dennis):
    case = planned_and_agreed(rep, dennis, T0)
    update = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    round_trip(supervisor, case, rep, due=update.due_at, taken_before=2 * MIN)
    with at(update.due_at + MIN):
        services.promise_break(promise=update)

    update.refresh_from_db()
    escalation = Escalation.objects.get(case=case, reason=EscalationReason.BROKEN_PROMISE)
    assert (update.status, update.owner, escalation.case_owner) == (PromiseStatus.BROKEN, rep, rep)
    assert row(board(), rep).broken == 1


def test_an_estimate_taken_and_given_back_inside_the_cutoff_is_the_reps_late_arrival(rep, supervisor, dennis):
    case = planned_and_agreed(rep, dennis, T0)  # latest estimate T0 + 5h
    eta = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
    round_trip(supervisor, case, rep, due=eta.due_at, taken_before=2 * MIN)
    case.refresh_from_db()
    reach_deliver(case, rep, T0 + 9 * H)

    eta.refresh_from_db()
    assert (eta.status, eta.owner) == (PromiseStatus.BROKEN, rep)
    assert row(board(), rep).eta_late == 1


def test_an_item_given_to_the_supervisor_and_back_inside_the_cutoff_breaks_on_the_rep(rep, supervisor, dennis):
    case = case_in_plan(rep, dennis, T0)
    item = case.action_items.get()

    def give(to):
        item.refresh_from_db()
        services.action_item_update(user=supervisor, item=item, description=item.description, kind=item.kind,
                                    assignee=to, due_at=item.due_at)

    with at(item.due_at - 2 * MIN):
        give(supervisor)
    with at(item.due_at - MIN):
        give(rep)
    with at(item.due_at + 2 * MIN):
        item.refresh_from_db()
        services.action_item_complete(user=rep, item=item)

    promise = case.promises.get(kind=PromiseKind.ACTION_ITEM)
    assert (promise.status, promise.owner) == (PromiseStatus.BROKEN, rep)


def test_a_case_taken_with_time_to_spare_and_given_back_inside_the_cutoff_stays_on_the_taker(rep, supervisor,
                                                                                             dennis):
    """Taken with more than the cutoff to run, the promise was the supervisor's to keep: handing the case back
    a minute before it breaks does not put the break on the rep (the cutoff's own rule)."""
    case = planned_and_agreed(rep, dennis, T0)
    eta = case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)  # due T0 + 5h
    round_trip(supervisor, case, rep, due=eta.due_at, taken_before=61 * MIN)

    eta.refresh_from_db()
    assert eta.owner == supervisor


def test_a_case_taken_inside_the_cutoff_and_given_to_someone_else_stays_on_the_taker(rep, other_rep, supervisor,
                                                                                    dennis):
    case = planned_and_agreed(rep, dennis, T0)
    update = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    with at(update.due_at - 2 * MIN):
        reassign(supervisor, case, supervisor)
    with at(update.due_at - MIN):
        reassign(supervisor, case, other_rep)

    update.refresh_from_db()
    assert update.owner == supervisor  # not handed to a teammate's figures a minute before it breaks
