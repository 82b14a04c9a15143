"""The team page's follow-up figures say what each case page's ledger says (cases/metrics/outcomes.py): an
unlogged call is missed exactly when its follow-up promise is broken, or pending past its deadline (the end
of the client's business day on the client's date), never by the site's date; and the call counts for the
holder of that promise, so a resolved case reassigned with its call still to make puts a missed call on
the rep who had to make it, while the resolution stays with the rep who resolved it. On the PostgreSQL
statement and on the portable path `make run` takes on SQLite."""
import datetime as dt

import pytest

from cases import metrics, services
from cases.metrics.window import site_date
from cases.models import PromiseKind, PromiseStatus, Step
from notifications.sweeps import sweep_broken_promises
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import NOW, PATHS, at, deliver, on_path, row
from tests.factories import ClientFactory

RESOLVED_AT = NOW - dt.timedelta(days=5)
CALL_DAY = dt.date(2025, 6, 29)  # the client's date


def resolved_with_a_call(rep, client, day=CALL_DAY):
    with at(RESOLVED_AT):
        case = deliver(advance_to(open_case(rep, client), Step.DELIVER, rep), rep, follow_up_on=day)
    return case, case.promises.get(kind=PromiseKind.FOLLOW_UP)


def follow_ups(measures):
    return measures.follow_up_done, measures.follow_up_missed, measures.follow_up_waiting


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_call_still_ahead_on_the_clients_date_is_not_missed_when_the_sites_date_has_passed(path, rep, monkeypatch):
    """Found by a review: judged by the site's date, a client in Pago Pago (UTC-11) had their call
    "missed" on the team page while the case page's promise was still pending, hours before its deadline."""
    _, call = resolved_with_a_call(rep, ClientFactory(time_zone="Pacific/Pago_Pago"))
    end = call.due_at - dt.timedelta(hours=3)
    assert site_date(end) > CALL_DAY  # the site's day of the call is over; the client's is not
    on_path(path, monkeypatch)

    with at(end):
        sweep_broken_promises(end)
        mine = row(metrics.team_dashboard(days=7, now=end), rep)

    call.refresh_from_db()
    assert call.status == PromiseStatus.PENDING
    assert follow_ups(mine) == (0, 0, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_call_the_ledger_broke_is_missed_before_the_sites_date_has_passed(path, rep, monkeypatch):
    """Found by a review: a client in Kiritimati (UTC+14) whose call the ledger had broken showed "not due
    yet" on the team page until the site's date caught up."""
    _, call = resolved_with_a_call(rep, ClientFactory(time_zone="Pacific/Kiritimati"))
    end = call.due_at + dt.timedelta(hours=3)
    assert site_date(end) <= CALL_DAY
    on_path(path, monkeypatch)

    with at(end):
        sweep_broken_promises(end)
        mine = row(metrics.team_dashboard(days=7, now=end), rep)

    call.refresh_from_db()
    assert call.status == PromiseStatus.BROKEN
    assert follow_ups(mine) == (0, 1, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_call_past_its_deadline_the_sweep_has_not_reached_is_missed(path, rep, monkeypatch):
    _, call = resolved_with_a_call(rep, ClientFactory(time_zone="Pacific/Kiritimati"))
    end = call.due_at + dt.timedelta(minutes=1)
    on_path(path, monkeypatch)

    with at(end):
        mine = row(metrics.team_dashboard(days=7, now=end), rep)

    assert follow_ups(mine) == (0, 1, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_reassigned_call_counts_for_its_new_holder_and_the_resolution_for_the_resolver(
        path, supervisor, rep, other_rep, dennis, monkeypatch):
    """Found by a review: a supervisor reassigned a resolved case whose call was still to make (its
    promise went to the new owner), the new owner never called, and the miss was counted for the rep
    who had resolved the case."""
    case, call = resolved_with_a_call(rep, dennis)
    with at(RESOLVED_AT + dt.timedelta(days=1)):
        services.case_reassign(user=supervisor, case=case, to_user=other_rep,
                               reason="The rep who resolved it is away next week on leave", client_informed=True)
    with at(NOW):
        sweep_broken_promises(NOW)
    on_path(path, monkeypatch)

    board = metrics.team_dashboard(days=7, now=NOW)

    call.refresh_from_db()
    assert (call.status, call.owner) == (PromiseStatus.BROKEN, other_rep)
    resolver, holder = row(board, rep), row(board, other_rep)
    assert (resolver.resolved, *follow_ups(resolver)) == (1, 0, 0, 0)
    assert (holder.resolved, *follow_ups(holder)) == (0, 0, 1, 0)
    assert (board.team.resolved, *follow_ups(board.team)) == (1, 0, 1, 0)
