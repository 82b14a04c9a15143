"""Two rules of client email, found by a review:

- Claiming a case opened from email is a change of owner like any other (cases.services.handoffs.
  take_back_client_word): an email to the client still waiting to leave (a supervisor wrote it while the
  case waited, held for the client's quiet hours) is taken back with the status link it carried. And no
  email or page names the mail intake's placeholder as the client's handler (status_links.
  handler_first_name): only someone who may own cases is named.
- "Mark the client's email read" answers for the emails its page showed (services.client_mail_read,
  `newest_shown`): sent after another email came in, it records nothing and the page says to read it,
  keeping the mood chosen."""
import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, ClientMessageStatus, Mood, Step
from cases.services.client_mail import case_claim, case_open_from_mail, client_mail_post, client_mail_read
from cases.services.client_messages import client_message_send
from cases.status_links import handler_first_name
from mailin.addresses import reply_address
from mailin.models import InboundMessage
from mailin.services import mail_receive
from tests.cases.helpers import DENNIS_CONCERN, advance_to, open_case
from tests.cases.test_client_messages import UTC, at, deliver_at, row_of
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

EVENING = dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
THREE_AM = dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
SEVEN_AM = dt.datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # the end of the client's quiet hours
PRIYA = "priya@shop.example"
ACK = "We have your message about the checkout and are looking at it right now"


def _worked_while_waiting(supervisor, when):
    """A case opened from Priya's email, worked by a supervisor up to acknowledge; nobody has claimed it."""
    with at(when):
        case = case_open_from_mail(sender=PRIYA, sender_name="Priya", subject="Checkout broken",
                                   text="Nobody can pay on our shop since this morning")
        client = case.client
        client.time_zone, client.quiet_hours_start, client.quiet_hours_end = "UTC", dt.time(22), dt.time(7)
        client.save()
        services.concern_add(user=supervisor, case=case, **DENNIS_CONCERN)
        services.case_set_temperature(user=supervisor, case=case, temperature=Mood.ANXIOUS)
        return services.case_transition(user=supervisor, case=case, name="complete_identify")


@pytest.fixture
def held_on_unclaimed(supervisor):
    case = _worked_while_waiting(supervisor, EVENING)
    with at(THREE_AM):
        message = client_message_send(user=supervisor, case=case, kind="acknowledgement", text=ACK)
    assert message.send_after == SEVEN_AM
    return case, message


# --- claiming ---------------------------------------------------------------------------------------
def test_a_claim_takes_back_the_email_held_while_the_case_waited(held_on_unclaimed, rep):
    case, message = held_on_unclaimed

    with at(THREE_AM + dt.timedelta(minutes=20)):
        case_claim(user=rep, case=case)

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.WITHDRAWN
    assert CaseEvent.objects.filter(case=case, verb="message to the client withdrawn").exists()


def test_nothing_the_claim_took_back_leaves_when_the_quiet_hours_end(held_on_unclaimed, rep):
    case, _ = held_on_unclaimed
    with at(THREE_AM + dt.timedelta(minutes=20)):
        case_claim(user=rep, case=case)

    deliver_at(SEVEN_AM + dt.timedelta(minutes=1))

    assert not [m for m in mail.outbox if PRIYA in m.to]


def test_an_email_on_a_case_nobody_has_claimed_is_not_signed_by_the_mail_intake(supervisor):
    case = _worked_while_waiting(supervisor, EVENING)

    with at(EVENING + dt.timedelta(minutes=5)):
        body = row_of(client_message_send(user=supervisor, case=case, kind="acknowledgement", text=ACK)).body_text

    assert "Client mail" not in body
    assert "the person handling your case" in body


def test_the_client_is_told_no_name_of_an_owner_who_has_left(rep, dennis):
    case = open_case(rep, dennis)
    rep.is_active = False
    rep.save()
    case.refresh_from_db()

    assert handler_first_name(case) == "the person handling your case"


def test_the_owner_who_may_own_cases_is_named_by_first_name(rep, dennis):
    rep.first_name = "Fran"
    rep.save()

    assert handler_first_name(open_case(rep, dennis)) == "Fran"


# --- marking read -----------------------------------------------------------------------------------
@pytest.fixture
def wrote(rep):
    client = ClientFactory(name="Dennis", email="dennis@hale-online.example")
    case = advance_to(open_case(rep, client), Step.GATHER, rep)
    return case, _receive(case, "Any news?", "Just checking how it is going, thanks a lot.")


def _receive(case, subject, text):
    raw = (f"From: Dennis <{case.client.email}>\r\nTo: {reply_address(case.reference)}\r\nSubject: {subject}\r\n"
           f"Message-ID: <{subject.replace(' ', '').replace('?', '')}.{case.pk}@hale-online.example>\r\n"
           f"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n\r\n{text}\r\n").encode()
    return mail_receive(raw, provider="imap").message


FURIOUS = ("FURIOUS", "This is unacceptable, I am calling my lawyer and cancelling the contract today.")


def test_marking_read_after_another_email_came_in_records_nothing(wrote, rep):
    case, calm = wrote
    _receive(case, *FURIOUS)

    with pytest.raises(CaseRuleError, match="Another email came in"):
        client_mail_read(user=rep, case=case, client_mood=Mood.CALM, newest_shown=calm.pk)

    case.refresh_from_db()
    assert case.client_wrote_at is not None and case.temperature != Mood.CALM


def test_marking_read_with_the_newest_email_shown_records_the_mood(wrote, rep):
    case, _ = wrote
    furious = _receive(case, *FURIOUS)

    client_mail_read(user=rep, case=case, client_mood=Mood.IRATE, newest_shown=furious.pk)

    case.refresh_from_db()
    assert case.client_wrote_at is None and case.temperature == Mood.IRATE


def test_the_page_sent_late_says_so_keeps_the_mood_and_shows_the_new_email(wrote, rep, client):
    case, _ = wrote
    client.force_login(rep)
    url = reverse("mailin:case_mail", args=[case.reference])
    drawn = client.get(url).content.decode()
    shown = re.search(r'name="newest_shown" value="(\d+)"', drawn)[1]
    furious = _receive(case, *FURIOUS)

    response = client.post(url, {"client_mood": "calm", "newest_shown": shown})

    page = response.content.decode()
    assert response.status_code == 422 and "Another email came in on this case" in page
    assert "cancelling the contract" in page and f'name="newest_shown" value="{furious.pk}"' in page
    assert re.search(r'value="calm"[^>]*checked', page)
    case.refresh_from_db()
    assert case.client_wrote_at is not None


def test_the_page_drawn_again_marks_read(wrote, rep, client):
    case, _ = wrote
    client.force_login(rep)
    url = reverse("mailin:case_mail", args=[case.reference])
    _receive(case, *FURIOUS)
    shown = re.search(r'name="newest_shown" value="(\d+)"', client.get(url).content.decode())[1]

    response = client.post(url, {"client_mood": "irate", "newest_shown": shown})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.client_wrote_at is None and case.temperature == Mood.IRATE


@pytest.mark.parametrize("shown", [None, "999999999"], ids=["left-out", "none-of-the-cases-emails"])
def test_a_post_that_names_no_email_the_page_showed_marks_nothing_read(wrote, rep, client, shown):
    """Found by an audit: leaving `newest_shown` out (or naming an email that is not the case's) skipped the
    check, and a furious email that came in after the page was drawn was marked read, the client calm."""
    case, _ = wrote
    client.force_login(rep)
    url = reverse("mailin:case_mail", args=[case.reference])
    client.get(url)
    _receive(case, *FURIOUS)

    response = client.post(url, {"client_mood": "calm", **({} if shown is None else {"newest_shown": shown})})

    page = response.content.decode()
    assert response.status_code == 422
    assert "which emails you read" in page or "Another email came in on this case" in page
    assert re.search(r'value="calm"[^>]*checked', page)  # the mood chosen is kept
    case.refresh_from_db()
    assert case.client_wrote_at is not None and case.temperature != Mood.CALM


def test_an_email_received_first_but_posted_after_the_page_was_drawn_is_not_marked_read_unseen(wrote, rep, client):
    """Found by an audit: an email with an attachment took longer to store than a short one that came after
    it, so its row has the lower pk but reached the case later. The page, drawn between the two, showed
    only the short one; the read it sent marked both read. What the page posts is the email posted last
    (client_mail.newest_posted), and the check follows the order the emails reached the case."""
    case, _ = wrote
    slow = InboundMessage.objects.create(message_id="<slow.1@hale-online.example>", provider="imap",
                                         sender=case.client.email, outcome="posted", text=FURIOUS[1])
    _receive(case, "Thanks", "Thanks for the update.")
    client.force_login(rep)
    url = reverse("mailin:case_mail", args=[case.reference])
    shown = re.search(r'name="newest_shown" value="(\d+)"', client.get(url).content.decode())[1]
    client_mail_post(case=case, sender=case.client.email, subject=FURIOUS[0], text=FURIOUS[1],
                     message_pk=slow.pk)
    InboundMessage.objects.filter(pk=slow.pk).update(case=case)

    response = client.post(url, {"client_mood": "calm", "newest_shown": shown})

    assert response.status_code == 422 and "Another email came in on this case" in response.content.decode()
    case.refresh_from_db()
    assert case.client_wrote_at is not None
    drawn = client.get(url).content.decode()
    assert f'name="newest_shown" value="{slow.pk}"' in drawn  # the page drawn again names the one posted last
