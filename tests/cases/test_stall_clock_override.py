"""A supervisor's override pauses the stalled-case clock and a reopen into the step it closed the case from
resumes it (Case.stall_clock_from): the time the case sat in the step before the override counts, the time it
was closed does not. Found by a review: an override and an immediate reopen restarted the clock of a case
about to be flagged as stalled, so the stall was never escalated nor counted."""
import datetime as dt

import pytest
import time_machine

from cases import services
from cases.models import Case, Escalation, EscalationReason, Step
from notifications.sweeps import sweep_stalled_cases
from tests.cases.helpers import advance_to, open_case

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def _stalls(case):
    return Escalation.objects.filter(case=case, reason=EscalationReason.STALLED).order_by("created_at", "id")


def _override_and_reopen(case, supervisor, rep, *, closed_at, reopened_at):
    with at(closed_at):
        case = services.case_force_close(user=supervisor, case=Case.objects.get(pk=case.pk),
                                         reason="The client withdrew the complaint by phone")
    with at(reopened_at):
        return services.case_reopen(user=rep, case=Case.objects.get(pk=case.pk),
                                    reason="The client called back with the same fault")


def _hand_over(case, rep, other_rep, when):
    with at(when):
        handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Away for the week")
        services.handoff_accept(user=other_rep, handoff=handoff, client_informed=True)


@pytest.mark.django_db
def test_an_override_and_an_immediate_reopen_do_not_restart_the_stall_clock(rep, supervisor, dennis):
    with at(T0):
        case = open_case(rep, dennis)
    case = _override_and_reopen(case, supervisor, rep, closed_at=T0 + 20 * HOUR, reopened_at=T0 + 20 * HOUR + MIN)
    assert case.step == Step.IDENTIFY

    with at(T0 + 24 * HOUR):  # 23 h 59 min in identify, not counting the minute it was closed
        early = sweep_stalled_cases()
    with at(T0 + 24 * HOUR + 2 * MIN):
        done = sweep_stalled_cases()

    assert (early, done) == (0, 1)
    stall = _stalls(case).get()
    assert stall.stay_entered_at == T0 + 20 * HOUR + MIN  # the stay after the reopen is the one escalated
    assert "after 24 h" in stall.note


@pytest.mark.django_db
def test_the_time_a_case_was_closed_does_not_count_towards_its_stall(rep, supervisor, dennis):
    with at(T0):
        case = open_case(rep, dennis)
    reopened = T0 + 100 * HOUR
    _override_and_reopen(case, supervisor, rep, closed_at=T0 + 2 * HOUR, reopened_at=reopened)

    with at(reopened + 21 * HOUR):
        early = sweep_stalled_cases()
    with at(reopened + 22 * HOUR + MIN):
        done = sweep_stalled_cases()

    assert (early, done) == (0, 1)


@pytest.mark.django_db
def test_a_stay_already_flagged_as_stalled_is_not_flagged_again_at_once_after_a_reopen(rep, supervisor, dennis):
    with at(T0):
        case = open_case(rep, dennis)
    with at(T0 + 25 * HOUR):
        assert sweep_stalled_cases() == 1  # the stall before the override: escalated and counted
    reopened = T0 + 26 * HOUR
    _override_and_reopen(case, supervisor, rep, closed_at=T0 + 25 * HOUR + MIN, reopened_at=reopened)

    with at(reopened + 23 * HOUR):
        early = sweep_stalled_cases()
    with at(reopened + 24 * HOUR + MIN):
        done = sweep_stalled_cases()

    assert (early, done) == (0, 1)
    assert [e.stay_entered_at for e in _stalls(case)] == [T0, reopened]


@pytest.mark.django_db
def test_a_reopen_into_another_step_than_the_override_closed_from_starts_a_clock_of_its_own(
        rep, supervisor, dennis):
    with at(T0):
        case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    with at(T0 + 20 * HOUR):
        case = advance_to(Case.objects.get(pk=case.pk), Step.MANAGE_ANXIETY, rep)  # acting: not watched
    reopened = T0 + 40 * HOUR
    case = _override_and_reopen(case, supervisor, rep, closed_at=T0 + 39 * HOUR, reopened_at=reopened)
    assert case.step == Step.PLAN

    with at(reopened + 23 * HOUR):
        early = sweep_stalled_cases()
    with at(reopened + 24 * HOUR + MIN):
        done = sweep_stalled_cases()

    assert (early, done) == (0, 1)


@pytest.mark.django_db
def test_a_stall_carried_over_an_override_is_counted_for_the_rep_who_let_the_case_sit(
        rep, other_rep, supervisor, dennis):
    """Found by an audit: the rep who held the case 20 hours before the override, not the one who took it on
    after the reopen, is the one it stalled with (cases.services.held.longest_holder)."""
    with at(T0):
        case = open_case(rep, dennis)
    case = _override_and_reopen(case, supervisor, rep, closed_at=T0 + 20 * HOUR, reopened_at=T0 + 20 * HOUR + MIN)
    _hand_over(case, rep, other_rep, T0 + 21 * HOUR)

    with at(T0 + 24 * HOUR + 2 * MIN):
        assert sweep_stalled_cases() == 1

    stall = _stalls(case).get()
    assert stall.case_owner == rep  # 21 hours in identify, against other_rep's 3
    assert Case.objects.get(pk=case.pk).owner == other_rep


@pytest.mark.django_db
def test_the_rep_who_took_a_case_on_after_an_earlier_stall_was_counted_is_counted_for_the_next_one(
        rep, other_rep, supervisor, dennis):
    """The stay flagged before the override was escalated and counted for its holder; the reopen starts a
    clock of its own, and only the time after it is weighed."""
    with at(T0):
        case = open_case(rep, dennis)
    with at(T0 + 25 * HOUR):
        assert sweep_stalled_cases() == 1
    reopened = T0 + 26 * HOUR
    case = _override_and_reopen(case, supervisor, rep, closed_at=T0 + 25 * HOUR + MIN, reopened_at=reopened)
    _hand_over(case, rep, other_rep, reopened + HOUR)

    with at(reopened + 24 * HOUR + MIN):
        assert sweep_stalled_cases() == 1

    first, second = _stalls(case)
    assert (first.case_owner, second.case_owner) == (rep, other_rep)


@pytest.mark.django_db
def test_a_clock_carried_over_two_overrides_weighs_only_the_stays_since_the_last_stall_counted(
        rep, other_rep, supervisor, dennis):
    with at(T0):
        case = open_case(rep, dennis)
    with at(T0 + 25 * HOUR):
        assert sweep_stalled_cases() == 1  # the first stay: escalated and counted for rep
    case = _override_and_reopen(case, supervisor, rep, closed_at=T0 + 25 * HOUR + MIN, reopened_at=T0 + 26 * HOUR)
    case = _override_and_reopen(case, supervisor, rep, closed_at=T0 + 30 * HOUR, reopened_at=T0 + 30 * HOUR + MIN)
    _hand_over(case, rep, other_rep, T0 + 31 * HOUR)

    with at(T0 + 50 * HOUR):  # 4 h before the second override and 19 h 59 min since the reopen
        early = sweep_stalled_cases()
    with at(T0 + 50 * HOUR + 2 * MIN):
        done = sweep_stalled_cases()

    assert (early, done) == (0, 1)
    first, second = _stalls(case)
    assert (first.case_owner, second.case_owner) == (rep, other_rep)  # 19 h against rep's 4 h 59 min
