"""Each per-rep number of the team page counts for the rep who owned the case when the counted thing
happened (RECIPE "Measures the product shows"; CaseEvent.owner), so a handoff or a supervisor's
reassignment moves nothing onto the teammate who takes the case: time in a step for the rep who held the
case (tests/cases/test_held_stays.py has the rest), an arrival at deliver for the owner then, a
resolution with its mood and follow-up for the rep who resolved it, a reopen or an override for the
owner then, an opened case for the rep who opened it. Through the PostgreSQL statements and through the
portable path `make run` takes on SQLite. And the migration that added the column gives the events
written before it the case's owner (the best known then)."""
import importlib

import pytest

from cases import metrics, services
from cases.models import CaseEvent, Mood, PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import (
    H, PATHS, T0, at, board, deliver, on_path, open_and_identify, planned_and_agreed, reach_deliver, row,
)



def hand_over(case, rep, other_rep):
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="I am on leave from tomorrow")
    services.handoff_accept(user=other_rep, handoff=handoff, client_informed=True)


def reassign(case, supervisor, to_user):
    services.case_reassign(user=supervisor, case=case, to_user=to_user, reason="Rebalancing the week",
                           client_informed=True)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_slow_step_stays_with_the_rep_who_took_that_long_after_a_handoff(path, rep, other_rep, dennis,
                                                                           monkeypatch):
    case = open_and_identify(rep, dennis, opened=T0, identified=T0 + 10 * H)
    with at(T0 + 11 * H):
        hand_over(case, rep, other_rep)
    on_path(path, monkeypatch)

    dashboard = board()

    assert row(dashboard, rep).median_in(Step.IDENTIFY) == 10 * H
    assert row(dashboard, other_rep).median_in(Step.IDENTIFY) is None
    assert dashboard.team.median_in(Step.IDENTIFY) == 10 * H


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_late_arrival_stays_with_the_rep_whose_estimate_it_missed_after_a_handoff(path, rep, other_rep, dennis,
                                                                                     monkeypatch):
    case = reach_deliver(planned_and_agreed(rep, dennis, T0), rep, T0 + 6 * H)  # the range ended at +5 h
    with at(T0 + 7 * H):
        hand_over(case, rep, other_rep)
    on_path(path, monkeypatch)

    dashboard = board()

    assert (row(dashboard, rep).eta_late, row(dashboard, other_rep).eta_late, dashboard.team.eta_late) == (1, 0, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_late_arrival_is_the_estimators_when_the_case_was_handed_on_after_the_estimate_broke(
        path, rep, other_rep, dennis, monkeypatch):
    """Found by a review: the verdict went to whoever delivered, so handing a case on once its estimate had
    broken cleaned the estimator's ETA honesty (their broken promise stayed theirs, the lateness did not)."""
    case = planned_and_agreed(rep, dennis, T0)  # the range ends at +5 h, held by the rep
    with at(T0 + 5 * H + H // 2):
        hand_over(case, rep, other_rep)
    case = reach_deliver(case, other_rep, T0 + 6 * H)
    on_path(path, monkeypatch)

    dashboard = board()

    assert case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.BROKEN).owner == rep
    assert (row(dashboard, rep).eta_late, row(dashboard, other_rep).eta_late, dashboard.team.eta_late) == (1, 0, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_an_outcome_stays_with_the_rep_who_resolved_the_case_after_a_later_reassignment(path, rep, other_rep,
                                                                                         supervisor, dennis,
                                                                                         monkeypatch):
    with at(T0):
        case = advance_to(open_case(rep, dennis, temperature=Mood.ANXIOUS), Step.DELIVER, rep)
        case = deliver(case, rep, mood=Mood.DELIGHTED)
    due = case.promises.get(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING).due_at
    with at(due - H):  # on the call's day: the promise kept
        services.follow_up_log(user=rep, case=case, note="Called back and the mail still flows")
    with at(due + 2 * H):
        case = services.case_reopen(user=rep, case=case, reason="The mail stopped again")
    with at(due + 3 * H):
        reassign(case, supervisor, other_rep)
    on_path(path, monkeypatch)

    dashboard = board()

    mine, theirs = row(dashboard, rep), row(dashboard, other_rep)
    assert (mine.resolved, mine.mood_cases, mine.anxious_to_joy, mine.follow_up_done) == (1, 1, 1, 1)
    assert (theirs.resolved, theirs.mood_cases, theirs.anxious_to_joy, theirs.follow_up_done) == (0, 0, 0, 0)
    assert dashboard.team.resolved == 1


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_reopen_counts_for_the_owner_then_and_an_override_for_the_owner_at_the_override(path, rep, other_rep,
                                                                                          supervisor, dennis,
                                                                                          monkeypatch):
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    with at(T0 + H):
        case = services.case_reopen(user=rep, case=case, reason="The mail stopped again")
    with at(T0 + 2 * H):
        reassign(case, supervisor, other_rep)
    with at(T0 + 3 * H):
        services.case_force_close(user=supervisor, case=case, reason="The client took the work elsewhere")
    on_path(path, monkeypatch)

    dashboard = board()

    mine, theirs = row(dashboard, rep), row(dashboard, other_rep)
    assert (mine.reopened, mine.closed_by_override) == (1, 0)
    assert (theirs.reopened, theirs.closed_by_override) == (0, 1)
    assert (dashboard.team.reopened, dashboard.team.closed_by_override) == (1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_case_reopened_twice_counts_twice_each_for_the_owner_then(path, rep, other_rep, supervisor, dennis,
                                                                    monkeypatch):
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    with at(T0 + H):
        case = services.case_reopen(user=rep, case=case, reason="The mail stopped again")
        reassign(case, supervisor, other_rep)
    with at(T0 + 2 * H):
        case = advance_to(case, Step.RESOLVED, other_rep)
    with at(T0 + 3 * H):
        services.case_reopen(user=other_rep, case=case, reason="And again on Monday")
    on_path(path, monkeypatch)

    dashboard = board()

    assert (row(dashboard, rep).reopened, row(dashboard, other_rep).reopened, dashboard.team.reopened) == (1, 1, 2)
    # Each resolution counts, for the owner then (cases/metrics/outcomes.py), and so does each reopen.
    assert (row(dashboard, rep).resolved, row(dashboard, other_rep).resolved, dashboard.team.resolved) == (1, 1, 2)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_an_opened_case_counts_for_the_rep_who_opened_it_after_a_handoff(path, rep, other_rep, dennis, monkeypatch):
    with at(T0):
        case = open_case(rep, dennis)
    with at(T0 + H):
        hand_over(case, rep, other_rep)
    on_path(path, monkeypatch)

    dashboard = board()

    assert (row(dashboard, rep).opened, row(dashboard, other_rep).opened, dashboard.team.opened) == (1, 0, 1)


def _mail_case(subject):
    from cases.services.client_mail import case_open_from_mail
    return case_open_from_mail(sender="priya@shop.example", sender_name="Priya", subject=subject,
                               text="Nobody can pay on our shop since this morning")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_case_opened_from_email_counts_as_opened_by_the_rep_who_claimed_it(path, rep, other_rep, monkeypatch):
    """The mail intake owns it until claimed (a placeholder, not a person): the claimer took it on."""
    from cases.services.client_mail import case_claim, mail_intake_user
    with at(T0):
        claimed = _mail_case("Checkout broken")
        _mail_case("Invoices missing")  # never claimed: stays on the intake row
    with at(T0 + H):
        case_claim(user=rep, case=claimed)
    with at(T0 + 2 * H):
        hand_over(claimed, rep, other_rep)
    on_path(path, monkeypatch)

    dashboard = board()

    intake = row(dashboard, mail_intake_user())
    assert (row(dashboard, rep).opened, row(dashboard, other_rep).opened, intake.opened) == (1, 0, 1)
    assert dashboard.team.opened == 2


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_past_windows_opened_stays_on_the_intake_when_the_case_is_claimed_after_it(path, rep, monkeypatch):
    """Found by an audit: a window that ended before the claim (a page drawn then, its CSV) later moved the
    opening to the rep: a past window's figures do not change."""
    from cases.services.client_mail import case_claim, mail_intake_user
    with at(T0):
        case = _mail_case("Checkout broken")
    with at(T0 + 5 * 24 * H):
        case_claim(user=rep, case=case)
    on_path(path, monkeypatch)

    past = metrics.team_dashboard(days=7, now=T0 + 2 * 24 * H)

    assert (row(past, mail_intake_user()).opened, past.team.opened) == (1, 1)
    assert rep not in [r.user for r in past.reps if r.measures.opened]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_case_opened_from_email_and_reassigned_unclaimed_counts_for_the_rep_it_went_to(path, rep, other_rep,
                                                                                       supervisor, monkeypatch):
    """Found by an audit: a supervisor's reassignment of an unclaimed case left its opening on the intake's
    row; the first rep it went to took it on, however it reached them."""
    from cases.services.client_mail import mail_intake_user
    with at(T0):
        reassigned = _mail_case("Checkout broken")
    with at(T0 + H):
        reassign(reassigned, supervisor, rep)
    with at(T0 + 2 * H):
        reassign(reassigned, supervisor, other_rep)
    on_path(path, monkeypatch)

    dashboard = board()

    assert (row(dashboard, rep).opened, row(dashboard, other_rep).opened) == (1, 0)
    assert row(dashboard, mail_intake_user()).opened == 0 and dashboard.team.opened == 1


@pytest.mark.django_db
def test_the_migration_gives_events_written_before_the_column_the_cases_owner(rep, other_rep, dennis):
    from django.apps import apps
    from django.db import connection

    owner_then = importlib.import_module("cases.migrations.0015_event_owner").owner_then
    with at(T0):
        case = open_case(rep, dennis)
    with at(T0 + H):
        hand_over(case, rep, other_rep)
    CaseEvent.objects.update(owner=None)

    with connection.schema_editor() as editor:
        owner_then(apps, editor)

    assert set(CaseEvent.objects.filter(case=case).values_list("owner_id", flat=True)) == {other_rep.pk}


@pytest.mark.django_db
def test_every_event_a_case_collects_on_its_way_carries_the_owner_then(rep, other_rep, dennis):
    """Every writer builds its events with CaseEvent.of: through a handoff, a broken promise swept, a
    resolution and a reopen, no event is left without an owner, and each names the owner of that moment."""
    from notifications.sweeps.promises import sweep_broken_promises
    case = planned_and_agreed(rep, dennis, T0)
    with at(T0 + H):
        hand_over(case, rep, other_rep)
    with at(T0 + 9 * H):
        sweep_broken_promises(now=T0 + 9 * H)
    case = reach_deliver(case, other_rep, T0 + 10 * H)
    with at(T0 + 11 * H):
        deliver(case, other_rep)

    events = CaseEvent.objects.filter(case=case)
    assert not events.filter(owner__isnull=True).exists()
    assert events.filter(verb="opened").get().owner == rep
    broken = events.filter(verb="promise broken")
    assert set(broken.filter(created_at__lt=T0 + H * 1.5).values_list("owner", flat=True)) == {rep.pk}  # at the handoff
    assert set(broken.filter(created_at=T0 + 9 * H).values_list("owner", flat=True)) == {other_rep.pk}  # the sweep
