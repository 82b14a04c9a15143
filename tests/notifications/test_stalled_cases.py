"""Sweep 5, stalled cases: a case that sits in steps 1-5 longer than STALLED_CASE_HOURS is flagged
to the supervisors once, with a system escalation (reason: stalled)."""
import pytest
from django.test import override_settings

from cases import services
from cases.models import Case, Escalation, EscalationReason, Step
from notifications.models import OutboxMessage
from notifications.sweeps import sweep_stalled_cases
from tests.cases.helpers import advance_to, open_case
from tests.notifications.conftest import HOUR, MIN, T0, at


def _case_in(step, rep, client):
    with at(T0):
        return advance_to(open_case(rep, client), step, rep)


@pytest.mark.django_db
def test_a_case_stuck_in_gather_past_the_limit_is_flagged_escalated_and_told(rep, supervisor, dennis):
    case = _case_in(Step.GATHER, rep, dennis)

    with at(T0 + 24 * HOUR + MIN):
        done = sweep_stalled_cases()

    assert done == 1
    case.refresh_from_db()
    assert case.stalled_flagged_at == T0 + 24 * HOUR + MIN
    escalation = Escalation.objects.get(case=case)
    assert escalation.reason == EscalationReason.STALLED and escalation.raised_by_system
    row = OutboxMessage.objects.get(kind="case_stalled")
    assert row.to == [supervisor.email]
    assert row.subject == f"{case.reference} has stalled in step 4 (Gather information) for 24 hours"
    assert f"/cases/{case.reference}/" in row.body_text


@pytest.mark.django_db
def test_a_case_within_the_limit_is_not_flagged(rep, dennis):
    _case_in(Step.IDENTIFY, rep, dennis)

    with at(T0 + 23 * HOUR + 59 * MIN):
        done = sweep_stalled_cases()

    assert done == 0


@pytest.mark.django_db
@override_settings(STALLED_CASE_HOURS=4)
def test_the_limit_is_a_setting(rep, dennis):
    _case_in(Step.IDENTIFY, rep, dennis)

    with at(T0 + 4 * HOUR):
        done = sweep_stalled_cases()

    assert done == 1


@pytest.mark.django_db
def test_a_case_that_is_acting_is_never_stalled(rep, dennis):
    _case_in(Step.MANAGE_ANXIETY, rep, dennis)

    with at(T0 + 72 * HOUR):
        done = sweep_stalled_cases()

    assert done == 0


@pytest.mark.django_db
def test_stalled_run_twice_or_later_flags_once(rep, dennis):
    case = _case_in(Step.ACKNOWLEDGE, rep, dennis)

    with at(T0 + 25 * HOUR):
        first, second = sweep_stalled_cases(), sweep_stalled_cases()
    with at(T0 + 50 * HOUR):
        later = sweep_stalled_cases()

    assert (first, second, later) == (1, 0, 0)
    assert Escalation.objects.filter(case=case).count() == 1
    assert OutboxMessage.objects.filter(kind="case_stalled").count() == 1


@pytest.mark.django_db
def test_a_case_that_moves_on_and_stalls_again_is_flagged_again(rep, supervisor, dennis):
    case = _case_in(Step.ACKNOWLEDGE, rep, dennis)
    with at(T0 + 25 * HOUR):
        sweep_stalled_cases()
        escalation = Escalation.objects.get(case=case)
        services.escalation_resolve(user=supervisor, escalation=escalation, resolution="Spoke to Fran")
        services.acknowledgement_record(user=rep, case=case, text="I hear you: orders have stopped.")
        case = services.case_transition(user=rep, case=Case.objects.get(pk=case.pk), name="complete_acknowledge")
    assert case.stalled_flagged_at is None

    with at(T0 + 50 * HOUR):
        done = sweep_stalled_cases()

    assert done == 1
    assert OutboxMessage.objects.filter(kind="case_stalled").count() == 2
    assert Escalation.objects.filter(case=case, reason=EscalationReason.STALLED).count() == 2


def _hand(case, giver, taker):
    offered = services.handoff_request(user=giver, case=case, to_user=taker, reason="Away for the rest of the week")
    services.handoff_accept(user=taker, handoff=offered, client_informed=True)


@pytest.mark.django_db
def test_a_stall_seen_a_minute_after_a_handoff_counts_for_the_rep_who_let_the_case_sit(rep, teammate, dennis):
    """The rep sat on the case 23 h 50 min and handed it on; the sweep sees the stall a minute later."""
    taker = teammate
    case = _case_in(Step.GATHER, rep, dennis)
    with at(T0 + 23 * HOUR + 50 * MIN):
        _hand(case, rep, taker)

    with at(T0 + 24 * HOUR + MIN):
        assert sweep_stalled_cases() == 1

    assert Escalation.objects.get(case=case, reason=EscalationReason.STALLED).case_owner == rep


@pytest.mark.django_db
def test_a_stall_counts_for_the_teammate_who_held_the_case_longest(rep, teammate, dennis):
    taker = teammate
    case = _case_in(Step.GATHER, rep, dennis)
    with at(T0 + 2 * HOUR):
        _hand(case, rep, taker)
    with at(T0 + 20 * HOUR):
        _hand(case, taker, rep)  # back to the rep for the last four hours

    with at(T0 + 24 * HOUR + MIN):
        assert sweep_stalled_cases() == 1

    assert Escalation.objects.get(case=case, reason=EscalationReason.STALLED).case_owner == taker
