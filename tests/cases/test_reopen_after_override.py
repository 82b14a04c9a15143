"""Reopening a case a supervisor's override closed before plan returns it to the step it was closed from
(RECIPE: "No step may be skipped"; recommit "must come after acknowledging and before any action"; "A
force-closed case shows its unmet steps as skipped, never as done"). A case resolved normally, or
force-closed from plan on, reopens to plan. The rule is cases.workflow.Transition.target_for, applied by
the FSM transition itself, so the service, the case page and the admin all get it."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, CaseEvent, ItemKind, Step
from cases.workflow import Transition
from tests.cases.helpers import advance_to, meet_gate, open_case
from tests.cases.views_support import local, page_of, url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CLOSE = "Duplicate of a case logged by phone"
REOPEN = "The client called back: it is not a duplicate"


def _force_closed_in(step, rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), step, rep)
    return services.case_force_close(user=supervisor, case=case, reason=CLOSE)


def _add_item(rep, case):
    return services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                       kind=ItemKind.FIX, assignee=rep, due_at=timezone.now() + dt.timedelta(hours=2))


def _stepper(html):
    start = html.index('<ol class="stepper')
    return html[start:html.index("</ol>", start)]


# --- The service --------------------------------------------------------------------------------
def test_a_case_force_closed_in_identify_reopens_in_identify(rep, supervisor, dennis):
    case = _force_closed_in(Step.IDENTIFY, rep, supervisor, dennis)

    case = services.case_reopen(user=rep, case=case, reason=REOPEN)

    assert Case.objects.get(pk=case.pk).step == Step.IDENTIFY
    event = CaseEvent.objects.get(case=case, data__transition=Transition.REOPEN.method)
    assert (event.from_step, event.to_step) == (Step.RESOLVED, Step.IDENTIFY)
    assert case.closed_from_step == "" and not case.closed_by_override and case.reopened_count == 1


def test_a_case_reopened_in_identify_cannot_get_an_action_item(rep, supervisor, dennis):
    case = services.case_reopen(user=rep, case=_force_closed_in(Step.IDENTIFY, rep, supervisor, dennis),
                                reason=REOPEN)

    with pytest.raises(CaseRuleError):
        _add_item(rep, case)

    assert not case.action_items.exists()


def test_a_case_reopened_in_identify_must_acknowledge_and_recommit_before_it_can_act(rep, supervisor, dennis):
    case = services.case_reopen(user=rep, case=_force_closed_in(Step.IDENTIFY, rep, supervisor, dennis),
                                reason=REOPEN)
    case = services.case_transition(user=rep, case=case, name=Transition.COMPLETE_IDENTIFY.method)

    with pytest.raises(CaseRuleError) as no_ack:
        services.case_transition(user=rep, case=case, name=Transition.COMPLETE_ACKNOWLEDGE.method)
    case = services.case_transition(user=rep, case=meet_gate(case, rep), name=Transition.COMPLETE_ACKNOWLEDGE.method)
    with pytest.raises(CaseRuleError) as no_recommit:
        services.case_transition(user=rep, case=case, name=Transition.COMPLETE_RECOMMIT.method)
    case = services.case_transition(user=rep, case=meet_gate(case, rep), name=Transition.COMPLETE_RECOMMIT.method)
    with pytest.raises(CaseRuleError) as no_facts:
        services.case_transition(user=rep, case=case, name=Transition.COMPLETE_GATHER.method)

    assert "acknowledged" in no_ack.value.message and "recommitment" in no_recommit.value.message
    assert "root problem" in no_facts.value.message
    assert Case.objects.get(pk=case.pk).step == Step.GATHER and not case.action_items.exists()


def test_a_case_force_closed_in_gather_reopens_in_gather_and_asks_for_the_gather_gate(rep, supervisor, dennis):
    case = _force_closed_in(Step.GATHER, rep, supervisor, dennis)

    case = services.case_reopen(user=rep, case=case, reason=REOPEN)

    assert case.step == Step.GATHER
    with pytest.raises(CaseRuleError):
        _add_item(rep, case)
    with pytest.raises(CaseRuleError):
        services.case_transition(user=rep, case=case, name=Transition.COMPLETE_GATHER.method)


def test_a_case_reopened_in_gather_reaches_plan_once_the_gather_gate_is_met(rep, supervisor, dennis):
    case = services.case_reopen(user=rep, case=_force_closed_in(Step.GATHER, rep, supervisor, dennis),
                                reason=REOPEN)

    case = services.case_transition(user=rep, case=meet_gate(case, rep), name=Transition.COMPLETE_GATHER.method)

    assert case.step == Step.PLAN
    assert _add_item(rep, case).case_id == case.pk


@pytest.mark.parametrize("step", [Step.PLAN, Step.MANAGE_ANXIETY, Step.DELIVER], ids=lambda s: s.value)
def test_a_case_force_closed_from_plan_on_reopens_in_plan(step, rep, supervisor, dennis):
    case = _force_closed_in(step, rep, supervisor, dennis)

    case = services.case_reopen(user=rep, case=case, reason=REOPEN)

    assert Case.objects.get(pk=case.pk).step == Step.PLAN


def test_a_case_resolved_through_every_step_reopens_in_plan(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)

    case = services.case_reopen(user=rep, case=case, reason=REOPEN)

    assert Case.objects.get(pk=case.pk).step == Step.PLAN
    assert CaseEvent.objects.get(case=case, data__transition=Transition.REOPEN.method).to_step == Step.PLAN


def test_a_case_force_closed_reopened_and_resolved_normally_reopens_in_plan_the_next_time(rep, supervisor, dennis):
    case = services.case_reopen(user=rep, case=_force_closed_in(Step.RECOMMIT, rep, supervisor, dennis),
                                reason=REOPEN)
    case = advance_to(case, Step.RESOLVED, rep)

    case = services.case_reopen(user=rep, case=case, reason="The mail stopped again overnight")

    assert case.step == Step.PLAN


def test_the_workflow_declares_every_step_reopen_may_lead_to():
    assert Transition.REOPEN.targets == (Step.IDENTIFY, Step.ACKNOWLEDGE, Step.RECOMMIT, Step.GATHER, Step.PLAN)
    assert Transition.LOOSE_ENDS.targets == (Step.PLAN,)


# --- The case page ------------------------------------------------------------------------------
def test_the_page_reopens_a_case_force_closed_in_identify_in_identify(rep_client, rep, supervisor, dennis):
    case = _force_closed_in(Step.IDENTIFY, rep, supervisor, dennis)

    response = rep_client.post(url("move", case), {"name": "reopen", "reason": REOPEN})

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).step == Step.IDENTIFY


def test_the_page_refuses_an_action_item_on_a_case_reopened_in_identify(rep_client, rep, supervisor, dennis):
    case = _force_closed_in(Step.IDENTIFY, rep, supervisor, dennis)
    rep_client.post(url("move", case), {"name": "reopen", "reason": REOPEN})

    response = rep_client.post(url("item_add", case), {"description": "Restore the mail server from backup",
                                                       "kind": "fix", "assignee": rep.pk,
                                                       "due_at": local(dt.timedelta(hours=2))})

    assert response.status_code in (403, 422)
    assert not case.action_items.exists()


def test_the_page_reopens_a_case_force_closed_in_gather_in_gather(rep_client, rep, supervisor, dennis):
    case = _force_closed_in(Step.GATHER, rep, supervisor, dennis)

    rep_client.post(url("move", case), {"name": "reopen", "reason": REOPEN})

    assert Case.objects.get(pk=case.pk).step == Step.GATHER


def test_the_page_reopens_a_case_force_closed_in_manage_anxiety_in_plan(rep_client, rep, supervisor, dennis):
    case = _force_closed_in(Step.MANAGE_ANXIETY, rep, supervisor, dennis)

    rep_client.post(url("move", case), {"name": "reopen", "reason": REOPEN})

    assert Case.objects.get(pk=case.pk).step == Step.PLAN


def test_the_page_reopens_a_resolved_case_in_plan(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)

    rep_client.post(url("move", case), {"name": "reopen", "reason": REOPEN})

    assert Case.objects.get(pk=case.pk).step == Step.PLAN


def test_a_case_reopened_in_identify_shows_no_step_done_or_skipped(rep_client, rep, supervisor, dennis):
    case = _force_closed_in(Step.IDENTIFY, rep, supervisor, dennis)
    rep_client.post(url("move", case), {"name": "reopen", "reason": REOPEN})

    stepper = _stepper(rep_client.get(page_of(case)).content.decode())

    assert stepper.count("is-done") == 0 and stepper.count("is-skipped") == 0
    assert stepper.count("is-current") == 1 and stepper.count("is-todo") == 6


def test_a_case_reopened_in_gather_shows_the_steps_it_walked_done_and_the_rest_to_come(rep_client, rep, supervisor,
                                                                                        dennis):
    case = _force_closed_in(Step.GATHER, rep, supervisor, dennis)
    rep_client.post(url("move", case), {"name": "reopen", "reason": REOPEN})

    stepper = _stepper(rep_client.get(page_of(case)).content.decode())

    assert stepper.count("is-done") == 3 and stepper.count("is-skipped") == 0
    assert 'aria-label="Step 4 of 7' in stepper


# --- The admin ----------------------------------------------------------------------------------
def test_the_admin_offers_no_reopen_and_its_step_actions_keep_a_reopened_case_in_its_step(client, rep, supervisor,
                                                                                          dennis):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    case = services.case_reopen(user=rep, case=_force_closed_in(Step.IDENTIFY, rep, supervisor, dennis),
                                reason=REOPEN)
    changelist = reverse("admin:cases_case_changelist")

    offered = client.get(changelist).content.decode()
    for name in ("complete_acknowledge", "complete_recommit", "complete_gather", "complete_plan"):
        client.post(changelist, {"action": f"action_{name}", "_selected_action": [case.pk]})

    assert "action_reopen" not in offered
    assert Case.objects.get(pk=case.pk).step == Step.IDENTIFY
