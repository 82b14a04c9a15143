"""Every transition: the happy path, each guard refusing with its message, the permission refusing;
and every (state, transition) pair the recipe does not allow is refused and changes nothing."""
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, CaseEvent, Mood, Step
from cases.workflow import ALL_TRANSITIONS
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import CaseFactory

HAPPY = [
    (Step.IDENTIFY, "complete_identify", Step.ACKNOWLEDGE),
    (Step.ACKNOWLEDGE, "complete_acknowledge", Step.RECOMMIT),
    (Step.RECOMMIT, "complete_recommit", Step.GATHER),
    (Step.GATHER, "complete_gather", Step.PLAN),
    (Step.PLAN, "complete_plan", Step.MANAGE_ANXIETY),
    (Step.MANAGE_ANXIETY, "complete_manage_anxiety", Step.DELIVER),
    (Step.DELIVER, "complete_deliver", Step.RESOLVED),
]
ALLOWED = {(s, n) for s, n, _ in HAPPY} | {(Step.DELIVER, "loose_ends"), (Step.RESOLVED, "reopen")} | {
    (s, "force_close") for s in Step if s != Step.RESOLVED}


def _satisfy(case, step, rep):
    now = timezone.now()
    if step == Step.ACKNOWLEDGE:
        services.acknowledgement_record(user=rep, case=case, text="I hear how hard this is for you.")
    elif step == Step.RECOMMIT:
        services.recommitment_record(user=rep, case=case, text="We hold ourselves to a higher standard.")
    elif step == Step.GATHER:
        services.fact_add(user=rep, case=case, question="What happened to the site?",
                          answer="It stopped overnight without warning")
        services.case_set_root_problem(user=rep, case=case, root_problem="A bad upgrade broke the mail server")
    elif step == Step.PLAN:
        plan_ready(case, rep)
    elif step == Step.MANAGE_ANXIETY:
        for item in case.action_items.all():
            services.action_item_complete(user=rep, item=item)
    elif step == Step.DELIVER:
        services.delivery_record(user=rep, case=case, verified_with_client=True, client_satisfied=True,
                                 prevention_note="Rollback tested before each upgrade",
                                 follow_up_on=now.date() + dt.timedelta(days=3))
    case.refresh_from_db()
    return case


@pytest.mark.django_db
@pytest.mark.parametrize("source,name,target", HAPPY, ids=[n for _, n, _ in HAPPY])
def test_transition_happy_path_moves_the_case_and_records_it(source, name, target, rep, dennis):
    case = _satisfy(advance_to(open_case(rep, dennis), source, rep), source, rep)

    case = services.case_transition(user=rep, case=case, name=name)

    case.refresh_from_db()
    assert case.step == target
    event = CaseEvent.objects.filter(case=case, from_step=source, to_step=target).get()
    assert event.actor == rep and event.data["transition"] == name


@pytest.mark.django_db
@pytest.mark.parametrize("source,name,target", HAPPY, ids=[n for _, n, _ in HAPPY])
def test_transition_is_refused_to_a_rep_who_does_not_work_the_case(source, name, target, rep, other_rep, dennis):
    case = _satisfy(advance_to(open_case(rep, dennis), source, rep), source, rep)

    with pytest.raises(CaseRuleError, match="permission"):
        services.case_transition(user=other_rep, case=case, name=name)

    case.refresh_from_db()
    assert case.step == source


@pytest.mark.django_db
@pytest.mark.parametrize("source,name,target", HAPPY, ids=[n for _, n, _ in HAPPY])
def test_supervisor_may_move_any_case(source, name, target, rep, supervisor, dennis):
    case = _satisfy(advance_to(open_case(rep, dennis), source, rep), source, rep)

    services.case_transition(user=supervisor, case=case, name=name)

    case.refresh_from_db()
    assert case.step == target


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(Step), ids=[s.value for s in Step])
def test_transitions_the_recipe_does_not_allow_are_refused_and_change_nothing(state, rep, supervisor, dennis):
    case = _satisfy(advance_to(open_case(rep, dennis), state, rep), state, rep)
    before = Case.objects.filter(pk=case.pk).values().get()
    events_before = CaseEvent.objects.filter(case=case).count()
    refused = [n for n in ALL_TRANSITIONS if (state, n) not in ALLOWED]

    for name in refused:
        with pytest.raises(CaseRuleError, match="cannot be applied"):
            services.case_transition(user=supervisor, case=case, name=name, reason="forged")

    assert refused  # every state refuses something
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert CaseEvent.objects.filter(case=case).count() == events_before


@pytest.mark.django_db
def test_an_unknown_transition_name_is_refused(rep, dennis):
    case = open_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="not a step change"):
        services.case_transition(user=rep, case=case, name="delete")


# --- each guard clause ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_identify_needs_at_least_one_concern(rep, dennis):
    case = open_case(rep, dennis, concern=None)

    with pytest.raises(CaseRuleError, match="at least one concern"):
        services.case_transition(user=rep, case=case, name="complete_identify")


@pytest.mark.django_db
def test_identify_needs_each_concern_to_have_impact_and_feeling(rep, dennis):
    case = open_case(rep, dennis, concern={"description": "The site is down", "impact": "", "feeling": ""})

    with pytest.raises(CaseRuleError, match="affects the client's life or business") as exc:
        services.case_transition(user=rep, case=case, name="complete_identify")

    assert exc.value.gaps


@pytest.mark.django_db
def test_identify_needs_the_clients_temperature(rep, dennis):
    case = CaseFactory(owner=rep, client=dennis, temperature="")
    services.concern_add(user=rep, case=case, description="The site is down", impact="No orders are coming in",
                         feeling="Angry")

    with pytest.raises(CaseRuleError, match="emotional temperature"):
        services.case_transition(user=rep, case=case, name="complete_identify")


@pytest.mark.django_db
def test_acknowledge_needs_an_acknowledgement(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)

    with pytest.raises(CaseRuleError, match="acknowledged the concern"):
        services.case_transition(user=rep, case=case, name="complete_acknowledge")


@pytest.mark.django_db
def test_recommit_needs_a_recommitment(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.RECOMMIT, rep)

    with pytest.raises(CaseRuleError, match="recommitment"):
        services.case_transition(user=rep, case=case, name="complete_recommit")


@pytest.mark.django_db
def test_gather_needs_an_answered_question(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    services.fact_add(user=rep, case=case, question="When did it start?")
    services.case_set_root_problem(user=rep, case=case, root_problem="A bad upgrade broke the mail server")

    with pytest.raises(CaseRuleError, match="record the client's answer"):
        services.case_transition(user=rep, case=case, name="complete_gather")


@pytest.mark.django_db
def test_gather_needs_a_root_problem(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    services.fact_add(user=rep, case=case, question="When did it start?", answer="It started on Monday")

    with pytest.raises(CaseRuleError, match="root problem"):
        services.case_transition(user=rep, case=case, name="complete_gather")


@pytest.mark.django_db
def test_loose_ends_needs_a_reason_and_returns_to_plan(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)

    with pytest.raises(CaseRuleError, match="reason"):
        services.case_loose_ends(user=rep, case=case, reason="  ")
    case = services.case_loose_ends(user=rep, case=case, reason="Mail still bounces for one account")

    assert case.step == Step.PLAN


@pytest.mark.django_db
def test_reopen_needs_a_reason_and_returns_to_plan(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)

    with pytest.raises(CaseRuleError, match="reason"):
        services.case_reopen(user=rep, case=case, reason="")
    case = services.case_reopen(user=rep, case=case, reason="The site went down again")

    assert case.step == Step.PLAN and case.reopened_count == 1 and case.resolved_at is None


@pytest.mark.django_db
def test_reopen_asks_for_a_fresh_estimate_before_the_plan_can_be_agreed_again(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    case = services.case_reopen(user=rep, case=case, reason="Down again")
    services.action_item_create(user=rep, case=case, description="Look again", assignee=rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))

    with pytest.raises(CaseRuleError, match="estimate as a range"):
        services.case_transition(user=rep, case=case, name="complete_plan")


@pytest.mark.django_db
def test_force_close_is_for_supervisors_only_and_is_audited(rep, supervisor, dennis):
    case = open_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="permission"):
        services.case_force_close(user=rep, case=case, reason="Client gone")
    case = services.case_force_close(user=supervisor, case=case, reason="Client closed their business")

    assert case.step == Step.RESOLVED and case.closed_by_override
    assert CaseEvent.objects.filter(case=case, data__transition="force_close", note__contains="closed their").exists()


@pytest.mark.django_db
def test_the_page_can_list_only_the_transitions_whose_gate_is_met(rep, dennis):
    case = open_case(rep, dennis, concern={"description": "The site is down", "impact": "", "feeling": ""})

    assert services.available_transitions(case, rep) == []
    services.concern_update(user=rep, concern=case.concerns.get(), description="The site is down",
                            impact="No orders are coming in", feeling="Angry")
    case.refresh_from_db()
    assert services.available_transitions(case, rep) == ["complete_identify"]


@pytest.mark.django_db
def test_a_stale_page_cannot_complete_the_next_step_by_accident(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)
    services.acknowledgement_record(user=rep, case=case, text="I understand how stressful this is.")

    with pytest.raises(CaseRuleError, match="someone may have moved it first"):
        services.case_transition(user=rep, case=case, name="complete_identify")

    case.refresh_from_db()
    assert case.step == Step.ACKNOWLEDGE


@pytest.mark.django_db
def test_step_cannot_be_assigned_directly(rep, dennis):
    case = open_case(rep, dennis)

    with pytest.raises(AttributeError):
        case.step = Step.RESOLVED


@pytest.mark.django_db
def test_case_open_makes_the_opener_the_owner_with_a_reference(rep, dennis):
    case = services.case_open(user=rep, client=dennis, summary="Down", temperature=Mood.ANGRY)

    assert case.owner == rep
    assert case.reference == f"C-{case.pk:06d}"
    assert case.intake_temperature == Mood.ANGRY


@pytest.mark.django_db
def test_time_in_step_restarts_on_each_transition(rep, dennis):
    with time_machine.travel(dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.timezone.utc), tick=False):
        case = open_case(rep, dennis)
    with time_machine.travel(dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.timezone.utc), tick=False):
        case = services.case_transition(user=rep, case=case, name="complete_identify")

    assert case.step_entered_at == dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.timezone.utc)
