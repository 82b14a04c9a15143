"""A signed webhook post whose email anymail cannot build (found by a review: it answered 500, and the
provider posted it again and again): MIME nested a thousand deep, a forwarded email that is not UTF-8,
a payload that is not JSON. Kept and refused with the headers the provider sent, as the IMAP sweep keeps
such a message; never posted to a case, never a 500; a forged post still stores nothing."""
import base64
import hashlib
import hmac
import json
from io import BytesIO

import pytest

from cases.models import CaseEvent
from cases.services.client_mail import WROTE
from mailin.addresses import reply_address
from mailin.models import InboundMessage, Outcome
from mailin.webhook_views import headers_only
from tests.mailin.conftest import DENNIS
from tests.mailin.test_mail_hardening import nested_multipart, nested_rfc822
from tests.mailin.test_webhooks import (  # noqa: F401 - providers: the same enabled providers (autouse)
    basic_auth, mailgun_parsed, mailgun_signed, postmark_json, providers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.raise_request_exception = False  # a 500 is the answer under test, not an exception here
    return client


def deep_eml(depth=1000):
    inner = b"From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n"
    for _ in range(depth):
        inner = b"MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    return inner


def refused_alone(case):
    message = InboundMessage.objects.get()
    assert message.outcome == Outcome.REFUSED and message.case is None
    assert not CaseEvent.objects.filter(case=case, verb=WROTE).exists()
    return message


@pytest.mark.parametrize("build", [lambda c: nested_multipart(c, 1200), lambda c: nested_rfc822(c, 1000)],
                         ids=["multipart", "rfc822"])
def test_mailgun_raw_mime_nested_too_deeply_is_kept_and_refused(client, case, build):
    data = mailgun_signed({"recipient": reply_address(case.reference), "sender": DENNIS,
                           "body-mime": build(case).decode()})

    response = client.post("/anymail/mailgun/inbound_mime/", data=data, **basic_auth())

    assert response.status_code == 200
    message = refused_alone(case)
    assert message.note == "Not posted: its structure is nested too deeply to read."
    assert (message.sender, message.subject, message.provider) == (DENNIS, "still down", "Mailgun")


def test_mailgun_parsed_post_with_a_forwarded_email_nested_too_deeply_keeps_the_headers(client, case):
    upload = BytesIO(deep_eml())
    upload.name = "forwarded.eml"  # uploaded as message/rfc822: anymail parses it

    response = client.post("/anymail/mailgun/inbound/", data=mailgun_parsed(case, attachment=upload),
                           **basic_auth())

    assert response.status_code == 200
    message = refused_alone(case)
    assert message.note == "Not posted: its structure is nested too deeply to read."
    assert message.message_id == "<CAF=mailgun.parsed.1@mail.hale-online.example>"
    assert (message.sender, message.subject) == (DENNIS, "Re: Site and email down after upgrade")
    assert message.text == ""


def postmark_with(case, content, content_type="message/rfc822"):
    payload = postmark_json(case)
    payload["Attachments"] = [{"Name": "forwarded.eml", "Content": base64.b64encode(content).decode(),
                               "ContentType": content_type, "ContentLength": len(content)}]
    return json.dumps(payload)


@pytest.mark.parametrize("content, reason", [
    (deep_eml(), "its structure is nested too deeply to read"),
    ("From: Zoë <z@b.example>\r\nSubject: café\r\n\r\nun café\r\n".encode("latin-1"),
     "its structure could not be read"),
], ids=["nested", "latin-1"])
def test_postmark_post_anymail_cannot_build_is_kept_and_refused_with_its_headers(client, case, content, reason):
    response = client.post("/anymail/postmark/inbound/", data=postmark_with(case, content),
                           content_type="application/json", **basic_auth())

    assert response.status_code == 200
    message = refused_alone(case)
    assert message.note == f"Not posted: {reason}."
    assert message.message_id == "<CAF=postmark.1@mail.hale-online.example>"
    assert (message.sender, message.subject) == (DENNIS, "Re: Site and email down after upgrade")
    assert message.recipient == reply_address(case.reference)


def test_the_same_unreadable_post_delivered_twice_is_one_message(client, case):
    body = postmark_with(case, deep_eml())

    for _ in range(2):
        assert client.post("/anymail/postmark/inbound/", data=body, content_type="application/json",
                           **basic_auth()).status_code == 200

    assert InboundMessage.objects.get().deliveries == 2


def test_a_postmark_post_that_is_not_json_is_refused_with_400_and_stores_nothing(client, case):
    response = client.post("/anymail/postmark/inbound/", data="{not json", content_type="application/json",
                           **basic_auth())

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_a_forged_mailgun_post_nested_too_deeply_is_refused_before_it_is_read(client, case):
    data = mailgun_signed({"recipient": reply_address(case.reference), "sender": DENNIS,
                           "body-mime": nested_multipart(case, 1200).decode()})
    data["signature"] = hmac.new(b"not-the-key", b"x", hashlib.sha256).hexdigest()

    response = client.post("/anymail/mailgun/inbound_mime/", data=data, **basic_auth())

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()


def test_headers_only_writes_what_it_can_and_leaves_out_what_it_cannot():
    raw = headers_only([("Subject", "one\r\nInjected: yes"), ("Bad Name", "x"), ("Naïve", "x"), ("", "x"),
                        ("From", "Zoë <z@b.example>")])

    head = raw.decode("ascii")
    assert "Subject: one Injected: yes" in head and "\nInjected:" not in head
    assert "Bad Name" not in head and "Na" not in head.replace("Name", "")
    assert "From: =?utf-8?q?Zo=C3=AB?= <z@b.example>" in head


def test_a_message_anymail_built_but_cannot_write_is_kept_with_its_headers(case):
    from types import SimpleNamespace

    from anymail.inbound import AnymailInboundMessage

    from mailin.webhooks import handle_inbound

    inner = AnymailInboundMessage()
    inner.set_payload("body")
    for _ in range(1500):  # built part by part, never parsed: only writing it walks the depth
        outer = AnymailInboundMessage()
        outer["Content-Type"] = "message/rfc822"
        outer.set_payload([inner])
        inner = outer
    inner["From"], inner["Subject"], inner["Message-ID"] = f"Dennis <{DENNIS}>", "still down", "<deep@x.example>"
    inner.envelope_recipient, inner.spam_detected = reply_address(case.reference), False

    handle_inbound(sender=None, event=SimpleNamespace(message=inner), esp_name="Postmark")

    message = refused_alone(case)
    assert message.note == "Not posted: its structure is nested too deeply to read."
    assert (message.message_id, message.sender, message.subject) == ("<deep@x.example>", DENNIS, "still down")


def test_headers_only_reads_no_more_than_its_limit_those_that_identify_the_email_first():
    from mailin.webhook_views import HEADERS_MAX

    raw = headers_only([(f"X-Filler-{i}", "x") for i in range(HEADERS_MAX + 50)] + [("Message-ID", "<late@x>")])

    assert raw.count(b"X-Filler-") == HEADERS_MAX - 1 and b"Message-ID: <late@x>" in raw  # the one that names it
