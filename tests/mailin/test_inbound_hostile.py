"""Findings of an audit of the inbound mail, each fixed where its rule lives:

1. An HTML-only body is read in one pass (mailin.parsing.html_to_text): 150 KB of "<", or of unclosed
   <head> or <blockquote> tags, rescanned the text from every "<" and held the intake for 20 s (minutes at
   the 500 KB read). What the reader keeps of ordinary and hostile HTML is what it kept before.
2. A delivery report the mail provider flagged as spam, or one over MAILIN_MAX_MESSAGE_BYTES, is not read
   as a bounce: it changed the case (the update undone) although such mail "goes to no case".
3. An email sent from a teammate's mailbox (its Return-Path) with a client's name in From is refused:
   it was posted on the case as the client writing."""
from urllib.parse import quote

import pytest
from django.urls import reverse

from cases.models import CaseEvent, ClientMessageStatus, PromiseStatus
from config.settings import base
from mailin.addresses import reply_address
from mailin.models import InboundAttachment, Outcome
from mailin.parsing import HTML_MAX, html_to_text
from mailin.services import mail_receive
from tests.cases.test_client_messages import HOUR, T0, at, emailed_update_kept
from tests.mailin.conftest import email_bytes
from tests.mailin.test_bounce_authenticity import BOUNCED_VERB, _dsn

pytestmark = pytest.mark.django_db


# --- 1. HTML read in one pass ---------------------------------------------------------------------------
@pytest.mark.parametrize("markup, text", [
    ('<p>Hello <b>Dennis</b></p><blockquote>old</blockquote><SCRIPT>bad()</script>Bye<br>now'
     '<div class="gmail_quote">On Monday you wrote</div>', "Hello Dennis\nBye\nnow"),
    ("<html><head><title>x</title></head><body>Still down &amp; no orders</body></html>", "Still down & no orders"),
    ("a < b and <i>c</i> <head>never closed", "a < b and c never closed"),
    ("<style>p{}</style><STYLE>q{}</Style>Shop open?", "Shop open?"),
    ("<blockquote>one<blockquote>two</blockquote>three</blockquote>Reply", "threeReply"),
])
def test_the_html_reader_keeps_the_words_a_person_wrote(markup, text):
    assert html_to_text(markup) == text


@pytest.mark.parametrize("unit", ["<", "<head>", "<blockquote>", "<script", '<div class="x', "<b"])
def test_a_hostile_body_as_long_as_is_read_gives_its_text(unit):
    markup = (unit * (HTML_MAX // len(unit) + 1))[:HTML_MAX]

    text = html_to_text(markup + "tail")  # the tail is beyond the part read

    assert "tail" not in text and len(text) <= HTML_MAX and not text.startswith("<head>")


def test_an_html_only_email_of_unclosed_tags_is_received_and_kept(case):
    raw = email_bytes(to=reply_address(case.reference), text=None, html="<head>" * 25_000 + "Still down")

    receipt = mail_receive(raw, provider="imap")

    assert receipt.outcome == Outcome.POSTED and receipt.message.case == case


# --- 2. A screened report is no bounce --------------------------------------------------------------------
@pytest.mark.parametrize("screened", ["spam", "too large"])
def test_a_report_flagged_as_spam_or_too_large_does_not_bounce_the_email(rep, dennis, settings, screened):
    case, message, promise = emailed_update_kept(rep, dennis)
    if screened == "too large":
        settings.MAILIN_MAX_MESSAGE_BYTES = 100

    with at(T0 + 3 * HOUR):
        receipt = mail_receive(b"Return-Path: <>\r\n" + _dsn(message.message_id), provider="Mailgun",
                               spam=screened == "spam")

    message.refresh_from_db()
    promise.refresh_from_db()
    assert receipt.outcome == Outcome.REFUSED and receipt.message.case is None
    assert (message.status, promise.status) == (ClientMessageStatus.SENT, PromiseStatus.KEPT)
    assert not CaseEvent.objects.filter(case=case, verb=BOUNCED_VERB).exists()


def test_the_same_report_unflagged_still_bounces_the_email(rep, dennis):
    _case, message, _promise = emailed_update_kept(rep, dennis)

    with at(T0 + 3 * HOUR):
        mail_receive(b"Return-Path: <>\r\n" + _dsn(message.message_id), provider="Mailgun")

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.BOUNCED


# --- 3. A teammate's mailbox is not the client --------------------------------------------------------------
def test_mail_from_a_teammates_mailbox_in_the_clients_name_is_refused(case, rep):
    raw = email_bytes(to=reply_address(case.reference), text="All fixed, you can close it.",
                      headers={"Return-Path": f"<{rep.email}>"})

    receipt = mail_receive(raw, provider="imap")

    assert receipt.outcome == Outcome.REFUSED and receipt.message.case is None
    assert "team member's mailbox" in receipt.message.note
    case.refresh_from_db()
    assert case.client_wrote_at is None


def test_mail_from_the_clients_own_mailbox_is_posted(case):
    raw = email_bytes(to=reply_address(case.reference), text="Still down here.",
                      headers={"Return-Path": "<dennis-bounces@hale-online.example>"})

    assert mail_receive(raw, provider="imap").outcome == Outcome.POSTED


# --- 4. Files that run when opened are not kept ---------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name, kind, content", [
    ("fix.hta", "text/plain", b'<script>new ActiveXObject("WScript.Shell").Run("calc")</script>'),
    ("invoice.html", "image/png", PNG + b"<script>alert(1)</script>"),
    ("fix.jar", "text/plain", b"\xff\xfe" + b"PK\x03\x04" + b"\x00" * 20),
    ("notes.txt", "text/plain", b"see attached\r\n" + b"PK\x03\x04" + b"\x14" * 20),
    ("setup.EXE ", "image/png", PNG + b"MZ"),
    ("fix.bat . .", "text/plain", b"@echo off\r\ndel /q *\r\n"),  # Windows saves it as fix.bat
    ("fix.cmd..  ", "text/plain", b"@echo off\r\n"),
])
def test_a_file_that_runs_when_opened_is_not_kept_whatever_type_it_claims(case, name, kind, content):
    raw = email_bytes(to=reply_address(case.reference), text="Here is the log", attachments=[(name, kind, content)])

    receipt = mail_receive(raw, provider="imap")

    attachment = receipt.message.attachments.get()
    assert receipt.outcome == Outcome.POSTED and not attachment.kept and attachment.refused


@pytest.mark.parametrize("name, kind, content", [
    ("screen.png", "image/png", PNG + b"\x00" * 30),
    ("log.txt", "text/plain", b"12:01 upgrade started\r\n12:40 mail server down\r\n"),
    ("log-utf16.txt", "text/plain", "12:01 upgrade started".encode("utf-16")),
])
def test_ordinary_files_are_kept(case, name, kind, content):
    raw = email_bytes(to=reply_address(case.reference), text="Here is the log", attachments=[(name, kind, content)])

    attachment = mail_receive(raw, provider="imap").message.attachments.get()

    assert attachment.kept and attachment.refused == ""


@pytest.mark.parametrize("name, kind, content, saved_as", [
    ("invoice.docm", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04macros",
     "invoice.docm.docx"),  # a macro document checked as Word's: opened as .docx, its macros do not run
    ("orders.xlsm", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04macros",
     "orders.xlsm.xlsx"),
    ("help.chm", "text/plain", b"plain words", "help.chm.txt"),
    ("server.log", "text/plain", b"12:01 upgrade started", "server.log"),
    ("photo.JPEG", "image/jpeg", b"\xff\xd8\xff\xe0", "photo.JPEG"),
    ("." * 3, "application/pdf", b"%PDF-1.7", "attachment.pdf"),
    ("x.bat::$DATA", "application/pdf", b"%PDF-1.7", "x.bat__$DATA.pdf"),  # no NTFS stream
    ('a<b>c"d|e?f*.pdf', "application/pdf", b"%PDF-1.7", "a_b_c_d_e_f_.pdf"),
    ("CON.txt", "text/plain", b"plain words", "_CON.txt"),  # a Windows device name
    ("COM¹.txt", "text/plain", b"plain words", "_COM¹.txt"),
    ("conout$.txt", "text/plain", b"plain words", "_conout$.txt"),
    ("CON .txt", "text/plain", b"plain words", "_CON .txt"),
    ("console.txt", "text/plain", b"plain words", "console.txt"),
    ("invoice\u202efdp.pdf", "application/pdf", b"%PDF-1.7", "invoicefdp.pdf"),  # no right-to-left override
])
def test_a_kept_file_is_saved_and_downloaded_under_its_checked_types_extension(case, client, settings, name, kind,
                                                                              content, saved_as):
    settings.MAILIN_ALLOWED_CONTENT_TYPES = base.MAILIN_ALLOWED_CONTENT_TYPES  # the defaults, Word's and Excel's in
    raw = email_bytes(to=reply_address(case.reference), text="Here is the file", attachments=[(name, kind, content)])
    attachment = mail_receive(raw, provider="imap").message.attachments.get()
    client.force_login(case.owner)

    download = client.get(reverse("mailin:attachment", args=[attachment.pk]))

    assert attachment.kept and attachment.filename == saved_as
    header = f'filename="{saved_as}"' if saved_as.isascii() else f"filename*=utf-8''{quote(saved_as)}"
    assert download.status_code == 200 and header in download["Content-Disposition"]


def test_a_file_kept_before_the_rule_is_downloaded_under_its_types_extension(case, client):
    raw = email_bytes(to=reply_address(case.reference), text="Here is the file", attachments=[
        ("notes.txt", "text/plain", b"plain words")])
    attachment = mail_receive(raw, provider="imap").message.attachments.get()
    InboundAttachment.objects.filter(pk=attachment.pk).update(filename="fix.bat . ")  # as stored before
    client.force_login(case.owner)

    download = client.get(reverse("mailin:attachment", args=[attachment.pk]))

    assert 'filename="fix.bat.txt"' in download["Content-Disposition"]
    assert "fix.bat.txt" in client.get(reverse("mailin:case_mail", args=[case.reference])).content.decode()


def test_a_type_no_extension_is_known_for_is_kept_as_bin_and_the_check_warns(case, settings):
    from django.core import checks

    settings.MAILIN_ALLOWED_CONTENT_TYPES = ["application/pdf", "application/msword"]
    raw = email_bytes(to=reply_address(case.reference), text="Here is the file", attachments=[
        ("fix.docm", "application/msword", b"\xd0\xcf\x11\xe0 an old Word file")])

    attachment = mail_receive(raw, provider="imap").message.attachments.get()

    assert attachment.kept and attachment.download_name == "fix.docm.bin"
    warned = [m for m in checks.run_checks() if m.id == "mailin.W001"]
    assert len(warned) == 1 and "application/msword" in warned[0].msg


# --- 5. An address too long to keep is not kept cut --------------------------------------------------------
def test_a_new_sender_longer_than_an_address_may_be_is_not_given_a_cut_address(db):
    from cases.models import Client
    from cases.services.client_mail import case_open_from_mail

    sender = "d" * 60 + "@" + ".".join(["a" * 60] * 4) + ".example"  # valid in form, 315 characters
    assert len(sender) > 254

    case = case_open_from_mail(sender=sender, sender_name="Dennis", subject="Shop down",
                               text="The shop has been down since this morning, please call.")

    assert case.client.email == "" and not Client.objects.exclude(email="").exists()
