"""Two people advancing one case at the same moment, on two real database connections: exactly one
wins, the other gets a clear error, and nothing is lost."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, CaseEvent, Step
from tests.cases.helpers import advance_to, open_case, race


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_completions_of_one_step_let_exactly_one_win(rep, supervisor, dennis):
    case = open_case(rep, dennis)
    rep_view, supervisor_view = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)

    results = race([
        lambda: services.case_transition(user=rep, case=rep_view, name="complete_identify"),
        lambda: services.case_transition(user=supervisor, case=supervisor_view, name="complete_identify"),
    ])

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, CaseRuleError) and "someone may have moved it first" in error.message
    assert Case.objects.get(pk=case.pk).step == Step.ACKNOWLEDGE
    assert CaseEvent.objects.filter(case=case, data__transition="complete_identify").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_record_written_during_a_concurrent_transition_is_not_lost(rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)
    services.acknowledgement_record(user=rep, case=case, text="I hear you.")

    results = race([
        lambda: services.case_transition(user=rep, case=Case.objects.get(pk=case.pk), name="complete_acknowledge"),
        lambda: services.concern_add(user=supervisor, case=Case.objects.get(pk=case.pk),
                                     description="Invoices failed too",
                                     impact="Cash flow is stuck until invoices go out", feeling="Worried"),
    ])

    assert [kind for kind, _ in results] == ["ok", "ok"]
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.step == Step.RECOMMIT
    assert fresh.concern_count == 2


@pytest.mark.django_db(transaction=True)
def test_an_unlocked_stale_save_is_caught_by_the_concurrent_transition_guard(rep, dennis):
    from django_fsm import ConcurrentTransition

    case = open_case(rep, dennis)
    stale = Case.objects.get(pk=case.pk)
    services.case_transition(user=rep, case=case, name="complete_identify")

    stale.complete_identify()
    with pytest.raises(ConcurrentTransition):
        stale.save()

    assert Case.objects.get(pk=case.pk).step == Step.ACKNOWLEDGE
