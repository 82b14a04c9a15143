"""The client's status page shows at most a short excerpt of any text (EXCERPT characters, cut at a
word, with an ellipsis), and of a status update only the line the rep wrote for the client (itself at
most EXCERPT characters), however long the rep's internal update is."""
import pytest
from django.urls import reverse

from cases import services
from cases.models import Channel, Mood, StatusUpdate, Step
from cases.status_links import EXCERPT, client_status, excerpt, make_token
from tests.cases.helpers import advance_to, open_case

LONG_UPDATE = "The restore is running and mail is coming back mailbox by mailbox. " * 50
CLIENT_LINE = "Your mail is coming back now, one mailbox at a time; all of it by 3pm."


@pytest.fixture
def long_winded(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    services.status_update_log(user=rep, case=case, summary=LONG_UPDATE, channel=Channel.PHONE,
                               client_mood=Mood.CALM, client_line=CLIENT_LINE)
    case.refresh_from_db()
    return case


@pytest.mark.django_db
def test_a_long_internal_update_is_never_shown_only_its_client_line(client, long_winded):
    html = client.get(reverse("client_status", kwargs={"token": make_token(long_winded)})).content.decode()

    assert client_status(long_winded).last_update_line == CLIENT_LINE
    assert CLIENT_LINE in html
    assert "mailbox by mailbox" not in html


def test_the_client_line_fits_in_an_excerpt():
    assert StatusUpdate._meta.get_field("client_line").max_length <= EXCERPT


@pytest.mark.django_db
def test_no_text_the_client_sees_is_longer_than_an_excerpt(long_winded):
    status = client_status(long_winded)

    texts = [value for value in vars(status).values() if isinstance(value, str)]
    assert texts and all(len(value) <= EXCERPT for value in texts)


@pytest.mark.django_db
def test_a_short_client_line_is_shown_whole(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    services.status_update_log(user=rep, case=case, summary="Told Dennis mail is back, site by 3pm",
                               client_line="Mail is back; the site follows by 3pm", channel=Channel.PHONE,
                               client_mood=Mood.CALM)

    assert client_status(case).last_update_line == "Mail is back; the site follows by 3pm"


def test_an_excerpt_is_cut_at_a_word_with_an_ellipsis():
    assert excerpt("mailbox " * 10, limit=20) == "mailbox mailbox\u2026"


def test_an_excerpt_of_a_text_within_the_limit_is_the_text():
    assert excerpt("Mail is back", limit=12) == "Mail is back"
