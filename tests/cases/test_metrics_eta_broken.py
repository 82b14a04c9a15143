"""ETA honesty and a deadline that has passed (cases/metrics/eta.py): an estimate given once the promised
one has passed does not make a late arrival on time, a deadline moved with the client before it passed
does, and a reopened case's second arrival is judged on its own cycle. Each on the PostgreSQL statement
and on the portable path `make run` takes on SQLite, which give the same verdicts."""
import pytest

from cases import services
from cases.metrics import eta
from cases.models import PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to
from tests.cases.metrics_support import H, PATHS, T0, at, board, deliver, on_path, planned_and_agreed, reach_deliver



def verdicts():
    team = board().team
    return team.eta_early, team.eta_within, team.eta_late


def given_again_after_the_deadline(rep, client):
    """Estimate between T0+1h and T0+5h; at T0+6h, the promise past, a fresh range of T0+7h to T0+9h, which the
    client agreed to (cases.services.plan.eta_set)."""
    case = planned_and_agreed(rep, client, T0)
    with at(T0 + 6 * H):
        services.eta_set(user=rep, case=case, earliest=T0 + 7 * H, latest=T0 + 9 * H, agreed_channel="phone",
                         agreed_text="The client agreed to tonight instead")
    return case


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_an_estimate_given_after_the_promised_one_passed_does_not_make_a_late_arrival_on_time(
        path, rep, dennis, monkeypatch):
    """RECIPE: "the ETA range given in plan is kept; when the case reaches deliver the actual time is
    compared with it" and "A deadline that has passed cannot be talked away"."""
    case = given_again_after_the_deadline(rep, dennis)
    reach_deliver(case, rep, T0 + 8 * H)  # inside the fresh range
    on_path(path, monkeypatch)

    counted = verdicts()

    assert case.promises.filter(kind=PromiseKind.ETA, status=PromiseStatus.BROKEN).count() == 1
    assert counted == (0, 0, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_range_moved_with_the_client_before_the_deadline_judges_the_arrival(path, rep, dennis, monkeypatch):
    case = planned_and_agreed(rep, dennis, T0)  # estimate: between T0+1h and T0+5h
    with at(T0 + 4 * H):
        services.eta_set(user=rep, case=case, earliest=T0 + 7 * H, latest=T0 + 9 * H, agreed_channel="phone",
                         agreed_text="The client agreed to tonight")
    reach_deliver(case, rep, T0 + 8 * H)
    on_path(path, monkeypatch)

    counted = verdicts()

    assert case.promises.filter(kind=PromiseKind.ETA, status=PromiseStatus.RENEGOTIATED).count() == 1
    assert counted == (0, 1, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_reopened_case_is_judged_on_its_second_cycle_alone(path, rep, dennis, monkeypatch):
    case = reach_deliver(given_again_after_the_deadline(rep, dennis), rep, T0 + 8 * H)  # late
    with at(T0 + 8 * H):
        case = deliver(case, rep)
    with at(T0 + 10 * H):  # estimate: between T0+11h and T0+15h
        case = advance_to(services.case_reopen(user=rep, case=case, reason="Mail stopped again"),
                          Step.MANAGE_ANXIETY, rep)
    case = reach_deliver(case, rep, T0 + 12 * H)
    on_path(path, monkeypatch)

    counted = verdicts()

    assert eta.case_verdicts(case) == ["late", "within"]  # the second arrival judged on its own cycle
    assert counted == (0, 0, 1)  # the team page counts the case once: late, as one of its arrivals was


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_an_arrival_early_for_the_fresh_range_after_a_missed_deadline_is_late(path, rep, dennis, monkeypatch):
    reach_deliver(given_again_after_the_deadline(rep, dennis), rep, T0 + 6.5 * H)  # before the fresh earliest
    on_path(path, monkeypatch)

    counted = verdicts()

    assert counted == (0, 0, 1)


@pytest.mark.django_db
def test_the_verdict_kept_at_the_arrival_does_not_move_with_what_comes_after(rep, dennis):
    """Judged once the arrival settled the ETA promise: a reopen, a fresh estimate and a second arrival
    late for it leave the first arrival's verdict as it was."""
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H)  # within T0+1h..T0+5h
    with at(T0 + 3 * H):
        case = deliver(case, rep)
    with at(T0 + 10 * H):  # estimate: between T0+11h and T0+15h
        case = advance_to(services.case_reopen(user=rep, case=case, reason="Mail stopped again"),
                          Step.MANAGE_ANXIETY, rep)
    reach_deliver(case, rep, T0 + 20 * H)

    arrivals = case.events.filter(verb=eta.ARRIVAL.label).exclude(from_step="").order_by("created_at")

    assert list(arrivals.values_list("eta_verdict", flat=True)) == ["within", "late"]
