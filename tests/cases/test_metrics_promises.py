"""The team's promise numbers (cases/metrics.py), each built from data made through the services at known
times (time-machine): the promise-keeping rate, kept over kept plus broken, per rep and for the team, and
who it counts for: the rep who held the work then, not whoever owns the case now."""
import datetime as dt

import pytest

from cases import services
from cases.models import Channel, EscalationReason, Mood, PromiseKind
from cases.selectors import promise_keeping_rate, promises_for_rate
from tests.cases.helpers import open_case
from tests.cases.metrics_support import H, NOW, T0, at, board, case_in_plan, row


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
        services.promise_renegotiate(user=rep, promise=promise, new_due_at=T0 + 8 * H, agreed_channel="phone",
                                     agreed_text="Client agreed to 8pm")

    dashboard = board()

    assert (dashboard.team.kept, dashboard.team.broken, dashboard.team.promise_rate) == (0, 0, None)


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

    # The missed update, and the beat after it that Alex missed too (due as the case moved): both Alex's.
    assert (row(dashboard, alex).broken, row(dashboard, fran).broken) == (2, 0)


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
