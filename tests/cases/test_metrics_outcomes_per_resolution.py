"""Each resolution counted on the team page is judged by its own delivery (cases/metrics/outcomes.py): the
mood recorded and the follow-up call promised with the delivery it confirmed, and the follow-up promise in
force when that call was logged. Reopening the case, delivering again and calling on time must not turn
a past window's missed call into a call made, or its upset client into a delighted one. On the
PostgreSQL statement and on the portable path `make run` takes on SQLite."""

import pytest

from cases import metrics, services
from cases.metrics import bounded, escalations, outcomes, stays
from cases.models import Mood, Step
from notifications.sweeps import sweep_broken_promises
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import H, T0, at, deliver, row

PATHS = ("postgresql", "portable")
DAY = 24 * H
PAST = T0 + 2 * DAY  # a window that holds the first resolution only


def on_path(path, monkeypatch):
    if path == "portable":
        for module in (bounded, stays, outcomes, escalations):
            monkeypatch.setattr(module, "on_postgresql", lambda: False)


def first_resolution(rep, dennis, *, call_late):
    """Resolved at T0, upset, the call promised for the next day; missed (broken by the sweep), and
    then, if `call_late`, logged a day late."""
    with at(T0):
        case = deliver(advance_to(open_case(rep, dennis), Step.DELIVER, rep), rep, mood=Mood.UPSET,
                       follow_up_on=(T0 + DAY).date())
    with at(T0 + 2 * DAY - 3 * H):
        sweep_broken_promises(T0 + 2 * DAY - 3 * H)
        if call_late:
            services.follow_up_log(user=rep, case=case, note="Called Dennis a day late, all working")
    return case


def resolved_again_and_called_on_time(case, rep):
    with at(T0 + 3 * DAY):
        case.refresh_from_db()
        case = advance_to(services.case_reopen(user=rep, case=case, reason="Client asked about it again"),
                          Step.DELIVER, rep)
        case = deliver(case, rep, mood=Mood.DELIGHTED, follow_up_on=(T0 + 4 * DAY).date())
    with at(T0 + 4 * DAY + H):
        services.follow_up_log(user=rep, case=case, note="Called Dennis on the day, all is working fine")


def past(rep):
    mine = row(metrics.team_dashboard(days=7, now=PAST), rep)
    return mine.follow_up_done, mine.follow_up_missed, mine.anxious_to_joy


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("call_late", [False, True], ids=["never-called", "called-late"])
def test_a_later_delivery_does_not_rewrite_a_past_resolutions_call_or_mood(path, call_late, rep, dennis, monkeypatch):
    case = first_resolution(rep, dennis, call_late=call_late)
    on_path(path, monkeypatch)
    before = past(rep)

    resolved_again_and_called_on_time(case, rep)

    assert before == (0, 1, 0)
    assert past(rep) == before
    assert row(metrics.team_dashboard(days=7, now=T0 + 5 * DAY), rep).follow_up_done == 1  # the new one counts


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_call_a_reopen_moved_before_its_day_is_waiting_not_missed(path, rep, dennis, monkeypatch):
    """Reopened the day before the call (which then moves to after the next delivery, counted as a
    renegotiation): until the case resolves again, its resolution's call is neither made nor missed."""
    with at(T0):
        case = deliver(advance_to(open_case(rep, dennis), Step.DELIVER, rep), rep, mood=Mood.SATISFIED,
                       follow_up_on=(T0 + 3 * DAY).date())
    with at(T0 + DAY):
        case.refresh_from_db()
        case = advance_to(services.case_reopen(user=rep, case=case, reason="Client saw the fault come back"),
                          Step.DELIVER, rep)
    on_path(path, monkeypatch)

    mine = row(metrics.team_dashboard(days=7, now=T0 + 4 * DAY), rep)

    assert (mine.resolved, mine.follow_up_done, mine.follow_up_missed, mine.follow_up_waiting) == (1, 0, 0, 1)
