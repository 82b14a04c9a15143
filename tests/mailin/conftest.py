"""Fixtures for client email: the people (a rep with a supervisor), Dennis with his email address,
his case, the settings a team would set (domain, limits, files under a temporary MEDIA_ROOT), and a
builder of real RFC 5322 messages (Python's email package, as a mail client writes them)."""
import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest

from tests.cases.helpers import open_case
from tests.factories import ClientFactory
from tests.notifications.conftest import rep, supervisor, teammate  # noqa: F401 - the same named team

DENNIS = "dennis@hale-online.example"
DOMAIN = "reply.cases.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(autouse=True)
def mail_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MAILIN_DOMAIN = DOMAIN
    settings.MAILIN_REPLY_LOCAL_PART = "case"
    settings.MAILIN_UNCLAIMED_NOTIFY = ["team@cases.example"]
    settings.MAILIN_MAX_ATTACHMENT_BYTES = 64 * 1024
    settings.MAILIN_MAX_ATTACHMENTS = 10
    settings.MAILIN_MAX_MESSAGE_BYTES = 5 * 1024 * 1024
    settings.MAILIN_ALLOWED_CONTENT_TYPES = ["application/pdf", "image/png", "text/plain"]
    settings.MAILIN_IMAP_HOST = ""
    settings.DEFAULT_FROM_EMAIL = "Case tracker <cases@cases.example>"
    return settings


@pytest.fixture
def dennis(db):
    return ClientFactory(name="Dennis Hale", organisation="Hale Online Supplies", email=DENNIS,
                         time_zone="Europe/London")


@pytest.fixture
def case(rep, dennis):  # noqa: F811 - rep is the shared fixture imported above
    return open_case(rep, dennis)


def email_bytes(*, to, sender=f"Dennis Hale <{DENNIS}>", subject="Re: your case", text="", html=None,
                attachments=(), message_id=None, headers=None):
    """A message as a mail client sends it: headers, a text (and optionally HTML) body, attachments
    as (filename, content type, bytes)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime(2026, 3, 2, 11, 5, tzinfo=dt.timezone.utc))
    msg["Message-ID"] = message_id or make_msgid(domain="hale-online.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    if text is not None:
        msg.set_content(text)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html, subtype="html")
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


GMAIL_REPLY = (
    "Thanks Fran, the site is back but email still bounces for two of us.\n"
    "Can you check the accounts for sales@ and orders@?\n"
    "\n"
    "On Mon, 2 Mar 2026 at 10:15, Case tracker <cases@cases.example> wrote:\n"
    "> Dennis, the mail server is being restored from last night's backup.\n"
    "> We expect it back between 11:00 and 13:00.\n"
)
