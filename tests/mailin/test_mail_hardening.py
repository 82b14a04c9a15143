"""Client email that is built to hurt, found by a review:

- thousands of tiny attachments: at most MAILIN_MAX_ATTACHMENTS rows and one that counts the rest; the
  timeline entry stays within NOTE and the owner's notice stays short, whatever the attachments;
- MIME nested a thousand deep (multipart in multipart, or message/rfc822 in message/rfc822): the parser
  overflows; the message is kept with its headers and refused with a note, never an error;
- a teammate writing to a reply address (any spelling of their mailbox): kept and refused, never a case
  for a made-up client."""
import pytest

from cases.models import Case, CaseEvent, Client
from cases.services.client_mail import WROTE, client_mail_post
from cases.text import NOTE
from mailin import parsing
from mailin.addresses import reply_address
from mailin.models import InboundAttachment, InboundMessage, Outcome
from mailin.parsing import parse_message
from mailin.services import mail_receive
from notifications.models import OutboxMessage
from tests.mailin.conftest import DENNIS, email_bytes

pytestmark = pytest.mark.django_db


def _head(case, message_id):
    return (f"From: Dennis Hale <{DENNIS}>\r\nTo: {reply_address(case.reference)}\r\nSubject: still down\r\n"
            f"Message-ID: <{message_id}@hale-online.example>\r\nMIME-Version: 1.0\r\n").encode()


def many_attachments(case, count, name="x", content_type="text/plain"):
    parts = [_head(case, "many") + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
             b"--B\r\nContent-Type: text/plain\r\n\r\nThe site is still down.\r\n"]
    for i in range(count):
        parts.append(f'--B\r\nContent-Type: {content_type}\r\nContent-Disposition: attachment; '
                     f'filename="{name}{i}.txt"\r\n\r\nx\r\n'.encode())
    return b"".join(parts) + b"--B--\r\n"


def nested_multipart(case, depth):
    parts = [_head(case, f"deep{depth}") + b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n']
    parts += [b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1) for i in range(depth)]
    parts.append(b"--b%d\r\nContent-Type: text/plain\r\n\r\nThe site is still down.\r\n" % depth)
    parts += [b"--b%d--\r\n" % i for i in range(depth, -1, -1)]
    return b"".join(parts)


def nested_rfc822(case, depth):
    inner = b"From: a@b.example\r\nSubject: x\r\n\r\nbody\r\n"
    for _ in range(depth):
        inner = b"MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    return (_head(case, f"rfc{depth}") + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
            b"--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\n" + inner + b"\r\n--B--\r\n")


# --- many attachments ------------------------------------------------------------------------------
def test_attachments_beyond_the_limit_are_one_row_that_counts_them(case):
    receipt = mail_receive(many_attachments(case, 60), provider="imap")

    rows = list(InboundAttachment.objects.filter(message=receipt.message))
    assert len(rows) == 11  # MAILIN_MAX_ATTACHMENTS (10) and one for the rest
    assert [r.filename for r in rows[:10]] == [f"x{i}.txt" for i in range(10)]
    assert rows[-1].filename == "50 more attachments" and rows[-1].size == 50 and not rows[-1].kept
    assert "50 more attachments" in CaseEvent.objects.get(case=case, verb=WROTE).note


def test_an_email_of_many_refused_long_named_files_still_says_how_many_were_not_kept(case):
    receipt = mail_receive(many_attachments(case, 300, name="n" * 150, content_type="application/x-evil"),
                           provider="imap")

    note = CaseEvent.objects.get(case=case, verb=WROTE).note
    assert InboundAttachment.objects.filter(message=receipt.message).count() == 11
    assert len(note) <= NOTE and "290 more attachments (one email may bring 10 at most)" in note


def test_a_timeline_entry_stays_within_the_note_limit_whatever_the_attachments(case):
    refused = [{"name": f"{'n' * 190}{i}.bin", "size": 1, "content_type": "application/x-evil",
                "refused": "files of type application/x-evil are not accepted"} for i in range(500)]

    event = client_mail_post(case=case, sender=DENNIS, subject="still down", text="The site is still down.",
                             attachments=refused)

    assert len(event.note) <= NOTE
    assert "The site is still down." in event.note and "Not kept: " in event.note


def test_a_timeline_entry_lists_a_bounded_number_of_attachments_and_counts_them_all(case):
    refused = [{"name": f"f{i}.bin", "size": 1, "content_type": "application/x-evil", "refused": "not accepted"}
               for i in range(500)]

    event = client_mail_post(case=case, sender=DENNIS, text="Still down.", attachments=refused)

    assert len(event.data["attachments"]) <= 50 and event.data["attachments_count"] == 500


def test_the_owners_notice_of_an_email_with_many_attachments_stays_short(case):
    refused = [{"name": f"{'n' * 190}{i}.bin", "size": 1, "content_type": "application/x-evil",
                "refused": "files of type application/x-evil are not accepted"} for i in range(500)]

    client_mail_post(case=case, sender=DENNIS, text="Still down.", attachments=refused)

    told = OutboxMessage.objects.get(kind="client_mail_received")
    assert len(told.body_text) < 2 * NOTE and "Still down." in told.body_text


# --- nested MIME -----------------------------------------------------------------------------------
@pytest.mark.parametrize("build", [lambda c: nested_multipart(c, 1200), lambda c: nested_rfc822(c, 1000)],
                         ids=["multipart", "message-rfc822"])
def test_mime_nested_too_deeply_is_kept_and_refused_rather_than_an_error(case, build):
    receipt = mail_receive(build(case), provider="imap")

    message = InboundMessage.objects.get()
    assert receipt.outcome == Outcome.REFUSED and message.outcome == Outcome.REFUSED
    assert "nested too deeply" in message.note
    assert (message.sender, message.subject) == (DENNIS, "still down")
    assert not CaseEvent.objects.filter(verb=WROTE).exists() and Case.objects.count() == 1


def test_mime_nested_too_deeply_is_read_as_its_headers_without_raising(case):
    mail = parse_message(nested_multipart(case, 1200))

    assert mail.unreadable == parsing.UNREADABLE_DEEP
    assert (mail.sender, mail.message_id) == (DENNIS, "<deep1200@hale-online.example>")
    assert (mail.text, mail.attachments) == ("", ())


def test_a_second_delivery_of_an_unreadable_message_is_the_same_row(case):
    raw = nested_multipart(case, 1200)
    mail_receive(raw, provider="imap")

    again = mail_receive(raw, provider="Mailgun")

    assert again.outcome == Outcome.DUPLICATE and InboundMessage.objects.get().deliveries == 2


def test_any_other_parser_failure_keeps_the_message_refused(case, monkeypatch):
    def broken(msg):
        raise ValueError("a parser bug")

    monkeypatch.setattr(parsing, "_body_text", broken)

    receipt = mail_receive(email_bytes(to=reply_address(case.reference), text="Still down."), provider="imap")

    assert receipt.outcome == Outcome.REFUSED and parsing.UNREADABLE in receipt.message.note
    assert receipt.message.sender == DENNIS


# --- a teammate writing in -------------------------------------------------------------------------
@pytest.mark.parametrize("sender", ["Fran <fran@example.com>", "Fran+x@Example.COM", '"fr\\an"@example.com'])
def test_a_teammate_writing_to_a_reply_address_is_refused_and_opens_no_case(case, rep, sender):
    clients = Client.objects.count()

    receipt = mail_receive(email_bytes(to=reply_address(case.reference), sender=sender, text="Testing the reply."),
                           provider="imap")

    assert receipt.outcome == Outcome.REFUSED and "team member" in receipt.message.note
    assert Case.objects.count() == 1 and Client.objects.count() == clients
    assert not CaseEvent.objects.filter(verb=WROTE).exists()


def test_our_own_from_address_in_another_spelling_coming_back_is_a_mail_loop(case, settings):
    local, _, domain = settings.CLIENT_MAIL_FROM.rpartition("<")[2].rstrip(">").partition("@")
    sender = f"{local.upper()}+bounce@{domain.upper()}"

    receipt = mail_receive(email_bytes(to=reply_address(case.reference), sender=sender, text="Auto."), provider="imap")

    assert receipt.outcome == Outcome.REFUSED and "mail loop" in receipt.message.note
