"""Escalations (by reps and by the system), handoffs accepted by the new owner, supervisor
reassignment, and the irate-client co-owner rule."""
import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import Escalation, EscalationReason, EscalationStatus, HandoffStatus, Mood, PromiseStatus, Step
from notifications.models import OutboxMessage
from tests.cases.helpers import advance_to, open_case


@pytest.mark.django_db
def test_a_rep_can_escalate_at_any_step_with_a_reason_and_supervisors_are_emailed(rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)

    escalation = services.escalation_raise(user=rep, case=case, reason=EscalationReason.LIABILITY,
                                           note="Client asks us to pay his lost orders")

    case.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN and case.open_escalation_count == 1
    assert case.owner == rep  # escalating never relieves the owner
    message = OutboxMessage.objects.get(kind="escalation_raised")
    assert message.to == [supervisor.email] and case.reference in message.subject


@pytest.mark.django_db
def test_an_escalation_needs_a_reason_a_rep_may_choose(rep, dennis):
    case = open_case(rep, dennis)

    with pytest.raises(CaseRuleError) as exc:
        services.escalation_raise(user=rep, case=case, reason=EscalationReason.BROKEN_PROMISE, note="x")

    assert exc.value.field == "reason"


@pytest.mark.django_db
def test_a_supervisors_second_take_keeps_the_first_moment_and_one_timeline_entry(rep, supervisor, dennis):
    case = open_case(rep, dennis)
    escalation = services.escalation_raise(user=rep, case=case, reason=EscalationReason.OTHER, note="Help")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        services.escalation_take(user=supervisor, escalation=escalation)
        taken_at = Escalation.objects.get(pk=escalation.pk).taken_at
        clock.shift(dt.timedelta(minutes=5))

        services.escalation_take(user=supervisor, escalation=escalation)  # a double click, a resend

    escalation.refresh_from_db()
    assert escalation.taken_at == taken_at and escalation.supervisor == supervisor
    assert case.events.filter(verb="escalation taken").count() == 1


@pytest.mark.django_db
def test_supervisor_takes_notes_and_resolves_an_escalation(rep, supervisor, dennis):
    case = open_case(rep, dennis)
    escalation = services.escalation_raise(user=rep, case=case, reason=EscalationReason.OTHER, note="Help")

    services.escalation_take(user=supervisor, escalation=escalation)
    services.escalation_add_note(user=supervisor, escalation=escalation, text="Called the client back")
    services.escalation_resolve(user=supervisor, escalation=escalation, resolution="Agreed a new plan")

    escalation.refresh_from_db()
    case.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED and escalation.supervisor == supervisor
    assert escalation.notes.count() == 1 and case.open_escalation_count == 0


@pytest.mark.django_db
def test_a_rep_cannot_work_the_escalation_queue(rep, dennis):
    case = open_case(rep, dennis)
    escalation = services.escalation_raise(user=rep, case=case, reason=EscalationReason.OTHER, note="Help")

    with pytest.raises(CaseRuleError, match="supervisors"):
        services.escalation_take(user=rep, escalation=escalation)


@pytest.mark.django_db
def test_a_system_escalation_is_not_opened_twice_for_the_same_promise(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    promise = case.promises.filter(status=PromiseStatus.PENDING).first()

    first = services.escalation_raise_system(case=case, reason=EscalationReason.BROKEN_PROMISE, note="x",
                                             promise=promise)
    second = services.escalation_raise_system(case=case, reason=EscalationReason.BROKEN_PROMISE, note="x",
                                              promise=promise)

    assert first is not None and second is None


@pytest.mark.django_db
def test_a_handoff_changes_owner_only_when_the_new_owner_accepts(rep, other_rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Going on leave")
    case.refresh_from_db()
    assert case.owner == rep

    services.handoff_accept(user=other_rep, handoff=handoff, client_informed=True)

    case.refresh_from_db()
    assert case.owner == other_rep
    assert rep in case.watchers.all()
    # the estimate, hours ahead, passes; the update due within the hour stays with the giver (promises.handover_cutoff)
    assert case.promises.get(kind="eta", status=PromiseStatus.PENDING).owner == other_rep
    assert OutboxMessage.objects.filter(kind="handoff_requested", to=[other_rep.email]).exists()


@pytest.mark.django_db
def test_a_handoff_needs_the_client_to_have_been_told(rep, other_rep, dennis):
    case = open_case(rep, dennis)
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="On leave tomorrow")

    with pytest.raises(CaseRuleError, match="client has been told") as exc:
        services.handoff_accept(user=other_rep, handoff=handoff, client_informed=False)

    assert exc.value.field == "client_informed"
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.REQUESTED


@pytest.mark.django_db
def test_only_the_receiving_rep_can_accept_a_handoff(rep, other_rep, supervisor, dennis):
    case = open_case(rep, dennis)
    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="On leave tomorrow")

    with pytest.raises(CaseRuleError, match="handed to"):
        services.handoff_accept(user=supervisor, handoff=handoff, client_informed=True)


@pytest.mark.django_db
def test_a_supervisor_can_reassign_directly_and_it_is_recorded(rep, other_rep, supervisor, dennis):
    case = open_case(rep, dennis)

    services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Rep off sick",
                           client_informed=True)

    case.refresh_from_db()
    assert case.owner == other_rep and rep in case.watchers.all()
    assert case.handoffs.get().by_supervisor == supervisor
    assert case.events.filter(verb="reassigned").exists()


@pytest.mark.django_db
def test_a_rep_cannot_reassign_directly(rep, other_rep, dennis):
    case = open_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="supervisor"):
        services.case_reassign(user=rep, case=case, to_user=other_rep, reason="x", client_informed=True)


@pytest.mark.django_db
def test_an_irate_client_adds_the_supervisor_as_co_owner_until_they_calm_down(rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.IRATE)
    assert case.co_owner == supervisor

    case = services.case_set_temperature(user=rep, case=case, temperature=Mood.UPSET)

    assert case.co_owner is None


@pytest.mark.django_db
def test_flagging_a_case_irate_adds_the_co_owner(rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.UPSET)

    case = services.case_flag_irate(user=rep, case=case, flagged=True, note="Shouting on the phone")

    assert case.co_owner == supervisor and case.is_irate


@pytest.mark.django_db
def test_the_co_owner_supervisor_may_work_the_case(rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.IRATE)

    case = services.case_transition(user=supervisor, case=case, name="complete_identify")

    assert case.step == Step.ACKNOWLEDGE


@pytest.mark.django_db
def test_a_rep_cannot_work_another_reps_case(rep, other_rep, dennis):
    case = open_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="not working on"):
        services.concern_add(user=other_rep, case=case, description="Invoices went missing too",
                             impact="Cash flow is tight", feeling="Worried")


@pytest.mark.django_db
@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_the_rep_a_handoff_is_offered_to_can_see_the_case_until_they_answer(rep, other_rep, dennis):
    from cases.selectors import can_view_case, visible_cases

    case = open_case(rep, dennis)
    assert not can_view_case(other_rep, case)

    handoff = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="On leave tomorrow")
    assert can_view_case(other_rep, case) and case in visible_cases(other_rep)

    services.handoff_decline(user=other_rep, handoff=handoff, note="Full queue")
    assert not can_view_case(other_rep, case)
