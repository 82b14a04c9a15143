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


# Found by a padding review: the concern with a word or two around it, twice, in markup or in look-alike
# letters, or retyped with typos, passed as the rep's own words.
PADDED = [f"Ok. {CONCERN}", f"{CONCERN} {CONCERN}", f"<p>{CONCERN}</p>", CONCERN.replace("e", "\u0435"),
          f"Ok fine {CONCERN.replace('overnight', 'overnigth').replace('business', 'busines')}",
          f"{CONCERN}. {IMPACT}", f"Noted: {IMPACT}"]
# Found by a later review: a filler every third word broke every run of four words, and the concern's words
# reversed, swapped or with some dropped had no run at all; accents on its letters made other words.
_W = CONCERN.split()
PADDED += [" ".join(w + (" um" if i % 3 == 2 else "") for i, w in enumerate(_W)),
           " ".join(w + (" so uh" if i % 2 else "") for i, w in enumerate(_W)),
           " ".join(reversed(_W)), " ".join(w for i, w in enumerate(_W) if i % 4 != 3),
           " ".join(_W[i ^ 1] for i in range(len(_W) - len(_W) % 2)),
           CONCERN.replace("e", "\u00e9").replace("a", "\u00e0")]


@pytest.mark.parametrize("text", [CONCERN, CONCERN.upper() + "!", CONCERN.replace("overnight", "overnigth"), IMPACT,
                                  *PADDED])
def test_the_clients_concern_pasted_is_not_an_acknowledgement(rep, dennis, text):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)

    with pytest.raises(CaseRuleError, match="own words") as refused:
        services.acknowledgement_record(user=rep, case=case, text=text)

    assert refused.value.field == "text" and not case.acknowledgements.exists()


@pytest.mark.parametrize("text", [OWN_WORDS, f"{OWN_WORDS}. You said: {CONCERN}",
                                  "I said we are sorry the website and business email have been down and we are on it"])
def test_an_acknowledgement_in_the_reps_own_words_is_taken_quoting_the_client_or_not(rep, dennis, text):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)

    services.acknowledgement_record(user=rep, case=case, text=text)

    assert case.acknowledgements.get().text == text


@pytest.mark.parametrize("text", [CONCERN, IMPACT, OWN_WORDS, f"Ok then. {OWN_WORDS}", *PADDED])
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

    for answer in (question, f"Yes ok. {question}"):
        with pytest.raises(CaseRuleError, match="question again"):
            services.fact_add(user=rep, case=case, question=question, answer=answer)
    fact = services.fact_add(user=rep, case=case, question=question)
    with pytest.raises(CaseRuleError, match="question again"):
        services.fact_answer(user=rep, fact=fact, answer=question.lower())

    fact.refresh_from_db()
    assert fact.answer == ""


def test_an_impact_that_is_the_description_again_is_refused_beside_it_at_intake_and_on_edit(rep, dennis):
    for impact in (CONCERN.lower() + ".", f"{CONCERN}, ok ok"):
        with pytest.raises(CaseRuleError, match="description again") as refused:
            services.case_open(user=rep, client=dennis, summary="Site down", temperature="anxious",
                               concern={**DENNIS_CONCERN, "impact": impact})
        assert refused.value.field == "impact"
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


def test_a_concern_cannot_be_reworded_into_what_an_acknowledgement_already_says(rep, dennis):
    """Found by a padding review: acknowledge in the client's words while the concern says something else,
    then edit the concern (or add one) to those words: the acknowledgement would be a copy the gate counts."""
    case = open_case(rep, dennis)
    concern = case.concerns.get()
    services.concern_update(user=rep, concern=concern, description="Mail to the shop bounces for every customer",
                            impact=IMPACT, feeling="Worried")
    case = advance_to(case, Step.ACKNOWLEDGE, rep)
    services.acknowledgement_record(user=rep, case=case, text=f"Ok. {CONCERN}")

    with pytest.raises(CaseRuleError, match="acknowledgement on this case says this") as refused:
        services.concern_update(user=rep, concern=concern, **DENNIS_CONCERN)
    assert refused.value.field == "description"
    with pytest.raises(CaseRuleError, match="acknowledgement on this case says this"):
        services.concern_add(user=rep, case=case, **DENNIS_CONCERN)

    concern.refresh_from_db()
    assert concern.description == "Mail to the shop bounces for every customer" and case.concerns.count() == 1
