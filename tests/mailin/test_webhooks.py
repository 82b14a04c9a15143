"""The providers' inbound webhooks (django-anymail), posted as the providers post them: Mailgun's
signed form (parsed fields with uploaded attachments, or the raw MIME), Postmark's JSON behind basic
auth. A forged signature, wrong credentials or a provider not enabled are refused and store nothing."""
import base64
import hashlib
import hmac
import json
from io import BytesIO

import pytest

from cases.models import Case, CaseEvent
from cases.services.client_mail import WROTE
from mailin.addresses import reply_address
from mailin.models import InboundAttachment, InboundMessage, Outcome
from tests.mailin.conftest import DENNIS, GMAIL_REPLY, PDF, email_bytes

SIGNING_KEY = "key-0123456789abcdef-mailgun-test"
BASIC = ("anymail", "webhook-secret-for-tests")


@pytest.fixture(autouse=True)
def providers(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": ":".join(BASIC)}
    settings.MAILIN_WEBHOOK_PROVIDERS = ["Mailgun", "Postmark"]


def basic_auth(user=BASIC[0], password=BASIC[1]):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


TOKEN = "a6f1c0b2d4e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c"


def mailgun_signed(fields, *, key=SIGNING_KEY, timestamp="1772449500", token=TOKEN):
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {**fields, "timestamp": timestamp, "token": token, "signature": signature}


def mailgun_parsed(case, *, text=GMAIL_REPLY, attachment=None):
    """Mailgun's "forward()" route to a URL, fully parsed: fields, headers as JSON, files uploaded."""
    to = reply_address(case.reference)
    fields = {
        "recipient": to,
        "sender": DENNIS,
        "from": f"Dennis Hale <{DENNIS}>",
        "subject": "Re: Site and email down after upgrade",
        "body-plain": text,
        "stripped-text": text.split("\n\nOn ")[0],
        "message-headers": json.dumps([
            ["X-Mailgun-Sflag", "No"], ["X-Mailgun-Sscore", "0.1"], ["X-Mailgun-Spf", "Pass"],
            ["Received", "from mail.hale-online.example by mxa.mailgun.org with ESMTP"],
            ["Mime-Version", "1.0"], ["From", f"Dennis Hale <{DENNIS}>"], ["Date", "Mon, 2 Mar 2026 11:05:00 +0000"],
            ["Message-Id", "<CAF=mailgun.parsed.1@mail.hale-online.example>"],
            ["Subject", "Re: Site and email down after upgrade"], ["To", f"Support <{to}>"],
            ["Content-Type", "multipart/mixed; boundary=\"000000000000b1a2c3\""],
        ]),
    }
    if attachment is not None:
        fields.update({"attachment-count": "1", "attachment-1": attachment})
    return mailgun_signed(fields)


def postmark_json(case, *, text="Thank you, all working again."):
    to = reply_address(case.reference)
    return {
        "FromName": "Dennis Hale",
        "From": DENNIS,
        "FromFull": {"Email": DENNIS, "Name": "Dennis Hale", "MailboxHash": ""},
        "To": f"\"Support\" <{to}>",
        "ToFull": [{"Email": to, "Name": "Support", "MailboxHash": to.split("+", 1)[1].split("@")[0]}],
        "Cc": "", "CcFull": [], "Bcc": "", "BccFull": [],
        "OriginalRecipient": to,
        "Subject": "Re: Site and email down after upgrade",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Mon, 2 Mar 2026 11:05:00 +0000",
        "TextBody": text + "\n\nOn Mon, 2 Mar 2026 at 10:15, Case tracker wrote:\n> We are on it.\n",
        "HtmlBody": f"<p>{text}</p>",
        "StrippedTextReply": text,
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": f"<{DENNIS}>"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "X-Spam-Score", "Value": "-0.1"},
            {"Name": "MIME-Version", "Value": "1.0"},
            {"Name": "Message-ID", "Value": "<CAF=postmark.1@mail.hale-online.example>"},
        ],
        "Attachments": [{"Name": "invoice.pdf", "Content": base64.b64encode(PDF).decode(),
                         "ContentType": "application/pdf", "ContentLength": len(PDF)}],
    }


def pdf_upload():
    upload = BytesIO(PDF)
    upload.name = "invoice.pdf"
    return upload


def test_a_signed_mailgun_post_lands_on_the_case_with_its_attachment(client, case):
    response = client.post("/anymail/mailgun/inbound/", data=mailgun_parsed(case, attachment=pdf_upload()),
                           **basic_auth())

    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert (message.provider, message.outcome, message.case) == ("Mailgun", Outcome.POSTED, case)
    assert message.message_id == "<CAF=mailgun.parsed.1@mail.hale-online.example>"
    event = CaseEvent.objects.get(case=case, verb=WROTE)
    assert "Can you check the accounts" in event.note and "last night's backup" not in event.note
    assert InboundAttachment.objects.get().file.read() == PDF


def test_mailgun_raw_mime_is_read_the_same_way(client, case):
    raw = email_bytes(to=reply_address(case.reference), text="Orders are coming in again, thanks.")
    data = mailgun_signed({"recipient": reply_address(case.reference), "sender": DENNIS,
                           "body-mime": raw.decode()})

    response = client.post("/anymail/mailgun/inbound_mime/", data=data, **basic_auth())

    assert response.status_code == 200
    assert "Orders are coming in again" in CaseEvent.objects.get(case=case, verb=WROTE).note


@pytest.mark.parametrize("offset", ["+2359", "-2359", "+1600"])
def test_a_date_header_with_an_offset_the_database_cannot_hold_is_the_same_moment_in_utc(client, case, offset):
    """Python reads offsets up to ±23:59, PostgreSQL holds ±15:59: the moment is kept in UTC, not a 500."""
    import datetime as dt

    raw = email_bytes(to=reply_address(case.reference), text="Orders are coming in again, thanks.")
    raw = raw.replace(b"Mon, 02 Mar 2026 11:05:00 +0000", f"Mon, 02 Mar 2026 11:05:00 {offset}".encode())
    data = mailgun_signed({"recipient": reply_address(case.reference), "sender": DENNIS, "body-mime": raw.decode()})

    response = client.post("/anymail/mailgun/inbound_mime/", data=data, **basic_auth())

    assert response.status_code == 200
    sign, hours, minutes = (-1 if offset[0] == "-" else 1), int(offset[1:3]), int(offset[3:])
    written = dt.datetime(2026, 3, 2, 11, 5, tzinfo=dt.timezone.utc) - sign * dt.timedelta(hours=hours, minutes=minutes)
    assert InboundMessage.objects.get().sent_at == written
    assert "Orders are coming in again" in CaseEvent.objects.get(case=case, verb=WROTE).note


def test_a_mailgun_post_with_a_forged_signature_is_refused_and_nothing_is_stored(client, case):
    forged = mailgun_parsed(case)
    forged["signature"] = hmac.new(b"not-the-key", b"x", hashlib.sha256).hexdigest()

    response = client.post("/anymail/mailgun/inbound/", data=forged, **basic_auth())

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()
    assert not CaseEvent.objects.filter(verb=WROTE).exists()


def test_a_postmark_post_lands_on_the_case(client, case):
    response = client.post("/anymail/postmark/inbound/", data=json.dumps(postmark_json(case)),
                           content_type="application/json", **basic_auth())

    assert response.status_code == 200
    message = InboundMessage.objects.get()
    assert (message.provider, message.outcome, message.case) == ("Postmark", Outcome.POSTED, case)
    assert message.text == "Thank you, all working again."
    assert InboundAttachment.objects.get().filename == "invoice.pdf"


def test_the_same_email_from_two_providers_is_posted_once(client, case):
    payload = postmark_json(case)

    client.post("/anymail/postmark/inbound/", data=json.dumps(payload), content_type="application/json",
                **basic_auth())
    client.post("/anymail/postmark/inbound/", data=json.dumps(payload), content_type="application/json",
                **basic_auth())

    assert CaseEvent.objects.filter(case=case, verb=WROTE).count() == 1
    assert InboundMessage.objects.get().deliveries == 2


def test_a_postmark_post_with_wrong_credentials_is_refused_and_nothing_is_stored(client, case):
    response = client.post("/anymail/postmark/inbound/", data=json.dumps(postmark_json(case)),
                           content_type="application/json", **basic_auth(password="guessed"))

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_a_provider_that_is_not_enabled_is_refused_even_with_the_right_credentials(client, case, settings):
    settings.MAILIN_WEBHOOK_PROVIDERS = ["Mailgun"]

    response = client.post("/anymail/postmark/inbound/", data=json.dumps(postmark_json(case)),
                           content_type="application/json", **basic_auth())

    assert response.status_code == 404  # not mounted for this deployment: anymail's view is never built
    assert not InboundMessage.objects.exists() and Case.objects.count() == 1


def test_a_basic_auth_provider_is_refused_while_no_secret_is_set(client, case, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}

    response = client.post("/anymail/postmark/inbound/", data=json.dumps(postmark_json(case)),
                           content_type="application/json")

    assert response.status_code == 404
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("path", [
    "/anymail/amazon_ses/inbound/", "/anymail/sendgrid/inbound/", "/anymail/mailgun/inbound/",
])
def test_a_provider_without_its_library_or_key_is_not_there_rather_than_an_error(client, case, settings, path):
    settings.ANYMAIL = {}  # no Mailgun signing key, no shared secret: nothing is enabled

    response = client.post(path, data={"body-mime": "From: a@b.example\r\n\r\nhi"})

    assert response.status_code == 404
    assert not InboundMessage.objects.exists()
