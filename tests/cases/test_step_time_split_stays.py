"""A rep's time in a step counts a stay they held in full, however its parts were cut: handing a case
to a teammate and taking it straight back does not drop the days held before the handoff from the
window the rep's time in the stay ends in (cases/metrics/stays.py). Found by an audit: the parts that
ended before the window were left out, so a ten-day stay showed as eight on the rep's row while the
team's row showed ten. Through the PostgreSQL statement and the portable path `make run` takes."""
import datetime as dt

import pytest

from cases import metrics, services
from cases.models import Step
from tests.cases.helpers import open_case
from tests.cases.metrics_support import H, NOW, PATHS, at, board, next_step, on_path, row

D = dt.timedelta(days=1)


def ping_pong(case, rep, other_rep):
    """`rep` offers the case to `other_rep`, who hands it straight back."""
    offered = services.handoff_request(user=rep, case=case, to_user=other_rep,
                                       reason="Cover while I am on leave now")
    services.handoff_accept(user=other_rep, handoff=offered, client_informed=True)
    case.refresh_from_db()
    offered = services.handoff_request(user=other_rep, case=case, to_user=rep,
                                       reason="Back to you now that you returned")
    services.handoff_accept(user=rep, handoff=offered, client_informed=True)
    case.refresh_from_db()


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_stay_cut_by_a_handoff_and_back_counts_in_full_for_its_rep(path, rep, other_rep, dennis, monkeypatch):
    with at(NOW - 10 * D):
        control, gamed = open_case(rep, dennis), open_case(rep, dennis)
    with at(NOW - 8 * D):  # before the 7-day window
        ping_pong(gamed, rep, other_rep)
    with at(NOW - H):
        control.refresh_from_db()
        next_step(control, rep)
        next_step(gamed, rep)
    on_path(path, monkeypatch)

    dashboard = board(7)

    stays = row(dashboard, rep).step_stays[Step.IDENTIFY]
    assert (stays.count, stays.median, stays.p90) == (2, (10 * D - H).total_seconds(), (10 * D - H).total_seconds())
    assert dashboard.team.median_in(Step.IDENTIFY) == 10 * D - H  # the same stays, the same length
    assert row(dashboard, other_rep).stays_in(Step.IDENTIFY) == 0  # their (empty) part ended before the window


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_reps_stay_counts_once_in_the_window_their_last_part_of_it_ended_in(path, rep, other_rep, dennis,
                                                                              monkeypatch):
    """The rep's stay is theirs in full in the window their time in it ended in, and not in a window
    that ends before it did (a part that ended then is counted with the rest, later)."""
    with at(NOW - 10 * D):
        case = open_case(rep, dennis)
    with at(NOW - 8 * D):
        ping_pong(case, rep, other_rep)
    with at(NOW - 5 * D):
        next_step(case, rep)
    on_path(path, monkeypatch)

    earlier = metrics.team_dashboard(days=3, now=NOW - 6 * D)  # the window of the first part only: 9 to 6 days ago

    assert row(earlier, rep).stays_in(Step.IDENTIFY) == 0
    assert earlier.team.stays_in(Step.IDENTIFY) == 0
    assert row(board(7), rep).median_in(Step.IDENTIFY) == 5 * D


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_stay_the_case_came_back_to_its_rep_in_is_not_counted_while_they_hold_it(path, rep, other_rep, dennis,
                                                                                  monkeypatch):
    """Found by an audit: handed away after two days and back a day later, the rep's first part showed as a
    finished two-day stay while they still held the case in the step (held.mark_held_again); counted once,
    whole (their four days), in the window it ends in."""
    with at(NOW - 9 * D):
        case = open_case(rep, dennis)
    with at(NOW - 7 * D):
        offered = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Cover while I am on leave")
        services.handoff_accept(user=other_rep, handoff=offered, client_informed=True)
    with at(NOW - 6 * D):
        case.refresh_from_db()
        offered = services.handoff_request(user=other_rep, case=case, to_user=rep,
                                           reason="Back to you now that you returned")
        services.handoff_accept(user=rep, handoff=offered, client_informed=True)
    on_path(path, monkeypatch)

    while_held = row(board(7), rep).stays_in(Step.IDENTIFY)
    with at(NOW - 4 * D):
        case.refresh_from_db()
        next_step(case, rep)
    ended = row(board(7), rep).step_stays[Step.IDENTIFY]

    assert while_held == 0
    assert (ended.count, ended.median) == (1, (4 * D).total_seconds())
