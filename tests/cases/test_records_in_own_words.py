"""An acknowledgement is what the rep said, in their words (RECIPE "Substance"): the client's concern
pasted in (or retyped with a typo fixed) is not one; nor is a recommitment that repeats the concern or
the acknowledgement, nor an answer that is the question again (found by review). The concern is its
description and its impact: either pasted is a copy, and an impact that is the description again says
nothing of how the client is affected (found by a padding review)."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Step
from tests.cases.helpers import DENNIS_CONCERN, advance_to, open_case

pytestmark = pytest.mark.django_db

CONCERN = DENNIS_CONCERN["description"]
IMPACT = DENNIS_CONCERN["impact"]
OWN_WORDS = "I told Dennis I understand his shop has been cut off since the upgrade and how much that costs him"


@pytest.mark.parametrize("text", [CONCERN, CONCERN.upper() + "!", CONCERN.replace("overnight", "overnigth"), IMPACT])
def test_the_clients_concern_pasted_is_not_an_acknowledgement(rep, dennis, text):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)

    with pytest.raises(CaseRuleError, match="own words") as refused:
        services.acknowledgement_record(user=rep, case=case, text=text)

    assert refused.value.field == "text" and not case.acknowledgements.exists()


def test_an_acknowledgement_in_the_reps_own_words_is_taken(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)

    services.acknowledgement_record(user=rep, case=case, text=OWN_WORDS)

    assert case.acknowledgements.get().text == OWN_WORDS


@pytest.mark.parametrize("text", [CONCERN, IMPACT, OWN_WORDS])
def test_a_recommitment_that_repeats_the_concern_or_the_acknowledgement_is_refused(rep, dennis, text):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)
    services.acknowledgement_record(user=rep, case=case, text=OWN_WORDS)
    case = services.case_transition(user=rep, case=case, name="complete_acknowledge")

    with pytest.raises(CaseRuleError, match="own words"):
        services.recommitment_record(user=rep, case=case, text=text)

    assert not case.recommitments.exists()


def test_an_answer_that_is_the_question_again_is_refused(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    question = "When did the site last work for your customers?"

    with pytest.raises(CaseRuleError, match="question again"):
        services.fact_add(user=rep, case=case, question=question, answer=question)
    fact = services.fact_add(user=rep, case=case, question=question)
    with pytest.raises(CaseRuleError, match="question again"):
        services.fact_answer(user=rep, fact=fact, answer=question.lower())

    fact.refresh_from_db()
    assert fact.answer == ""


def test_an_impact_that_is_the_description_again_is_refused_beside_it_at_intake_and_on_edit(rep, dennis):
    again = {**DENNIS_CONCERN, "impact": CONCERN.lower() + "."}
    with pytest.raises(CaseRuleError, match="description again") as refused:
        services.case_open(user=rep, client=dennis, summary="Site down", temperature="anxious", concern=again)
    assert refused.value.field == "impact"

    case = open_case(rep, dennis)
    concern = case.concerns.get()
    with pytest.raises(CaseRuleError, match="description again"):
        services.concern_update(user=rep, concern=concern, **again)

    concern.refresh_from_db()
    assert concern.impact == IMPACT
