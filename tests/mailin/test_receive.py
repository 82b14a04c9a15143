"""One email in, through the one service both ways in use: a client's reply lands on their case once,
with its attachments within the limits; anything a case may not take opens a new case for the team
to claim, never a post on someone else's case."""
import threading

import pytest
from django.db import connection

from cases.models import Case, CaseEvent, Step
from cases.services.client_mail import WROTE
from cases.services.client_messages import client_message_send
from mailin.addresses import reply_address
from mailin.models import InboundAttachment, InboundMessage, Outcome
from mailin.services import mail_receive
from notifications.models import OutboxMessage
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory
from tests.mailin.conftest import DENNIS, GMAIL_REPLY, PDF, PNG, email_bytes


def reply(case, **kwargs):
    return email_bytes(to=f"Support <{reply_address(case.reference)}>", **kwargs)


def wrote_events(case):
    return CaseEvent.objects.filter(case=case, verb=WROTE)


def test_a_client_reply_lands_on_the_case_timeline_with_the_quoted_history_trimmed(case):
    receipt = mail_receive(reply(case, text=GMAIL_REPLY), provider="imap")

    assert receipt.outcome == Outcome.POSTED and receipt.case == case
    (event,) = wrote_events(case)
    assert event.note.startswith(f"Dennis Hale <{DENNIS}> wrote by email: “Re: your case”")
    assert "Can you check the accounts for sales@ and orders@?" in event.note
    assert "restored from last night's backup" not in event.note
    assert event.data["channel"] == "email" and event.data["inbound"] == receipt.message.pk


def test_the_client_s_address_is_matched_whatever_its_case(case):
    receipt = mail_receive(reply(case, text="All fine now.", sender="DENNIS@Hale-Online.Example"), provider="imap")

    assert receipt.outcome == Outcome.POSTED


def test_a_reply_makes_the_client_s_mood_unknown_until_it_is_read(case):
    mail_receive(reply(case, text="Still broken."), provider="imap")

    case.refresh_from_db()
    assert case.client_wrote_at is not None


def test_the_owner_and_the_co_owner_are_told_at_once(case, rep, supervisor):
    case.co_owner = supervisor
    case.save(update_fields=["co_owner"])

    mail_receive(reply(case, text="Still broken, and I am losing orders."), provider="imap")

    told = OutboxMessage.objects.get(kind="client_mail_received")
    assert sorted(told.to) == sorted([rep.email, supervisor.email])
    assert "Still broken, and I am losing orders." in told.body_text


def test_one_message_delivered_twice_creates_one_timeline_entry(case):
    raw = reply(case, text="Is there any news?")

    first = mail_receive(raw, provider="Mailgun")
    second = mail_receive(raw, provider="imap")

    assert (first.outcome, second.outcome) == (Outcome.POSTED, Outcome.DUPLICATE)
    assert wrote_events(case).count() == 1
    assert InboundMessage.objects.get().deliveries == 2
    assert OutboxMessage.objects.filter(kind="client_mail_received").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_receiving_one_message_at_once_create_one_entry(rep, dennis, monkeypatch):
    """Both workers look the Message-ID up before either has inserted it (a barrier holds them there),
    then both insert: the unique Message-ID lets one through; the other waits for it, then finds it."""
    case = open_case(rep, dennis)
    raw = reply(case, text="Any news? The shop is still down.")
    barrier = threading.Barrier(2)
    manager = InboundMessage.objects
    original = manager.get_or_create

    def get_or_create_together(*args, **kwargs):
        barrier.wait(timeout=20)
        return original(*args, **kwargs)

    monkeypatch.setattr(manager, "get_or_create", get_or_create_together)
    outcomes = []

    def worker():
        try:
            outcomes.append(mail_receive(raw, provider="imap").outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == sorted([Outcome.POSTED, Outcome.DUPLICATE])
    assert InboundMessage.objects.count() == 1
    assert wrote_events(case).count() == 1


def test_an_attachment_over_the_limit_is_refused_and_the_message_is_still_posted(case, settings):
    big = b"%PDF-1.4\n" + b"0" * (settings.MAILIN_MAX_ATTACHMENT_BYTES + 1)

    receipt = mail_receive(reply(case, text="Both invoices attached.", attachments=[
        ("small.pdf", "application/pdf", PDF), ("huge.pdf", "application/pdf", big)]), provider="imap")

    assert receipt.outcome == Outcome.POSTED
    small, huge = InboundAttachment.objects.order_by("id")
    assert small.kept and small.file.read() == PDF
    assert not huge.kept and not huge.file and huge.refused.startswith("too large")
    (event,) = wrote_events(case)
    assert "Both invoices attached." in event.note
    assert "Attached: small.pdf" in event.note and "Not kept: huge.pdf (too large" in event.note


def test_an_attachment_of_a_type_not_accepted_is_refused(case):
    mail_receive(reply(case, text="Here is the tool.", attachments=[
        ("fix.exe", "application/x-msdownload", b"MZ\x90\x00")]), provider="imap")

    (attachment,) = InboundAttachment.objects.all()
    assert attachment.refused == "files of type application/x-msdownload are not accepted"


def test_a_file_that_is_not_the_type_it_claims_is_refused(case):
    mail_receive(reply(case, text="Screenshot attached.", attachments=[
        ("shot.png", "image/png", b"MZ not a png at all")]), provider="imap")

    (attachment,) = InboundAttachment.objects.all()
    assert attachment.refused == "the file is not the image/png it claims to be"


def test_an_image_of_an_accepted_type_is_kept(case):
    mail_receive(reply(case, text="Screenshot attached.", attachments=[("shot.png", "image/png", PNG)]),
                 provider="imap")

    assert InboundAttachment.objects.get().kept


def test_an_unknown_sender_opens_a_new_unclaimed_case_and_nothing_is_posted_on_the_case(case):
    receipt = mail_receive(reply(case, sender="Mallory <mallory@elsewhere.example>", text="Close this case."),
                           provider="imap")

    assert receipt.outcome == Outcome.NEW_CASE
    new = receipt.case
    assert new != case and new.awaiting_claim and new.step == Step.IDENTIFY
    assert new.client.email == "mallory@elsewhere.example" and new.client.name == "Mallory"
    assert new.owner.username == "client-mail" and not new.owner.is_active
    assert not wrote_events(case).exists()
    assert wrote_events(new).count() == 1


def test_the_owner_hears_that_someone_else_wrote_about_their_case(case, rep):
    mail_receive(reply(case, sender="accounts@hale-online.example", text="Please send the invoice."),
                 provider="imap")

    told = OutboxMessage.objects.get(kind="client_mail_unclaimed")
    assert sorted(told.to) == sorted(["team@cases.example", rep.email])
    assert case.reference in told.body_text


def test_an_address_with_a_bad_signature_opens_a_new_case_not_a_post(case, rep, dennis):
    other = open_case(rep, ClientFactory(email="someone@else.example"))
    forged = reply_address(other.reference).replace(other.reference, case.reference)

    receipt = mail_receive(email_bytes(to=forged, text="Refund me."), provider="imap")

    assert receipt.outcome == Outcome.NEW_CASE
    assert receipt.case not in (case, other) and receipt.case.client == dennis
    assert "did not verify" in receipt.message.note
    assert not wrote_events(case).exists() and not wrote_events(other).exists()


def test_mail_to_the_team_s_general_address_from_a_known_client_opens_a_case_for_that_client(dennis):
    receipt = mail_receive(email_bytes(to="support@reply.cases.example", subject="New problem",
                                       text="Our card payments fail."), provider="imap")

    assert receipt.outcome == Outcome.NEW_CASE
    assert receipt.case.client == dennis and receipt.case.summary == "New problem"


def test_a_reply_to_a_closed_case_opens_a_new_case(rep, dennis):
    closed = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)

    receipt = mail_receive(reply(closed, text="It broke again this morning."), provider="imap")

    assert receipt.outcome == Outcome.NEW_CASE and receipt.case != closed
    assert f"{closed.reference} is closed" in receipt.message.note
    assert not wrote_events(closed).exists()


def test_an_auto_reply_is_kept_but_goes_to_no_case(case):
    receipt = mail_receive(reply(case, text="I am out of the office.", headers={"Auto-Submitted": "auto-replied"}),
                           provider="imap")

    assert receipt.outcome == Outcome.REFUSED and receipt.case is None
    assert not wrote_events(case).exists()
    assert Case.objects.count() == 1


def test_our_own_mail_coming_back_is_not_posted(case):
    receipt = mail_receive(reply(case, sender="Case tracker <cases@cases.example>", text="A loop"), provider="imap")

    assert receipt.outcome == Outcome.REFUSED and "mail loop" in receipt.message.note


def test_nul_bytes_in_a_raw_email_never_reach_a_row(case):
    """The webhooks' bodies skip the NUL-byte guard (a raw email may hold any byte): the parser drops
    NULs from everything it stores, or PostgreSQL would refuse the row."""
    raw = reply(case, text="The printer\x00 works again now.").replace(b"Re: your case", b"Re: your\x00 case")

    receipt = mail_receive(raw, provider="imap")

    assert receipt.outcome == Outcome.POSTED
    (event,) = wrote_events(case)
    assert "\x00" not in event.note and "The printer works again now." in event.note
    assert "\x00" not in InboundMessage.objects.get().subject


@pytest.mark.parametrize("raw_name, stored", [(b"Zo\xc3\xab Dupr\xc3\xa9", "Zoë Dupré"),
                                              (b"Zo\xff\xfe", "Zo\ufffd\ufffd")], ids=["utf-8", "invalid"])
def test_raw_8_bit_bytes_in_the_headers_are_read_as_utf_8_and_the_email_is_kept(db, raw_name, stored):
    """A mail client may send UTF-8 in a header without encoding it (RFC 6532), or junk: the parser hands
    such bytes over as lone surrogates, which no row can hold; before, the email failed on every retry."""
    raw = email_bytes(to="Support <support@cases.example>", sender="Placeholder <zoe@example.fr>",
                      subject="Placeholder", text="The invoice page shows the wrong total since Monday.")
    raw = raw.replace(b"Placeholder <", raw_name + b" <").replace(b"Subject: Placeholder",
                                                                   b"Subject: Probl\xc3\xa8me " + raw_name)

    receipt = mail_receive(raw, provider="imap")

    message = InboundMessage.objects.get()
    assert receipt.outcome == Outcome.NEW_CASE
    assert message.sender_name == stored and message.subject == f"Problème {stored}"


# --- matched by the thread: the reply address was rewritten on the way ------------------------------
REWRITTEN = "Support <support@reply.cases.example>"  # what the client's mail system left of the reply address


def our_message(rep, case):
    case = advance_to(case, Step.ACKNOWLEDGE, rep)
    return client_message_send(user=rep, case=case, kind="acknowledgement",
                               text="We hear you: losing a day of orders hurts, and we are on it now.")


@pytest.mark.parametrize("header", ["In-Reply-To", "References"])
def test_a_client_reply_naming_our_message_lands_on_the_case_when_the_reply_address_was_rewritten(
        case, rep, header):
    ours = our_message(rep, case)
    named = ours.message_id if header == "In-Reply-To" else f"<unrelated@hale-online.example> {ours.message_id}"

    receipt = mail_receive(email_bytes(to=REWRITTEN, text="Thanks, any news on the shop?", headers={header: named}),
                           provider="imap")

    assert receipt.outcome == Outcome.POSTED and receipt.case == case
    assert wrote_events(case).count() == 1
    assert Case.objects.count() == 1


def test_someone_else_replying_in_the_thread_opens_a_new_case_and_never_posts_on_the_clients(case, rep):
    ours = our_message(rep, case)

    receipt = mail_receive(email_bytes(to=REWRITTEN, sender="Mallory <mallory@elsewhere.example>",
                                       text="Close this case and refund me.",
                                       headers={"In-Reply-To": ours.message_id, "References": ours.message_id}),
                           provider="imap")

    assert receipt.outcome == Outcome.NEW_CASE and receipt.case != case
    assert not wrote_events(case).exists()
    assert f"not the client of {case.reference}" in receipt.message.note
    told = OutboxMessage.objects.get(kind="client_mail_unclaimed")
    assert rep.email in told.to


def test_a_reply_naming_an_id_that_is_not_ours_opens_a_new_case(case, rep):
    our_message(rep, case)

    receipt = mail_receive(email_bytes(to=REWRITTEN, text="Any news?",
                                       headers={"In-Reply-To": "<someone-elses@example.net>"}), provider="imap")

    assert receipt.outcome == Outcome.NEW_CASE and receipt.case != case
    assert not wrote_events(case).exists()
