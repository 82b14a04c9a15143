"""The mood at intake (the team page's "anxiety to joy" starts from it) is the first mood recorded in
identify (Case.take_temperature). A case opened from email has none until then; whichever way the
first one comes, by hand or by reading the client's email, it is the intake mood, and nothing later
(a mood recorded at delivery, an email read in the last step) can choose it after the fact."""
import pytest

from cases import services
from cases.models import Mood, Step
from cases.services.client_mail import case_claim, client_mail_read
from mailin.addresses import reply_address
from mailin.services import mail_receive
from tests.cases.helpers import DENNIS_CONCERN, advance_to
from tests.mailin.conftest import email_bytes


@pytest.fixture
def claimed(db, rep):
    case = mail_receive(email_bytes(to="support@reply.cases.example", sender="Priya <priya@shop.example>",
                                    subject="Checkout broken", text="Nobody can pay on our shop."),
                        provider="imap").case
    return case_claim(user=rep, case=case)


def test_a_mood_recorded_by_hand_first_is_the_intake_mood(claimed, rep):
    services.case_set_temperature(user=rep, case=claimed, temperature=Mood.CALM)

    claimed.refresh_from_db()
    assert claimed.intake_temperature == Mood.CALM


def test_an_email_read_later_in_identify_does_not_replace_the_intake_mood(claimed, rep):
    services.case_set_temperature(user=rep, case=claimed, temperature=Mood.CALM)
    mail_receive(email_bytes(to=reply_address(claimed.reference), text="Still nobody can pay!!"), provider="imap")

    client_mail_read(user=rep, case=claimed, client_mood=Mood.IRATE)

    claimed.refresh_from_db()
    assert (claimed.intake_temperature, claimed.temperature) == (Mood.CALM, Mood.IRATE)


def test_an_email_read_at_delivery_cannot_choose_the_intake_mood(claimed, rep):
    """The audit's case: the first email read only at delivery, as irate, would have made the case look
    like irate to delighted."""
    services.concern_add(user=rep, case=claimed, **DENNIS_CONCERN)
    services.case_set_temperature(user=rep, case=claimed, temperature=Mood.CALM)
    case = advance_to(claimed, Step.DELIVER, rep)
    mail_receive(email_bytes(to=reply_address(case.reference), text="Is it done yet?"), provider="imap")

    client_mail_read(user=rep, case=case, client_mood=Mood.IRATE)

    case.refresh_from_db()
    assert case.intake_temperature == Mood.CALM


def test_a_case_with_no_intake_mood_gets_none_after_identify(claimed, rep):
    """A case that somehow left identify with no intake mood (older rows) does not get one later."""
    services.concern_add(user=rep, case=claimed, **DENNIS_CONCERN)
    services.case_set_temperature(user=rep, case=claimed, temperature=Mood.CALM)
    case = advance_to(claimed, Step.GATHER, rep)
    type(case).objects.filter(pk=case.pk).update(intake_temperature="")
    case.refresh_from_db()

    services.case_set_temperature(user=rep, case=case, temperature=Mood.IRATE)

    case.refresh_from_db()
    assert (case.intake_temperature, case.temperature) == ("", Mood.IRATE)


def test_a_mood_with_no_intake_meaning_is_not_the_intake_mood(claimed, rep):
    """Satisfied and delighted are what delivery hopes for, not a mood a complaint starts from."""
    services.case_set_temperature(user=rep, case=claimed, temperature=Mood.SATISFIED)
    services.case_set_temperature(user=rep, case=claimed, temperature=Mood.ANXIOUS)

    claimed.refresh_from_db()
    assert claimed.intake_temperature == Mood.ANXIOUS
