"""The own-words checks refuse a copy, not an honest record that shares the words it must (found by a
review): a new concern that shares everyday words with the acknowledgement, an answer that picks one side of
the question's either/or, and a sentence in Thai, Lao, Khmer or Myanmar, which are written without spaces."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Step
from tests.cases.helpers import DENNIS_CONCERN, advance_to, open_case
from tests.cases.views_support import url

pytestmark = pytest.mark.django_db

# The acknowledgement the helpers record: "I hear you: your orders have stopped and payroll is close."
NEW_CONCERN = {"description": "You closed my ticket and your team stopped answering",
               "impact": "We lost a whole day of sales on the busiest week", "feeling": "Let down"}
QUESTION = "Does the payroll export fail for every employee or only some?"
ONE_SIDE = "It fails for every employee, not only some"


# --- A concern that surfaces in gather ------------------------------------------------------------
def test_a_new_concern_sharing_everyday_words_with_the_acknowledgement_is_added(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)

    services.concern_add(user=rep, case=case, **NEW_CONCERN)

    assert case.concerns.filter(description=NEW_CONCERN["description"]).exists()


def test_a_new_concern_posted_on_the_page_in_gather_is_added(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)

    response = rep_client.post(url("concern_add", case), NEW_CONCERN)

    assert response.status_code == 302
    assert case.concerns.count() == 2


def test_checking_the_notes_after_a_concern_reads_each_table_once_however_many_concerns(rep, dennis):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.services.steps import ensure_notes_stay_own

    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    services.recommitment_record(user=rep, case=case, text="The team will restore the order feed before noon")

    counted = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            ensure_notes_stay_own(case)
        counted.append(len(queries))
        for i in range(5):
            services.concern_add(user=rep, case=case, description=f"Supplier portal {i} rejects every invoice",
                                 impact="Month-end closing cannot start on time", feeling="Worried")

    assert counted[0] == counted[1] == 3  # acknowledgements, recommitments, concerns


def test_a_concern_reworded_to_the_acknowledgement_and_more_is_still_refused(rep, dennis):
    """The note must not become a copy of the concern: the note's words with new words around them (the
    concern not a copy of the note, the note a copy of the concern) are refused like the note pasted."""
    case = open_case(rep, dennis)
    concern = case.concerns.get()
    case = advance_to(case, Step.ACKNOWLEDGE, rep)
    services.acknowledgement_record(user=rep, case=case, text="Ok. Mail to the shop bounces for every customer")
    padded = {**DENNIS_CONCERN, "description": "Mail to the shop bounces for every customer since the host upgraded"}

    with pytest.raises(CaseRuleError, match="acknowledgement on this case says this"):
        services.concern_update(user=rep, concern=concern, **padded)

    concern.refresh_from_db()
    assert concern.description == DENNIS_CONCERN["description"]


# --- An answer that picks one side of the question -------------------------------------------------
def test_an_answer_that_picks_one_side_of_an_either_or_question_is_recorded(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)

    fact = services.fact_add(user=rep, case=case, question=QUESTION, answer=ONE_SIDE)

    assert fact.answer == ONE_SIDE


@pytest.mark.parametrize(("question", "answer"), [
    ("Should the invoice email go to the accounts address?",
     "Yes, the invoice email should go to the accounts address"),
    ("Did the error start right after the upgrade on Monday night?",
     "Yes, the error started right after the upgrade on Monday night")])
def test_a_yes_that_restates_the_question_as_a_statement_is_an_answer(rep, dennis, question, answer):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    fact = services.fact_add(user=rep, case=case, question=question)

    services.fact_answer(user=rep, fact=fact, answer=answer)

    fact.refresh_from_db()
    assert fact.answer == answer


_Q = QUESTION.rstrip("?").split()
PASTED = ["um does the payroll export um fail for every employee or only some",
          " ".join(reversed(_Q)), " ".join(_Q[:8]), f"Yes ok. {QUESTION}",
          f"Yes. {QUESTION.replace('every', 'evry')}", f"Ok so {QUESTION.lower()} ok"]


@pytest.mark.parametrize("answer", PASTED)
def test_the_question_pasted_with_fillers_reordered_or_cut_short_is_still_refused(rep, dennis, answer):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    fact = services.fact_add(user=rep, case=case, question=QUESTION)

    with pytest.raises(CaseRuleError, match="question again") as refused:
        services.fact_add(user=rep, case=case, question=QUESTION, answer=answer)
    assert refused.value.field == "answer"
    with pytest.raises(CaseRuleError, match="question again"):
        services.fact_answer(user=rep, fact=fact, answer=answer)

    assert case.facts.filter(answer="").count() == 1 and case.facts.count() == 1


# --- Scripts written without spaces -------------------------------------------------------------------
SENTENCES = {
    "th": "ผมเข้าใจว่าเว็บไซต์และอีเมลของคุณใช้งานไม่ได้ตั้งแต่การอัปเกรดและคุณกังวลเรื่องเงินเดือนพนักงาน",
    "lo": "ຂ້ອຍເຂົ້າໃຈວ່າເວັບໄຊຂອງທ່ານໃຊ້ບໍ່ໄດ້ຕັ້ງແຕ່ການອັບເກຣດ",
    "km": "ខ្ញុំយល់ថាគេហទំព័ររបស់អ្នកមិនដំណើរការតាំងពីការធ្វើបច្ចុប្បន្នភាព",
    "my": "ကျွန်တော်နားလည်ပါတယ်၊ဝက်ဘ်ဆိုက်အလုပ်မလုပ်ဘူး",
}
THAI_CONCERN = ("เว็บไซต์และอีเมลธุรกิจของร้านใช้งานไม่ได้ตั้งแต่ผู้ให้บริการอัปเกรดระบบเมื่อคืนนี้ "
                "ลูกค้าสั่งซื้อสินค้าไม่ได้เลย และต้องจ่ายเงินเดือนพนักงานภายในสามวัน")


@pytest.mark.parametrize("language", SENTENCES)
def test_a_sentence_in_a_script_without_spaces_is_a_record(rep, dennis, language):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)

    services.acknowledgement_record(user=rep, case=case, text=SENTENCES[language])

    assert case.acknowledgements.count() == 1


@pytest.mark.parametrize("junk", ["ผม", "ผมผมผมผม", "ก ข ค", "ຂ້ອ", "ကျွ"])
def test_two_letters_of_such_a_script_are_not_a_record(rep, dennis, junk):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)

    with pytest.raises(CaseRuleError, match="Write at least 3 words"):
        services.acknowledgement_record(user=rep, case=case, text=junk)

    assert not case.acknowledgements.exists()


def _in_acknowledge_with_a_thai_concern(rep, dennis):
    case = open_case(rep, dennis, concern={**DENNIS_CONCERN, "description": THAI_CONCERN})
    return advance_to(case, Step.ACKNOWLEDGE, rep)


def test_a_thai_acknowledgement_beside_a_thai_concern_is_in_the_reps_own_words(rep, dennis):
    """A letter of these alphabets is no word: a long concern holds most of them, and every note beside it
    would be a copy."""
    case = _in_acknowledge_with_a_thai_concern(rep, dennis)

    services.acknowledgement_record(user=rep, case=case, text="ผมเข้าใจครับ ร้านขายของไม่ได้และใกล้วันจ่ายเงินเดือน")

    assert case.acknowledgements.count() == 1


def test_a_thai_concern_pasted_with_fillers_is_not_an_acknowledgement(rep, dennis):
    case = _in_acknowledge_with_a_thai_concern(rep, dennis)

    with pytest.raises(CaseRuleError, match="own words"):
        services.acknowledgement_record(user=rep, case=case, text=f"um {THAI_CONCERN.replace(' ', ' um ')}")

    assert not case.acknowledgements.exists()
