"""The team page's figures (cases/metrics.py): each chart's numbers on data made through the services at
known times (time-machine), whose answers are known; what every figure says when its window holds
nothing; how an average mood and the 90th percentile read."""
import datetime as dt

import pytest

from cases import metrics, services
from cases.models import EscalationReason, Mood, PromiseKind, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import (
    H, NOW, T0, at, board, case_in_plan, deliver, open_and_identify, planned_and_agreed, reach_deliver,
)


# --- the figures: each chart's numbers on data whose answers are known ---------------------------------
def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def figure(name, days=30):
    return metrics.figure_named(board(days), name)


def table(fig):
    return {r[0]: r[1:] for r in fig.rows}


@pytest.mark.django_db
def test_the_weekly_keeping_rate_counts_each_promise_in_the_week_it_fell_due(rep, dennis):
    early = case_in_plan(rep, dennis, T0)  # Friday 20 June: the week of 16 June
    with at(T0 + dt.timedelta(minutes=10)):
        services.action_item_complete(user=rep, item=early.action_items.get())  # kept
    late = case_in_plan(rep, dennis, NOW - dt.timedelta(days=3))  # Friday 27 June: the week of 23 June
    with at(NOW - dt.timedelta(days=3) + 4 * H):
        services.action_item_complete(user=rep, item=late.action_items.get())  # due +3h: broken

    fig = figure("keeping")

    name = rep.get_full_name() or rep.username
    assert fig.columns == ("Week", "Team", name)
    assert [r[0] for r in fig.rows] == ["Week of 26 May", "Week of 2 Jun", "Week of 9 Jun", "Week of 16 Jun",
                                        "Week of 23 Jun", "Week of 30 Jun"]
    assert table(fig)["Week of 16 Jun"] == ("100% (1 of 1)", "100% (1 of 1)")
    assert table(fig)["Week of 23 Jun"] == ("0% (0 of 1)", "0% (0 of 1)")
    assert table(fig)["Week of 9 Jun"] == ("—", "—")
    assert ("2025-06-23", "Team", 0, 1, 0.0) in fig.csv_rows


@pytest.mark.django_db
def test_the_renegotiated_figure_puts_each_reps_share_beside_their_keeping_rate(rep, other_rep, dennis):
    case = case_in_plan(rep, dennis, T0)
    with at(T0 + dt.timedelta(minutes=10)):
        services.action_item_complete(user=rep, item=case.action_items.get())  # kept
    with at(T0 + H):
        services.promise_renegotiate(user=rep, promise=case.promises.get(kind=PromiseKind.ETA), new_due_at=T0 + 8 * H,
                                     agreed_channel="phone", agreed_text="Client agreed to 8pm")

    fig = figure("renegotiated")

    name = rep.get_full_name() or rep.username
    assert table(fig) == {"Team": ("1", "0", "1", "100%", "50%"), name: ("1", "0", "1", "100%", "50%")}  # not other_rep


@pytest.mark.django_db
def test_time_in_steps_shows_the_median_and_the_nearest_rank_90th_percentile(rep, dennis):
    for hours in (1, 2, 3, 4, 10):
        open_and_identify(rep, dennis, opened=T0, identified=T0 + hours * H)

    fig = figure("steps")

    identify = f"1. {Step.IDENTIFY.label}"
    assert table(fig)[identify] == ("5", "3 h 00 min", "10 h 00 min", "0", "—")
    # none has left Acknowledge: all five are still there, the first since T0 + 1 h
    assert table(fig)[f"2. {Step.ACKNOWLEDGE.label}"] == ("0", "—", "—", "5", "9 d 23 h")
    assert (Step.IDENTIFY.label, 5, 3.0, 10.0, 0, "") in fig.csv_rows


@pytest.mark.django_db
def test_the_mood_figure_names_the_moods_at_intake_and_at_delivery(rep, dennis):
    with at(T0):
        case = advance_to(open_case(rep, dennis, temperature=Mood.UPSET), Step.DELIVER, rep)
        deliver(case, rep, mood=Mood.SATISFIED)

    fig = figure("mood")

    name = rep.get_full_name() or rep.username
    assert table(fig) == {"Team": ("1", "Upset → Satisfied", "1 of 1"), name: ("1", "Upset → Satisfied", "1 of 1")}
    assert "Upset → Satisfied" in fig.chart


@pytest.mark.django_db
def test_escalations_are_stacked_by_reason_in_the_week_they_were_raised(rep, dennis):
    with at(T0):  # the week of 16 June
        case = open_case(rep, dennis)
        for note in ("Refund asked", "And damages"):
            services.escalation_raise(user=rep, case=case, reason=EscalationReason.LIABILITY, note=note)
    with at(NOW - dt.timedelta(days=3)):  # the week of 23 June
        services.escalation_raise(user=rep, case=open_case(rep, dennis), reason=EscalationReason.NO_PLAN,
                                  note="The host will not say")

    fig = figure("escalations")

    assert fig.columns == ("Week", EscalationReason.NO_PLAN.label, EscalationReason.LIABILITY.label, "Total")
    assert table(fig)["Week of 16 Jun"] == ("0", "2", "2")
    assert table(fig)["Week of 23 Jun"] == ("1", "0", "1")
    assert table(fig)["Week of 30 Jun"] == ("0", "0", "0")


@pytest.mark.django_db
def test_eta_honesty_counts_deliveries_early_within_and_late_per_rep(rep, other_rep, dennis):
    named(rep, "Alex", "Kim"), named(other_rep, "Fran", "Moss")
    reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H)  # within
    reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + dt.timedelta(minutes=30))  # early
    reach_deliver(planned_and_agreed(other_rep, dennis, T0), other_rep, T0 + 6 * H)  # late

    fig = figure("eta")

    assert table(fig)["Team"] == ("1", "1", "1", "33%")
    assert table(fig)["Alex Kim"] == ("1", "1", "0", "50%")
    assert table(fig)["Fran Moss"] == ("0", "0", "1", "0%")


@pytest.mark.django_db
def test_every_figure_says_in_words_that_the_window_holds_nothing(rep):
    figures = metrics.figures(board(7))

    said = {f.name: f.empty for f in figures}
    assert all(f.is_empty and f.rows == () for f in figures)
    assert said == {
        "keeping": "No promise fell due in these 7 days.",
        "renegotiated": "No promise fell due in these 7 days.",
        "steps": "No case left a step in these 7 days.",
        "mood": "No case was resolved in these 7 days, so there is no mood at delivery to compare.",
        "escalations": "No escalation was raised in these 7 days.",
        "eta": "No case reached Deliver against an estimate in these 7 days.",
    }


def test_an_average_mood_reads_as_the_nearest_moods():
    assert metrics.mood_move(Mood.UPSET.score, 4.6) == "Upset → Satisfied"
    assert metrics.mood_move(2.5, 6) == "Anxious → Delighted"  # halves go up
    assert metrics.mood_move(None, 3) == "—"


def test_the_90th_percentile_is_the_nearest_rank():
    assert metrics.percentile(list(range(1, 11)), 90) == 9
    assert metrics.percentile([7], 90) == 7
    assert metrics.percentile([], 90) is None
