"""An email larger than Django's default request ceiling (2.5 MB) reaches the case through the providers'
webhooks: a client's reply with a 3 MB screenshot was answered 400 and lost (found by an audit). Only those
paths take such a body; a page's form posted with one answers 413 before anything reads it
(cases.middleware.RejectOversizedBodyMiddleware)."""
import base64
import json

import pytest
from django.urls import reverse

from mailin.models import InboundAttachment, InboundMessage, Outcome
from tests.mailin.conftest import email_bytes
from tests.mailin.test_webhooks import (  # noqa: F401 - providers: the same enabled providers (autouse)
    basic_auth, mailgun_signed, postmark_json, providers,
)

pytestmark = pytest.mark.django_db
SCREENSHOT = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)


@pytest.fixture(autouse=True)
def room_for_the_screenshot(settings):
    settings.MAILIN_MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024


def test_a_postmark_email_with_a_3_mb_attachment_lands_on_the_case(client, case):
    payload = postmark_json(case)
    payload["Attachments"] = [{"Name": "screenshot.pdf", "Content": base64.b64encode(SCREENSHOT).decode(),
                               "ContentType": "application/pdf", "ContentLength": len(SCREENSHOT)}]

    response = client.post("/anymail/postmark/inbound/", data=json.dumps(payload), content_type="application/json",
                           **basic_auth())

    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert (message.outcome, message.case) == (Outcome.POSTED, case)
    assert InboundAttachment.objects.get().size == len(SCREENSHOT)


def test_a_mailgun_raw_mime_email_with_a_3_mb_attachment_lands_on_the_case(client, case):
    from mailin.addresses import reply_address

    raw = email_bytes(to=reply_address(case.reference), text="The screenshot you asked for.",
                      attachments=[("screenshot.pdf", "application/pdf", SCREENSHOT)])
    data = mailgun_signed({"recipient": reply_address(case.reference), "body-mime": raw.decode()})

    response = client.post("/anymail/mailgun/inbound_mime/", data=data, **basic_auth())

    assert response.status_code == 200
    assert InboundMessage.objects.get().case == case


def test_a_page_form_posted_with_a_body_larger_than_any_form_takes_answers_413(client, rep, case, settings):
    client.force_login(rep)
    url = reverse("cases:case_detail", args=[case.reference]) + "update/"

    response = client.post(url, {"text": "x" * (settings.FORM_MAX_BODY_BYTES + 1), "channel": "phone"})

    assert response.status_code == 413
    assert "larger than any form here takes" in response.content.decode()
    assert not case.status_updates.exists()


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "\u00b2", "\u0663", "9" * 30])
def test_a_body_length_that_is_no_number_answers_400_not_500(client, rep, length):
    client.force_login(rep)

    response = client.post(reverse("cases:case_new"), data=b"summary=x",
                           content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=length)

    assert response.status_code == 400
