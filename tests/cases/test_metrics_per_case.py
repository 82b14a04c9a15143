"""The client's mood ("anxious to joy") and ETA honesty count each case once in a window (RECIPE "Measures
the product shows"; cases/metrics/outcomes.py, cases/metrics/eta.py), while "Resolved" and "Reopened"
count each round: the mood by the case's latest resolution in the window, ETA honesty late when any of
its arrivals in the window was late, else by its first. Found by a review: one anxious case delivered
late, then reopened and re-delivered five times within cheap fresh estimates, read as six anxious clients
brought to joy and 83% of deliveries within the range. On the PostgreSQL statements and on the portable
path `make run` takes on SQLite."""
import datetime as dt

import pytest
from django.utils import timezone

from cases import metrics, services
from cases.metrics import eta
from cases.models import CaseEvent, Channel, ItemKind, Mood, Step
from notifications.sweeps import sweep_broken_promises
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import (
    H, NOW, PATHS, T0, at, board, deliver, on_path, planned_and_agreed, reach_deliver, row,
)
from tests.cases.test_team_page_speed_shape import _only_index, _plan

MINUTES = dt.timedelta(minutes=1)


def plan_for_two_hours(case, rep):
    """One item, the cadence once, and a fresh estimate ending two hours from now; then on to manage anxiety."""
    now = timezone.now()
    services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                kind=ItemKind.FIX, assignee=rep, due_at=now + H)
    if not case.cadence_minutes:
        services.cadence_set(user=rep, case=case, minutes=7 * 24 * 60, channel=Channel.PHONE)
    services.eta_set(user=rep, case=case, earliest=now, latest=now + 2 * H)
    case.refresh_from_db()
    return services.case_transition(user=rep, case=case, name="complete_plan")


def finish(case, rep, mood=Mood.SATISFIED):
    """Every item done, arrive at deliver, deliver with the client's mood and resolve."""
    for item in case.action_items.filter(status="open"):
        services.action_item_complete(user=rep, item=item)
    case.refresh_from_db()
    case = services.case_transition(user=rep, case=case, name="complete_manage_anxiety")
    return deliver(case, rep, mood=mood)


def late_then_reopened_five_times(rep, dennis):
    """The reviewer's afternoon: the estimate breaks, the case arrives late and is resolved; then five
    rounds of 15 minutes: reopen, a fresh two-hour estimate, the item done, delivered satisfied, resolved."""
    with at(T0):
        case = plan_for_two_hours(advance_to(open_case(rep, dennis, temperature=Mood.ANXIOUS), Step.PLAN, rep), rep)
    moment = T0 + 3 * H
    with at(moment):
        sweep_broken_promises(moment)
        case.refresh_from_db()
        case = finish(case, rep)
    for _ in range(5):
        moment += 10 * MINUTES
        with at(moment):
            case = services.case_reopen(user=rep, case=case, reason="The client called back saying it failed again")
            case = plan_for_two_hours(case, rep)
        moment += 5 * MINUTES
        with at(moment):
            case = finish(case, rep)
    return case


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_reopening_and_re_resolving_one_case_counts_its_mood_and_eta_once(path, rep, dennis, monkeypatch):
    late_then_reopened_five_times(rep, dennis)
    on_path(path, monkeypatch)

    mine = row(board(), rep)

    assert (mine.resolved, mine.reopened) == (6, 5)
    assert (mine.mood_cases, mine.anxious_to_joy) == (1, 1)
    assert (mine.eta_early, mine.eta_within, mine.eta_late) == (0, 0, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_two_different_cases_still_count_twice(path, rep, dennis, monkeypatch):
    for start in (T0, T0 + 24 * H):
        case = reach_deliver(planned_and_agreed(rep, dennis, start), rep, start + 2 * H)  # range: +1 h .. +5 h
        with at(start + 2 * H):
            deliver(case, rep, mood=Mood.SATISFIED)
    on_path(path, monkeypatch)

    mine = row(board(), rep)

    assert (mine.resolved, mine.mood_cases, mine.anxious_to_joy) == (2, 2, 2)
    assert (mine.eta_early, mine.eta_within, mine.eta_late) == (0, 2, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_the_mood_of_a_case_resolved_twice_in_the_window_is_its_first_delivery(path, rep, dennis, monkeypatch):
    with at(T0):
        case = deliver(advance_to(open_case(rep, dennis, temperature=Mood.ANXIOUS), Step.DELIVER, rep), rep,
                       mood=Mood.UPSET)
    with at(T0 + 24 * H):
        case = advance_to(services.case_reopen(user=rep, case=case, reason="Mail stopped again"), Step.DELIVER, rep)
        deliver(case, rep, mood=Mood.DELIGHTED)
    on_path(path, monkeypatch)

    mine = row(board(), rep)

    assert mine.resolved == 2
    assert (mine.mood_cases, mine.intake_score_sum, mine.delivery_score_sum) == (1, Mood.ANXIOUS.score,
                                                                                Mood.UPSET.score)
    assert mine.anxious_to_joy == 0


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_without_a_late_arrival_a_case_is_judged_by_its_first_arrival_in_the_window(path, rep, dennis,
                                                                                    monkeypatch):
    case = planned_and_agreed(rep, dennis, T0)  # range: +1 h .. +5 h
    case = reach_deliver(case, rep, T0 + H // 2)  # early
    with at(T0 + H // 2):
        case = deliver(case, rep, mood=Mood.SATISFIED)
    with at(T0 + 24 * H):
        case = plan_for_two_hours(services.case_reopen(user=rep, case=case, reason="Mail stopped again"), rep)
    with at(T0 + 25 * H):
        finish(case, rep)  # within
    on_path(path, monkeypatch)

    mine = row(board(), rep)

    assert (mine.eta_early, mine.eta_within, mine.eta_late) == (1, 0, 0)
    later = row(metrics.team_dashboard(days=7, now=T0 + 31 * H + 6 * 24 * H), rep)  # the second arrival only
    assert (later.eta_early, later.eta_within, later.eta_late) == (0, 1, 0)


@pytest.mark.django_db
def test_the_per_case_eta_statement_reads_only_the_index_of_transitions(rep, dennis):
    late_then_reopened_five_times(rep, dennis)
    w = metrics.window(30, NOW)
    _only_index(CaseEvent._meta.db_table, "event_transition_verb")

    scans = _plan(*eta.per_case(w))

    tables = [scan[:3] for scan in scans if scan[2] is not None]  # a "Subquery Scan" reads no table
    assert tables == [("Index Only Scan", "event_transition_verb", "cases_caseevent")]
