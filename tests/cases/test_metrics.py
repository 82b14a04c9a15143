"""The team's numbers (cases/metrics.py), each built from data made through the services at known
times (time-machine), and the dashboard's query count, which must not grow with the cases."""
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import metrics, services
from cases.models import Channel, EscalationReason, Mood, PromiseKind, Step
from cases.selectors import promise_keeping_rate, promises_for_rate
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory, RepFactory

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
T0 = NOW - dt.timedelta(days=10)
H = dt.timedelta(hours=1)
DASHBOARD_QUERIES = 10


def at(moment):
    return time_machine.travel(moment, tick=False)


def board(days=30):
    return metrics.team_dashboard(days=days, now=NOW)


def row(dashboard, user):
    return next(r.measures for r in dashboard.reps if r.user == user)


def next_step(case, user):
    order = list(Step)
    return advance_to(case, order[order.index(Step(case.step)) + 1], user)


def case_in_plan(owner, client, when):
    with at(when):
        case = advance_to(open_case(owner, client), Step.PLAN, owner)
        return plan_ready(case, owner)


def deliver(case, user, *, mood="", follow_up_on=None):
    """Record the delivery (with the client's mood) and resolve through the gate."""
    services.delivery_record(user=user, case=case, verified_with_client=True, client_satisfied=True,
                             prevention_note="Rollback tested before every upgrade", client_mood=mood,
                             follow_up_on=follow_up_on or dt.date.today() + dt.timedelta(days=7))
    case.refresh_from_db()
    return services.case_transition(user=user, case=case, name="complete_deliver")


# --- promise-keeping rate ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_promise_keeping_rate_is_kept_over_kept_plus_broken_per_rep_and_team(rep, other_rep, dennis):
    case_a = case_in_plan(rep, dennis, T0)
    with at(T0 + dt.timedelta(minutes=30)):
        services.status_update_log(user=rep, case=case_a, summary="Restore under way, back by 5pm",
                                   channel=Channel.PHONE, client_mood=Mood.ANXIOUS)  # kept
    with at(T0 + 4 * H):
        services.action_item_complete(user=rep, item=case_a.action_items.get())  # due +3h: kept late = broken
    case_b = case_in_plan(other_rep, dennis, T0)
    with at(T0 + dt.timedelta(minutes=10)):
        services.action_item_complete(user=other_rep, item=case_b.action_items.get())  # kept

    dashboard = board()

    assert (row(dashboard, rep).kept, row(dashboard, rep).broken) == (1, 1)
    assert row(dashboard, rep).promise_rate == 0.5
    assert row(dashboard, other_rep).promise_rate == 1.0
    assert dashboard.team.promise_rate == pytest.approx(2 / 3)


@pytest.mark.django_db
def test_team_promise_rate_agrees_with_the_rate_selector(rep, dennis):
    case = case_in_plan(rep, dennis, T0)
    with at(T0 + 4 * H):
        services.action_item_complete(user=rep, item=case.action_items.get())
        services.status_update_log(user=rep, case=case, summary="Fixed; confirming by 6pm",
                                   channel=Channel.PHONE, client_mood=Mood.CALM)

    dashboard = board()

    since, until = dashboard.window.since, dashboard.window.until
    assert dashboard.team.promise_rate == promise_keeping_rate(promises_for_rate(since=since, until=until))


@pytest.mark.django_db
def test_promises_due_before_the_window_do_not_count(rep, dennis):
    old = NOW - dt.timedelta(days=40)
    case = case_in_plan(rep, dennis, old)
    with at(old + dt.timedelta(minutes=5)):
        services.action_item_complete(user=rep, item=case.action_items.get())

    assert board(30).team.promise_rate is None
    assert board(90).team.kept == 1


@pytest.mark.django_db
def test_pending_and_renegotiated_promises_do_not_count(rep, dennis):
    case = case_in_plan(rep, dennis, T0)
    promise = case.promises.get(kind=PromiseKind.ETA)
    with at(T0 + H):
        services.promise_renegotiate(user=rep, promise=promise, new_due_at=T0 + 8 * H, agreed_channel="phone", agreed_text="Client agreed to 8pm")

    dashboard = board()

    assert (dashboard.team.kept, dashboard.team.broken, dashboard.team.promise_rate) == (0, 0, None)


# --- median time in each step ----------------------------------------------------------------------
def open_and_identify(owner, client, *, opened, identified):
    with at(opened):
        case = open_case(owner, client)
    with at(identified):
        return next_step(case, owner)


@pytest.mark.django_db
def test_median_time_in_a_step_runs_from_entering_to_leaving_it(rep, other_rep, dennis):
    first = open_and_identify(rep, dennis, opened=T0, identified=T0 + H)
    open_and_identify(rep, dennis, opened=T0, identified=T0 + 2 * H)
    open_and_identify(other_rep, dennis, opened=T0, identified=T0 + 6 * H)
    with at(T0 + 90 * dt.timedelta(minutes=1)):
        next_step(first, rep)  # acknowledge: 30 min after identify ended

    dashboard = board()

    assert dashboard.team.median_in(Step.IDENTIFY) == 2 * H
    assert row(dashboard, rep).median_in(Step.IDENTIFY) == 1.5 * H
    assert row(dashboard, other_rep).median_in(Step.IDENTIFY) == 6 * H
    assert dashboard.team.median_in(Step.ACKNOWLEDGE) == dt.timedelta(minutes=30)
    assert dashboard.team.median_in(Step.RECOMMIT) is None  # nobody has left it yet


@pytest.mark.django_db
def test_a_stay_that_ended_before_the_window_is_not_counted(rep, dennis):
    old = NOW - dt.timedelta(days=40)
    open_and_identify(rep, dennis, opened=old, identified=old + H)

    assert board(30).team.median_in(Step.IDENTIFY) is None
    assert board(90).team.median_in(Step.IDENTIFY) == H


@pytest.mark.django_db
def test_a_stay_that_began_before_the_window_counts_in_full(rep, dennis):
    open_and_identify(rep, dennis, opened=NOW - dt.timedelta(days=8), identified=NOW - dt.timedelta(days=6))

    assert board(7).team.median_in(Step.IDENTIFY) == dt.timedelta(days=2)


# --- opened, resolved, reopened, override ----------------------------------------------------------
@pytest.mark.django_db
def test_cases_opened_resolved_reopened_and_closed_by_override_are_counted_apart(rep, supervisor, dennis):
    with at(NOW - dt.timedelta(days=45)):
        old = open_case(rep, dennis)  # opened before the window
    with at(T0):
        resolved = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
        reopened = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
        services.case_reopen(user=rep, case=reopened, reason="Mail stopped again")
        forced = open_case(rep, dennis)
        services.case_transition(user=supervisor, case=forced, name="force_close", reason="Duplicate of C-1")
        advance_to(old, Step.RESOLVED, rep)

    team = board().team

    assert team.opened == 3
    assert team.resolved == 3  # resolved, reopened (it was resolved first) and old
    assert team.closed_by_override == 1
    assert team.reopened == 1
    assert resolved.step == Step.RESOLVED


@pytest.mark.django_db
def test_case_counts_belong_to_the_case_owner(rep, other_rep, dennis):
    with at(T0):
        advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
        open_case(other_rep, dennis)

    dashboard = board()

    assert (row(dashboard, rep).opened, row(dashboard, rep).resolved) == (1, 1)
    assert (row(dashboard, other_rep).opened, row(dashboard, other_rep).resolved) == (1, 0)


# --- escalations ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_escalations_are_counted_by_reason_including_the_systems(rep, other_rep, dennis):
    with at(T0):
        case = open_case(rep, dennis)
        services.escalation_raise(user=rep, case=case, reason=EscalationReason.LIABILITY, note="Refund asked")
        services.escalation_raise(user=rep, case=case, reason=EscalationReason.LIABILITY, note="And damages")
        services.escalation_raise(user=other_rep, case=open_case(other_rep, dennis),
                                  reason=EscalationReason.NO_PLAN, note="No idea yet")
    planned = case_in_plan(rep, dennis, T0)
    with at(T0 + 2 * H):
        services.promise_break(promise=planned.promises.get(kind=PromiseKind.STATUS_UPDATE))

    dashboard = board()

    mine = dict(row(dashboard, rep).escalations_by_reason)
    assert mine[EscalationReason.LIABILITY] == 2 and mine[EscalationReason.BROKEN_PROMISE] == 1
    assert dict(dashboard.team.escalations_by_reason)[EscalationReason.NO_PLAN] == 1
    assert dashboard.team.escalation_total == 4


# --- mood, follow-up -------------------------------------------------------------------------------
@pytest.mark.django_db
def test_client_mood_at_intake_is_compared_with_the_mood_at_delivery(rep, dennis):
    with at(T0):
        anxious = advance_to(open_case(rep, dennis, temperature=Mood.ANXIOUS), Step.DELIVER, rep)
        deliver(anxious, rep, mood=Mood.DELIGHTED)
        calm = advance_to(open_case(rep, dennis, temperature=Mood.CALM), Step.DELIVER, rep)
        deliver(calm, rep, mood=Mood.SATISFIED)

    team = board().team

    assert team.mood_cases == 2
    assert team.intake_mood == pytest.approx((Mood.ANXIOUS.score + Mood.CALM.score) / 2)
    assert team.delivery_mood == pytest.approx((Mood.DELIGHTED.score + Mood.SATISFIED.score) / 2)
    assert team.anxious_to_joy == 1  # the calm client did not start anxious


@pytest.mark.django_db
def test_without_a_mood_at_delivery_the_last_recorded_mood_is_used(rep, dennis):
    with at(T0):
        case = advance_to(open_case(rep, dennis, temperature=Mood.UPSET), Step.MANAGE_ANXIETY, rep)
        services.status_update_log(user=rep, case=case, summary="Mail is back; orders by noon",
                                   channel=Channel.PHONE, client_mood=Mood.SATISFIED)
        case = advance_to(case, Step.DELIVER, rep)
        deliver(case, rep)

    team = board().team

    assert (team.intake_mood, team.delivery_mood, team.anxious_to_joy) == (Mood.UPSET.score, Mood.SATISFIED.score, 1)


@pytest.mark.django_db
def test_follow_up_share_counts_only_follow_ups_that_have_fallen_due(rep, dennis):
    with at(T0):
        called, missed, waiting = (advance_to(open_case(rep, dennis), Step.DELIVER, rep) for _ in range(3))
        called = deliver(called, rep, follow_up_on=T0.date() + dt.timedelta(days=3))
        deliver(missed, rep, follow_up_on=T0.date() + dt.timedelta(days=3))
        deliver(waiting, rep, follow_up_on=NOW.date() + dt.timedelta(days=5))
    with at(T0 + dt.timedelta(days=3)):
        services.follow_up_log(user=rep, case=called, note="All good, orders flowing")

    team = board().team

    assert (team.follow_up_done, team.follow_up_missed, team.follow_up_waiting) == (1, 1, 1)
    assert team.follow_up_share == 0.5


@pytest.mark.django_db
def test_cases_closed_by_override_have_no_mood_or_follow_up_measure(rep, supervisor, dennis):
    with at(T0):
        services.case_transition(user=supervisor, case=open_case(rep, dennis), name="force_close", reason="Spam")

    team = board().team

    assert (team.mood_cases, team.follow_up_done + team.follow_up_missed + team.follow_up_waiting) == (0, 0)


# --- ETA calibration -------------------------------------------------------------------------------
def reach_deliver(case, user, when):
    with at(when):
        for item in case.action_items.filter(status="open"):
            services.action_item_complete(user=user, item=item)
        case.refresh_from_db()
        return services.case_transition(user=user, case=case, name="complete_manage_anxiety")


def planned_and_agreed(owner, client, when):
    case = case_in_plan(owner, client, when)  # estimate: between +1h and +5h
    with at(when):
        return services.case_transition(user=owner, case=case, name="complete_plan")


@pytest.mark.django_db
def test_arrivals_at_deliver_are_early_within_or_late_against_the_estimate(rep, other_rep, dennis):
    reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 3 * H)  # within
    reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + dt.timedelta(minutes=30))  # early
    reach_deliver(planned_and_agreed(other_rep, dennis, T0), other_rep, T0 + 6 * H)  # late

    dashboard = board()

    mine = row(dashboard, rep)
    assert (mine.eta_early, mine.eta_within, mine.eta_late) == (1, 1, 0)
    assert row(dashboard, other_rep).eta_late == 1
    assert dashboard.team.eta_within_share == pytest.approx(1 / 3)


@pytest.mark.django_db
def test_a_renegotiated_estimate_is_what_the_arrival_is_judged_against(rep, dennis):
    case = planned_and_agreed(rep, dennis, T0)
    with at(T0 + 2 * H):
        services.promise_renegotiate(user=rep, promise=case.promises.get(kind=PromiseKind.ETA, status="pending"),
                                     new_due_at=T0 + 8 * H, agreed_channel="phone",
                                     agreed_text="Client agreed to tonight")

    reach_deliver(case, rep, T0 + 6 * H)

    assert board().team.eta_within == 1


@pytest.mark.django_db
def test_a_second_arrival_after_loose_ends_is_judged_against_the_new_estimate(rep, dennis):
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 2 * H)  # within
    with at(T0 + 3 * H):
        case = services.case_transition(user=rep, case=case, name="loose_ends", reason="Email still bounces")
        services.action_item_create(user=rep, case=case, description="Fix the MX record", assignee=rep,
                                    due_at=T0 + 4 * H)
        services.eta_set(user=rep, case=case, earliest=T0 + 10 * H, latest=T0 + 12 * H)
        case.refresh_from_db()
        case = services.case_transition(user=rep, case=case, name="complete_plan")

    reach_deliver(case, rep, T0 + 5 * H)  # before the new earliest

    team = board().team
    assert (team.eta_early, team.eta_within, team.eta_late) == (1, 1, 0)


# --- shape and cost --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_rep_with_no_activity_is_listed_with_zeros(rep, other_rep, dennis):
    with at(T0):
        open_case(rep, dennis)

    quiet = row(board(), other_rep)

    assert (quiet.opened, quiet.promise_rate, quiet.median_in(Step.IDENTIFY)) == (0, None, None)


def busy_team(n):
    for _ in range(n):
        owner, client = RepFactory(), ClientFactory()
        case = reach_deliver(planned_and_agreed(owner, client, T0), owner, T0 + 3 * H)
        with at(T0 + 3 * H):
            deliver(case, owner, mood=Mood.SATISFIED)
            services.escalation_raise(user=owner, case=open_case(owner, client), reason=EscalationReason.OTHER,
                                      note="Need a hand")


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_queries_for_one_case_or_many(rep):
    busy_team(1)
    with CaptureQueriesContext(connection) as few:
        board()
    busy_team(5)

    with CaptureQueriesContext(connection) as many:
        dashboard = board()

    assert len(few) == len(many) == DASHBOARD_QUERIES
    assert dashboard.team.resolved == 6 and dashboard.team.eta_within == 6


def test_durations_read_as_a_person_would_say_them():
    assert metrics.format_duration(dt.timedelta(minutes=45)) == "45 min"
    assert metrics.format_duration(dt.timedelta(hours=2, minutes=5)) == "2 h 05 min"
    assert metrics.format_duration(dt.timedelta(days=3, hours=4)) == "3 d 4 h"
    assert metrics.format_duration(None) == "—"


# --- attribution: who held the work then, not who owns the case now ----------------------------------
def reassign(case, supervisor, to_user):
    return services.case_reassign(user=supervisor, case=case, to_user=to_user, reason="Alex is out this week",
                                  client_informed=True)


@pytest.mark.django_db
def test_a_promise_broken_while_alex_held_it_counts_for_alex_after_the_case_moves_to_fran(rep, other_rep, supervisor,
                                                                                        dennis):
    alex, fran = rep, other_rep
    case = case_in_plan(alex, dennis, T0)
    update = case.promises.get(kind=PromiseKind.STATUS_UPDATE)
    with at(update.due_at + 30 * dt.timedelta(minutes=1)):
        services.promise_break(promise=update)
    with at(update.due_at + H):
        reassign(case, supervisor, fran)

    dashboard = board()

    assert (row(dashboard, alex).broken, row(dashboard, fran).broken) == (1, 0)


@pytest.mark.django_db
def test_a_promise_overdue_when_the_case_moves_is_broken_for_the_rep_who_held_it(rep, other_rep, supervisor, dennis):
    alex, fran = rep, other_rep
    case = case_in_plan(alex, dennis, T0)
    update = case.promises.get(kind=PromiseKind.STATUS_UPDATE)

    with at(update.due_at + 30 * dt.timedelta(minutes=1)):  # the sweep has not run yet
        reassign(case, supervisor, fran)

    update.refresh_from_db()
    assert (update.status, update.owner) == ("broken", alex)
    assert case.promises.get(kind=PromiseKind.ETA, status="pending").owner == fran  # still ahead: Fran's now
    assert (row(board(), alex).broken, row(board(), fran).broken) == (1, 0)


@pytest.mark.django_db
def test_an_escalation_raised_while_alex_owned_the_case_counts_for_alex(rep, other_rep, supervisor, dennis):
    alex, fran = rep, other_rep
    with at(T0):
        case = open_case(alex, dennis)
        services.escalation_raise(user=alex, case=case, reason=EscalationReason.LIABILITY, note="Refund asked")
    with at(T0 + H):
        reassign(case, supervisor, fran)

    dashboard = board()

    assert (row(dashboard, alex).escalation_total, row(dashboard, fran).escalation_total) == (1, 0)
    assert dict(row(dashboard, alex).escalations_by_reason)[EscalationReason.LIABILITY] == 1


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
    assert table(fig)[identify] == ("5", "3 h 00 min", "10 h 00 min")
    assert table(fig)[f"2. {Step.ACKNOWLEDGE.label}"] == ("0", "—", "—")
    assert (Step.IDENTIFY.label, 5, 3.0, 10.0) in fig.csv_rows


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
