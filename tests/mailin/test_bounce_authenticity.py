"""Which reports naming one of our emails to a client are its bounce (mailin.services.bounce_refusal). Found
by an audit: anyone with the Message-ID of an email to a client (the client has it in every one) made the
ledger take it as bounced: a read receipt, a hand-made "report" from the client's or a teammate's address,
a mailer-daemon "report" about an email the client had already answered. The kept update was undone, its
promise turned broken and an escalation opened on the rep. Only a delivery status notification (RFC 3464)
from a mail server saying delivery to the address it went to failed counts, and not after the client
answered it. The real ones below are written as Postfix, Exim, Gmail and Exchange Online write them."""
import base64
import hashlib
import hmac

import pytest
from django.conf import settings

from cases.models import CaseEvent, ClientMessageStatus, PromiseStatus
from mailin.addresses import reply_address
from mailin.models import InboundMessage, Outcome
from mailin.services import mail_receive
from tests.cases.test_client_messages import HOUR, MIN, T0, at, deliver_at, emailed_update_kept, send
from tests.mailin.conftest import DENNIS, email_bytes

pytestmark = pytest.mark.django_db

BOUNCED_VERB = "message to the client bounced"


def _dsn(message_id, *, sender="Mail Delivery System <MAILER-DAEMON@mx.hale-online.example>",
         recipient=DENNIS, action="failed", extra_headers="", original=None, status_type="message/delivery-status",
         subject="Undelivered Mail Returned to Sender", mid="<dsn.1@mx.hale-online.example>", also_failed=None):
    """A delivery status notification as Postfix writes it (RFC 3464): a human part, the machine part with a
    per-message and a per-recipient block, and the returned message's headers."""
    original_line = f"Original-Recipient: rfc822;{original}\r\n" if original else ""
    other = (f"Final-Recipient: rfc822; {also_failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
             if also_failed else "")
    return (f"From: {sender}\r\nTo: {settings.CLIENT_MAIL_FROM}\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
            f"Date: Mon, 02 Mar 2026 12:10:00 +0000\r\nMIME-Version: 1.0\r\n{extra_headers}"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Description: Notification\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            "This is the mail system at host mx.hale-online.example.\r\n\r\n"
            "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
            f"--b1\r\nContent-Description: Delivery report\r\nContent-Type: {status_type}\r\n\r\n"
            "Reporting-MTA: dns; mx.hale-online.example\r\nX-Postfix-Queue-ID: 4F2C81A0B3\r\n"
            f"Arrival-Date: Mon,  2 Mar 2026 10:51:00 +0000 (UTC)\r\n\r\n{other}"
            f"Final-Recipient: rfc822; {recipient}\r\n{original_line}Action: {action}\r\nStatus: 5.1.1\r\n"
            "Remote-MTA: dns; mail.hale-online.example\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 <dennis@hale-online.example>: Recipient address rejected: "
            "User unknown\r\n\r\n"
            "--b1\r\nContent-Description: Undelivered Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"From: Case tracker <cases@cases.example>\r\nTo: {DENNIS}\r\nSubject: Update on your case\r\n"
            f"Message-ID: {message_id}\r\n\r\n--b1--\r\n").encode()


def _hand_made(sender, message_id, *, report_type="delivery-status", parts="",
               subject="Re: Update on your case", mid="<hand.1@x.example>"):
    """A "report" as the audit's probes wrote it: multipart/report naming the email, no machine part."""
    return (f"From: {sender}\r\nTo: cases@cases.example\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
            f"In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n"
            "Date: Mon, 02 Mar 2026 12:10:00 +0000\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/report; report-type={report_type}; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain\r\n\r\nGot it, thanks.\r\n" + parts + "--b1--\r\n").encode()


def _assert_untouched(message, promise, case):
    message.refresh_from_db()
    promise.refresh_from_db()
    assert message.status == ClientMessageStatus.SENT
    assert promise.status == PromiseStatus.KEPT
    assert not CaseEvent.objects.filter(case=case, verb=BOUNCED_VERB).exists()
    assert not case.escalations.exists()


# --- What is no bounce ---------------------------------------------------------------------------------
def test_a_read_receipt_from_the_client_is_no_bounce(rep, dennis):
    """RFC 8098, as Thunderbird sends it: it says the client read the update."""
    case, message, promise = emailed_update_kept(rep, dennis)
    mdn = ("--b1\r\nContent-Type: message/disposition-notification\r\n\r\n"
           f"Reporting-UA: mail.hale-online.example; Thunderbird\r\nFinal-Recipient: rfc822;{DENNIS}\r\n"
           f"Original-Message-ID: {message.message_id}\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n"
           "\r\n--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
           f"Message-ID: {message.message_id}\r\nSubject: Update on your case\r\n\r\n")
    with at(T0 + 3 * HOUR):
        receipt = mail_receive(_hand_made(f"Dennis Hale <{DENNIS}>", message.message_id,
                                          report_type="disposition-notification", parts=mdn,
                                          subject="Return Receipt (displayed) - Update on your case"),
                               provider="imap")

    _assert_untouched(message, promise, case)
    assert receipt.outcome == Outcome.REFUSED and receipt.message.case is None
    assert "not its bounce" in receipt.message.note


def test_a_full_delivery_report_written_from_the_clients_own_address_is_no_bounce(rep, dennis):
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 3 * HOUR):
        receipt = mail_receive(_dsn(message.message_id, sender=f"Dennis Hale <{DENNIS.upper()}>"), provider="imap")

    _assert_untouched(message, promise, case)
    assert "the client's own address" in receipt.message.note


def test_a_full_delivery_report_from_a_plus_tag_of_the_clients_mailbox_is_no_bounce(rep, dennis):
    """Found by an audit: the client's own mailbox spelt with a +tag passed as not theirs."""
    case, message, promise = emailed_update_kept(rep, dennis)
    local, domain = DENNIS.split("@")

    with at(T0 + 3 * HOUR):
        receipt = mail_receive(_dsn(message.message_id, sender=f"Dennis Hale <{local}+x@{domain}>"), provider="imap")

    _assert_untouched(message, promise, case)
    assert "the client's own address" in receipt.message.note


def test_a_full_delivery_report_sent_from_a_persons_mailbox_is_no_bounce(rep, dennis):
    """Found by an audit: a teammate's hand-made report from a private mailbox passed. A mail server sends its
    report from the null path (Return-Path: <>); a person's mail has their address there."""
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 3 * HOUR):
        receipt = mail_receive(_dsn(message.message_id, sender="Mail Delivery System <MAILER-DAEMON@gmail.example>",
                                    extra_headers="Return-Path: <sam.private@gmail.example>\r\n"), provider="imap")

    _assert_untouched(message, promise, case)
    assert "sam.private@gmail.example" in receipt.message.note


def test_a_report_whose_return_path_holds_a_nul_is_kept_refused_with_the_address_it_names(rep, dennis):
    """Found by a probe: the Return-Path was the one header read without the parser's NUL guard, so the
    refusal naming it could not be stored (PostgreSQL text holds no NUL): the IMAP sweep left the message in
    the folder for ever, a provider's webhook answered 500 and posted it again."""
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 3 * HOUR):
        receipt = mail_receive(_dsn(message.message_id, extra_headers="Return-Path: <sam\x00@gmail.example>\r\n"),
                               provider="imap")

    _assert_untouched(message, promise, case)
    assert receipt.outcome == Outcome.REFUSED and "(sam@gmail.example)" in receipt.message.note


def test_a_full_delivery_report_written_from_a_teammates_address_is_no_bounce(rep, teammate, dennis):
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 3 * HOUR):
        receipt = mail_receive(_dsn(message.message_id, sender=teammate.email), provider="imap")

    _assert_untouched(message, promise, case)
    assert receipt.outcome == Outcome.REFUSED and "team member" in receipt.message.note


def test_a_mailer_daemon_message_without_the_machine_part_is_no_bounce(rep, dennis):
    """A subject and a mailer-daemon sender are no report: a mail server always says which recipient failed."""
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 3 * HOUR):
        mail_receive(_hand_made("MAILER-DAEMON@evil.example", message.message_id,
                                subject="Undeliverable: mailbox does not exist"), provider="imap")

    _assert_untouched(message, promise, case)


def test_a_report_that_another_address_failed_is_no_bounce_of_the_clients_email(rep, dennis):
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 3 * HOUR):
        mail_receive(_dsn(message.message_id, recipient="someone.else@hale-online.example"), provider="imap")

    _assert_untouched(message, promise, case)


@pytest.mark.parametrize("action", ["delayed", "relayed", "delivered", "expanded"])
def test_a_report_of_anything_but_failure_for_the_client_is_no_bounce(rep, dennis, action):
    """Another recipient of the same report failing says nothing of the client's address."""
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 3 * HOUR):
        mail_receive(_dsn(message.message_id, action=action, also_failed="old.address@hale-online.example"),
                     provider="imap")

    _assert_untouched(message, promise, case)


def test_a_report_about_an_email_the_client_already_answered_is_no_bounce(rep, dennis):
    case, message, promise = emailed_update_kept(rep, dennis)
    with at(T0 + 55 * MIN):
        answer = mail_receive(email_bytes(to=reply_address(case.reference), text="Thanks for the update!",
                                          headers={"In-Reply-To": message.message_id}), provider="imap")
    assert answer.outcome == Outcome.POSTED

    with at(T0 + 3 * HOUR):
        receipt = mail_receive(_dsn(message.message_id, sender="MAILER-DAEMON@evil.example"), provider="imap")

    _assert_untouched(message, promise, case)
    assert "already answered" in receipt.message.note


def test_a_report_nested_in_a_forwarded_email_is_no_bounce(rep, dennis):
    """Only the report's own machine part counts, not one inside an email it carries."""
    case, message, promise = emailed_update_kept(rep, dennis)
    inner = _dsn(message.message_id).decode()
    outer = ("From: Postmaster <postmaster@evil.example>\r\nTo: cases@cases.example\r\nSubject: Undeliverable\r\n"
             "Message-ID: <outer.1@evil.example>\r\nMIME-Version: 1.0\r\n"
             'Content-Type: multipart/report; report-type=delivery-status; boundary="o1"\r\n\r\n'
             "--o1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
             f"--o1\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--o1--\r\n").encode()

    with at(T0 + 3 * HOUR):
        mail_receive(outer, provider="imap")

    _assert_untouched(message, promise, case)


# --- What is one: real reports ------------------------------------------------------------------------
def _exim(message_id):
    """Exim marks its bounces Auto-Submitted: auto-replied (RFC 3834) and returns the whole message."""
    return ("From: Mail Delivery System <Mailer-Daemon@mail.hale-online.example>\r\n"
            f"To: {settings.CLIENT_MAIL_FROM}\r\nSubject: Mail delivery failed: returning message to sender\r\n"
            "Message-Id: <E1vXyZ-0001Ab-Cd@mail.hale-online.example>\r\nDate: Mon, 02 Mar 2026 10:52:00 +0000\r\n"
            "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="1772448720-eximdsn-42"\r\n\r\n'
            "--1772448720-eximdsn-42\r\nContent-type: text/plain; charset=us-ascii\r\n\r\n"
            "This message was created automatically by mail delivery software.\r\n\r\n"
            "A message that you sent could not be delivered to one or more of its\r\nrecipients. "
            f"This is a permanent error. The following address(es) failed:\r\n\r\n  {DENNIS}\r\n"
            "    mailbox is full: retry timeout exceeded\r\n\r\n"
            "--1772448720-eximdsn-42\r\nContent-type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mail.hale-online.example\r\n\r\n"
            f"Action: failed\r\nFinal-Recipient: rfc822;{DENNIS}\r\nStatus: 5.2.2\r\n\r\n"
            "--1772448720-eximdsn-42\r\nContent-type: message/rfc822\r\n\r\n"
            f"From: Case tracker <cases@cases.example>\r\nTo: {DENNIS}\r\nSubject: Update on your case\r\n"
            f"Message-ID: {message_id}\r\n\r\nThe mail server is restored.\r\n\r\n"
            "--1772448720-eximdsn-42--\r\n").encode()


def _gmail(message_id):
    return ("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
            f"To: {settings.CLIENT_MAIL_FROM}\r\nSubject: Delivery Status Notification (Failure)\r\n"
            f"Message-ID: <5e1f.gmail.1@mx.google.com>\r\nIn-Reply-To: {message_id}\r\nReferences: {message_id}\r\n"
            "Date: Mon, 02 Mar 2026 10:52:00 -0800\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; boundary="000000000000a1b2"; report-type=delivery-status\r\n\r\n'
            '--000000000000a1b2\r\nContent-Type: multipart/related; boundary="000000000000c3d4"\r\n\r\n'
            '--000000000000c3d4\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n'
            f"** Address not found **\r\n\r\nYour message wasn't delivered to {DENNIS}.\r\n\r\n"
            "--000000000000c3d4--\r\n"
            "--000000000000a1b2\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; googlemail.com\r\nArrived-Date: Mon, 02 Mar 2026 10:52:00 -0800\r\n"
            "X-Original-Message-ID: " + message_id + "\r\n\r\n"
            f"Final-Recipient: rfc822; {DENNIS}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "Remote-MTA: dns; mail.hale-online.example. (192.0.2.10, the server for hale-online.example.)\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 The email account that you tried to reach does not exist.\r\n"
            "Last-Attempt-Date: Mon, 02 Mar 2026 10:52:01 -0800\r\n\r\n"
            "--000000000000a1b2\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {message_id}\r\nSubject: Update on your case\r\n\r\n--000000000000a1b2--\r\n").encode()


def _outlook(message_id):
    """Exchange Online: the address as sent in Original-Recipient, the mailbox's own spelling in Final-Recipient."""
    return ("From: Microsoft Outlook <postmaster@hale-online.onmicrosoft.com>\r\n"
            f"To: {settings.CLIENT_MAIL_FROM}\r\nSubject: Undeliverable: Update on your case\r\n"
            "Message-ID: <a9c0.outlook.1@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>\r\n"
            f"In-Reply-To: {message_id}\r\nReferences: {message_id}\r\n"
            "Date: Mon, 2 Mar 2026 10:52:00 +0000\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="ndr_b"\r\n\r\n'
            "--ndr_b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            "Your message to dennis couldn't be delivered.\r\n"
            "--ndr_b\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com\r\n"
            "Received-From-MTA: dns;smtp.cases.example\r\n\r\n"
            "Final-Recipient: rfc822;Dennis.Hale@hale-online.onmicrosoft.com\r\n"
            f"Original-Recipient: rfc822;{DENNIS.upper()}\r\nAction: failed\r\nStatus: 5.2.2\r\n"
            "Diagnostic-Code: smtp;554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException\r\n\r\n"
            "--ndr_b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"Message-ID: {message_id}\r\nSubject: Update on your case\r\n\r\n--ndr_b--\r\n").encode()


REAL = {
    "postfix": lambda mid: _dsn(mid),
    "postfix_smtputf8": lambda mid: _dsn(mid, status_type="message/global-delivery-status"),
    "exim": _exim,
    "gmail": _gmail,
    "outlook": _outlook,
}


@pytest.mark.parametrize("mta", sorted(REAL))
def test_a_mail_servers_failure_report_bounces_the_email_and_undoes_the_update(rep, dennis, mta):
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 52 * MIN):
        receipt = mail_receive(b"Return-Path: <>\r\n" + REAL[mta](message.message_id), provider="imap")

    message.refresh_from_db()
    promise.refresh_from_db()
    assert message.status == ClientMessageStatus.BOUNCED, receipt.message.note
    assert receipt.message.case == case and "marked bounced" in receipt.message.note
    assert CaseEvent.objects.filter(case=case, verb=BOUNCED_VERB).count() == 1
    assert promise.status != PromiseStatus.KEPT


def test_an_answer_to_another_email_does_not_stop_the_bounce_of_this_one(rep, dennis):
    """The client answering an earlier email says nothing of whether a later one reached them."""
    case, first, _ = emailed_update_kept(rep, dennis)
    with at(T0 + 55 * MIN):
        mail_receive(email_bytes(to=reply_address(case.reference), text="Thanks for the update!",
                                 headers={"In-Reply-To": first.message_id}), provider="imap")
    second = send(rep, case, T0 + 70 * MIN)
    deliver_at(T0 + 71 * MIN)

    with at(T0 + 72 * MIN):
        mail_receive(_dsn(second.message_id), provider="imap")

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == ClientMessageStatus.BOUNCED and first.status == ClientMessageStatus.SENT


# --- The webhook way in reaches the same rule -----------------------------------------------------------
KEY = "k" * 24


def _mailgun_post(client, raw):
    timestamp, token = "1772449500", "t" * 50
    signature = hmac.new(KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {"recipient": settings.CLIENT_MAIL_FROM, "sender": "x@x.example", "body-mime": raw.decode(),
            "timestamp": timestamp, "token": token, "signature": signature}
    auth = "Basic " + base64.b64encode(b"anymail:pw").decode()
    return client.post("/anymail/mailgun/inbound_mime/", data=data, HTTP_AUTHORIZATION=auth)


@pytest.fixture
def mailgun(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY, "WEBHOOK_SECRET": "anymail:pw"}
    settings.MAILIN_WEBHOOK_PROVIDERS = ["Mailgun"]


def test_through_the_webhook_a_teammates_report_is_no_bounce_and_a_servers_is(client, rep, teammate, dennis, mailgun):
    case, message, promise = emailed_update_kept(rep, dennis)

    with at(T0 + 52 * MIN):
        assert _mailgun_post(client, _dsn(message.message_id, sender=teammate.email,
                                          mid="<forged.1@x.example>")).status_code == 200
    _assert_untouched(message, promise, case)
    assert "team member" in InboundMessage.objects.get(message_id="<forged.1@x.example>").note

    with at(T0 + 53 * MIN):
        assert _mailgun_post(client, _gmail(message.message_id)).status_code == 200
    message.refresh_from_db()
    assert message.status == ClientMessageStatus.BOUNCED
