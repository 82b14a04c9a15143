"""Reading a raw email: the new text without the quoted history, the sender, the addresses it went
to, a stable id when it has no Message-ID, and the attachments."""
from email import message_from_bytes
from email.mime.image import MIMEImage
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from mailin.parsing import parse_message, trim_quoted
from tests.mailin.conftest import DENNIS, GMAIL_REPLY, PDF, PNG, email_bytes


def test_a_gmail_reply_keeps_only_the_new_text():
    trimmed = trim_quoted(GMAIL_REPLY)

    assert trimmed == ("Thanks Fran, the site is back but email still bounces for two of us.\n"
                       "Can you check the accounts for sales@ and orders@?")


def test_an_on_wrote_line_wrapped_over_two_lines_starts_the_history():
    text = ("Yes, that works for me.\n\n"
            "On Mon, 2 Mar 2026 at 10:15, Fran Lindqvist from the support team <cases@x.example>\n"
            "wrote:\n> Shall we call at 2?\n")

    assert trim_quoted(text) == "Yes, that works for me."


def test_an_outlook_reply_loses_its_original_message_block():
    text = ("Still down here.\n\n-----Original Message-----\nFrom: Case tracker <cases@x.example>\n"
            "Sent: Monday, March 2, 2026 10:15 AM\nSubject: C-000123\n\nWe are restoring it.\n")

    assert trim_quoted(text) == "Still down here."


def test_an_outlook_web_reply_loses_its_from_and_sent_block():
    text = "Thank you, all good now.\n\nFrom: Case tracker <cases@x.example>\nSent: 02 March 2026 10:15\nTo: Dennis\n"

    assert trim_quoted(text) == "Thank you, all good now."


def test_inline_answers_between_quoted_lines_are_kept():
    text = "> When did it start?\nAt 7am.\n> Who is affected?\nThe whole sales team.\n"

    assert trim_quoted(text) == "At 7am.\nThe whole sales team."


def test_the_signature_is_trimmed():
    assert trim_quoted("It works now, thanks!\n\n-- \nDennis Hale\nHale Online Supplies\n") == "It works now, thanks!"


def test_a_message_that_is_only_quotation_is_kept_whole():
    assert trim_quoted("> just the old text\n") == "> just the old text"


def test_an_html_only_reply_is_read_as_text_without_its_quoted_block():
    raw = email_bytes(to="case@x.example", text=None, html=(
        "<div>Orders are flowing again &amp; thanks.</div><div><br></div>"
        "<div class=\"gmail_quote\"><div>On Mon wrote:</div><blockquote>old text</blockquote></div>"))

    mail = parse_message(raw)

    assert mail.text == "Orders are flowing again & thanks."


def test_sender_recipients_and_subject_are_read():
    raw = email_bytes(to="Support <case+C-000001.abc@x.example>", subject="Re: C-000001",
                      text="Fine", headers={"Cc": "accounts@hale-online.example"})

    mail = parse_message(raw, envelope_recipient="case+C-000001.abc@x.example")

    assert (mail.sender, mail.sender_name, mail.subject) == (DENNIS, "Dennis Hale", "Re: C-000001")
    assert mail.recipients == ("case+C-000001.abc@x.example", "accounts@hale-online.example")
    assert mail.sent_at.isoformat() == "2026-03-02T11:05:00+00:00"


def test_a_message_without_message_id_gets_the_same_stable_id_each_time():
    raw = email_bytes(to="x@x.example", text="Hello there").replace(b"Message-ID:", b"X-Old-ID:")

    first, second = parse_message(raw), parse_message(raw)

    assert first.message_id == second.message_id
    assert first.message_id.endswith("@mailin.invalid>")


def test_the_same_message_rebuilt_with_another_mime_boundary_gets_the_same_id_and_another_message_another():
    """A webhook provider rebuilds the MIME of a retried delivery (a new random boundary): still one message."""
    def built(boundary, text="The invoice page shows the wrong total."):
        raw = email_bytes(to="x@x.example", text=text, attachments=[("invoice.pdf", "application/pdf", PDF)])
        old = raw.split(b'boundary="', 1)[1].split(b'"', 1)[0]
        return raw.replace(b"Message-ID:", b"X-Old-ID:").replace(old, boundary)

    first, retried = parse_message(built(b"===1111==")), parse_message(built(b"===2222=="))
    other = parse_message(built(b"===1111==", text="A different complaint altogether."))

    assert first.message_id == retried.message_id != other.message_id


def test_attachments_come_with_their_name_type_and_bytes():
    raw = email_bytes(to="x@x.example", text="Invoice attached",
                      attachments=[("../../etc/invoice.pdf", "application/pdf", PDF)])

    (attachment,) = parse_message(raw).attachments

    assert (attachment.filename, attachment.content_type, attachment.content) == ("invoice.pdf", "application/pdf", PDF)


def test_an_auto_reply_is_recognised_as_machine_mail():
    raw = email_bytes(to="x@x.example", text="I am out of the office until Monday.",
                      headers={"Auto-Submitted": "auto-replied"})

    assert parse_message(raw).automatic == "an automatic reply"


def test_a_real_raw_message_with_quoted_printable_and_latin1_is_read():
    raw = (b"Return-Path: <dennis@hale-online.example>\r\n"
           b"Delivered-To: case+C-000007.k2j3@reply.cases.example\r\n"
           b"From: =?iso-8859-1?q?Dennis_H=E4le?= <dennis@hale-online.example>\r\n"
           b"To: \"Support\" <case+C-000007.k2j3@reply.cases.example>\r\n"
           b"Subject: =?utf-8?q?Re=3A_Caf=C3=A9_orders?=\r\n"
           b"Date: Mon, 2 Mar 2026 11:05:00 +0000\r\n"
           b"Message-ID: <20260302110500.GA123@hale-online.example>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=iso-8859-1\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"Gr=FC=DFe, the caf=E9 orders work again.\r\n\r\n"
           b"Am 02.03.2026 um 10:15 schrieb Case tracker <cases@cases.example>:\r\n"
           b"> old\r\n")

    mail = parse_message(raw)

    assert mail.sender_name == "Dennis Häle" and mail.subject == "Re: Café orders"
    assert mail.text == "Grüße, the café orders work again."
    assert mail.recipients[0] == "case+C-000007.k2j3@reply.cases.example"
    assert mail.message_id == "<20260302110500.GA123@hale-online.example>"


def test_an_attachment_s_content_type_with_a_nul_or_junk_is_read_as_octet_stream():
    raw = email_bytes(to="x@x.example", text="Invoice attached",
                      attachments=[("invoice.pdf", "application/pdf", PDF)])
    raw = raw.replace(b"Content-Type: application/pdf", b"Content-Type: applic\x00ation/pdf")

    (attachment,) = parse_message(raw).attachments

    assert attachment.content_type == "application/octet-stream" and attachment.content == PDF


def _with_date(value):
    raw = email_bytes(to="x@x.example", text="Still down")
    return raw.replace(b"Mon, 02 Mar 2026 11:05:00 +0000", value.encode())


def test_a_sane_date_header_is_read():
    import datetime as dt

    assert parse_message(_with_date("Mon, 02 Mar 2026 11:05:00 +0000")).sent_at == dt.datetime(
        2026, 3, 2, 11, 5, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("value", ["Fri, 31 Dec 9999 23:59:59 -1400", "Wed, 01 Jan 1000 00:00:00 +1400",
                                   "Sat, 01 Jan 1972 00:00:00 +0000", "Sun, 01 Jan 2090 00:00:00 +0000"])
def test_a_date_header_outside_a_sane_range_is_no_date(value):
    assert parse_message(_with_date(value)).sent_at is None


def test_text_written_around_an_inline_picture_is_kept_whole_and_the_picture_is_an_attachment():
    """Apple Mail sends text, an inline picture, more text as one multipart/mixed message."""
    msg = MIMEMultipart("mixed")
    msg["From"], msg["To"], msg["Subject"] = "Dennis Hale <dennis@hale-online.example>", "support@cases.example", "Re"
    msg.attach(MIMEText("Here is the error I get when I log in:", "plain"))
    picture = MIMEImage(PNG, "png")
    picture.add_header("Content-Disposition", "inline", filename="screenshot.png")
    msg.attach(picture)
    msg.attach(MIMEText("It also happens on my phone, and orders from yesterday are missing too.", "plain"))

    parsed = parse_message(msg.as_bytes())

    assert parsed.text == ("Here is the error I get when I log in:\n\n"
                           "It also happens on my phone, and orders from yesterday are missing too.")
    assert [a.filename for a in parsed.attachments] == ["screenshot.png"]


def test_an_email_forwarded_as_an_attachment_is_an_attachment_not_nothing():
    forwarded = email_bytes(to="dennis@hale-online.example", sender="Host <noc@host.example>",
                            subject="Maintenance tonight", text="We will restart the mail servers at 22:00.")
    msg = MIMEMultipart("mixed")
    msg["From"], msg["To"], msg["Subject"] = "Dennis Hale <dennis@hale-online.example>", "support@cases.example", "Fwd"
    msg.attach(MIMEText("See the email from the host below, this is why it broke.", "plain"))
    attached = MIMEMessage(message_from_bytes(forwarded))  # as mail programs forward: nested, not encoded
    attached.add_header("Content-Disposition", "attachment", filename="host-notice.eml")
    msg.attach(attached)

    parsed = parse_message(msg.as_bytes())

    assert parsed.text == "See the email from the host below, this is why it broke."
    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.content_type) == ("host-notice.eml", "message/rfc822")
    assert b"We will restart the mail servers at 22:00." in attachment.content
