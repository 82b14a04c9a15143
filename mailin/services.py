"""Receiving one email: the one place both ways in (provider webhooks, the IMAP sweep) call.

`mail_receive(raw, provider=...)` parses the message, keeps it exactly once per Message-ID (the unique
constraint, taken with get_or_create inside the transaction: a second worker with the same message
waits on the first one's insert and then finds it), stores its attachments within the limits, and
routes it:

- to the case its reply address names, when the signature verifies and the cases app accepts the
  post (sender is the client, case open): `posted`;
- without a reply address that verifies (the client's mail system rewrote it), to the case of one of
  our messages to the client that its In-Reply-To/References name, on the same terms (the sender is
  that case's client, the case open): `posted`;
- otherwise to a new case for the team to claim: `new_case` (a forged or unknown address, a
  stranger, a closed case);
- machine mail (auto-replies, delivery reports, our own messages coming back, provider-flagged spam),
  mail from a team member's address (cases.selectors.is_team_address: a teammate is no client), a
  message whose structure cannot be read (parsing.parse_message keeps its headers) and messages over
  MAILIN_MAX_MESSAGE_BYTES are kept and noted but go nowhere: `refused`. A refused report that is the
  bounce of one of our emails to a client (bounce_refusal: a mail server's RFC 3464 failure report for the
  address it went to, about an email the client never answered) marks that email bounced on its case.

Everything for one message happens in one transaction: the row, its attachments, the timeline entry
and the notices commit together or not at all (a failed run leaves no row, so the next delivery
processes it)."""
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat

from cases.errors import CaseRuleError
from cases.client_word import same_address
from cases.models import Case, ClientMessage
from cases.services.client_mail import case_open_from_mail, client_mail_post
from cases.selectors import is_own_address, is_team_address
from cases.services.client_messages import case_for_references, client_message_bounced

from .addresses import read_reply_address
from .filenames import extension, kept_name, runs_when_opened
from .models import InboundAttachment, InboundMessage, Outcome
from .parsing import parse_message

logger = logging.getLogger(__name__)

# What a file's first bytes must be for the types whose files say what they are: a "PDF" that is
# not one is refused like a type that is not allowed.
MAGIC = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
ZIP = b"PK\x03\x04"  # Word, Excel and OpenDocument files are zip archives
PROGRAMS = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", ZIP)


def _is_what_it_claims(content_type, content):
    """Whether `content` begins as a file of `content_type` does. A type the check does not know passes (an
    operator may allow more types). Found by an audit: a program declared as text was kept under its own
    name (fix.exe), and any RIFF file (a WAVE sound) passed as a WebP image."""
    kind = content_type.lower()
    if kind in MAGIC:
        return content.startswith(MAGIC[kind])
    if kind == "image/webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    if kind.startswith(("application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.")):
        return content.startswith(ZIP)
    if kind.startswith("text/"):  # UTF-16 text (its byte-order mark first) holds NULs; other text does not
        utf16 = content.startswith((b"\xff\xfe", b"\xfe\xff"))
        body = content[2:] if utf16 else content  # a program behind a byte-order mark is still one (an audit)
        # A zip archive opens with anything in front of it (a .jar runs so): none inside text.
        return not body.startswith(PROGRAMS) and ZIP not in content and (utf16 or b"\x00" not in content)
    return True


@dataclass(frozen=True)
class Receipt:
    message: InboundMessage
    outcome: str  # an Outcome value; DUPLICATE when this delivery was one already received

    @property
    def case(self):
        return self.message.case


def attachment_refusal(content_type, content, filename=""):
    """Why an attachment is not kept (in a rep's words), or "" when it is."""
    limit = settings.MAILIN_MAX_ATTACHMENT_BYTES
    if len(content) > limit:
        return f"too large: {filesizeformat(len(content))}, the limit is {filesizeformat(limit)}"
    allowed = {t.lower() for t in settings.MAILIN_ALLOWED_CONTENT_TYPES}
    if content_type.lower() not in allowed:
        return f"files of type {content_type} are not accepted"
    if not _is_what_it_claims(content_type, content):
        return f"the file is not the {content_type} it claims to be"
    if runs_when_opened(filename):
        return f"files named .{extension(filename)} run when opened"
    return ""


def _store_attachments(message, attachments):
    """One row per attachment, kept or refused within the limits, for the first MAILIN_MAX_ATTACHMENTS;
    those beyond are one refused row that counts them (found by a review: an email of 20,000 one-byte
    files made 20,000 rows, a 4 MB timeline entry and a 4 MB notice)."""
    limit = max(settings.MAILIN_MAX_ATTACHMENTS, 0)
    rows = []
    for att in attachments[:limit]:
        refused = attachment_refusal(att.content_type, att.content, att.filename)
        name = att.filename if refused else kept_name(att.filename, att.content_type)
        row = InboundAttachment(message=message, filename=name, content_type=att.content_type[:100],
                                size=att.size, refused=refused[:200])
        if not refused:
            row.file.save(name, ContentFile(att.content), save=False)
        row.save()
        rows.append(row)
    beyond = attachments[limit:]
    if beyond:
        rows.append(InboundAttachment.objects.create(
            message=message, filename=f"{len(beyond):,} more attachment{'s' if len(beyond) != 1 else ''}",
            content_type="", size=min(sum(att.size for att in beyond), 2**31 - 1),
            refused=f"one email may bring {limit} at most"))
    return rows


def _screened(mail, spam):
    """Why a message is not read at all (its structure, the provider's spam flag, its size), or "": such a
    message goes to no case and is not read as a bounce either (found by an audit: a report flagged as spam
    undid a kept update)."""
    if mail.unreadable:
        return mail.unreadable
    if spam:
        return "the mail provider flagged it as spam"
    if mail.raw_size > settings.MAILIN_MAX_MESSAGE_BYTES:
        return (f"it is too large ({filesizeformat(mail.raw_size)}, the limit is "
                f"{filesizeformat(settings.MAILIN_MAX_MESSAGE_BYTES)})")
    return ""


def _refusal(mail):
    """Why a message that was read is kept but goes to no case, or "" (a refused report may still be the
    bounce of one of our emails: _bounced)."""
    if not mail.sender:
        return "it has no sender address"
    if is_own_address(mail.sender):
        return "it came from our own address (a mail loop)"
    if is_team_address(mail.sender):  # found by a review: it opened a case for a made-up client
        return "it came from a team member's address, not a client's"
    if mail.return_path and is_team_address(mail.return_path):  # a client's name in From, sent by a teammate
        return "it was sent from a team member's mailbox (its Return-Path), whatever its From says"
    if mail.automatic:
        return f"it is {mail.automatic}, not a person writing"
    return ""


def _reply_target(mail):
    """The first of the recipients that is one of our reply addresses, as (address, ReplyAddress)."""
    for addr in mail.recipients:
        found = read_reply_address(addr)
        if found is not None:
            return addr, found
    return (mail.recipients[0] if mail.recipients else ""), None


def mail_receive(raw, *, provider, envelope_recipient=None, spam=False, unreadable=""):
    """Process one message (its raw bytes) that came in through `provider` ("imap", "Mailgun", ...).
    Returns a Receipt; a message already received is not processed again (outcome DUPLICATE).
    `unreadable`: why the provider's payload could not be read (only its headers are in `raw`), else ""."""
    mail = parse_message(raw, envelope_recipient=envelope_recipient, unreadable=unreadable)
    recipient, reply = _reply_target(mail)
    with transaction.atomic():
        message, created = InboundMessage.objects.get_or_create(
            message_id=mail.message_id,
            defaults={"provider": provider[:40], "sender": mail.sender[:254], "sender_name": mail.sender_name[:200],
                      "recipient": recipient[:254], "subject": mail.subject, "text": mail.text,
                      "sent_at": mail.sent_at, "raw_size": mail.raw_size, "outcome": Outcome.REFUSED,
                      "references": " ".join(mail.references)[:REFERENCES_KEPT]},
        )
        if not created:
            InboundMessage.objects.filter(pk=message.pk).update(deliveries=F("deliveries") + 1)
            logger.info("inbound %s via %s: already received, not processed again", mail.message_id, provider)
            return Receipt(message=message, outcome=Outcome.DUPLICATE)
        screened = _screened(mail, spam)
        if screened:
            return _finish(message, Outcome.REFUSED, f"Not posted: {screened}.")
        refused = _refusal(mail)
        if refused:
            return _finish(message, Outcome.REFUSED, f"Not posted: {refused}." + _bounced(message, mail))
        attachments = [{"name": a.filename, "size": a.size, "content_type": a.content_type, "refused": a.refused}
                       for a in _store_attachments(message, mail.attachments)]
        return _route(message, mail, reply, attachments)


REFERENCES_KEPT = 20_000  # characters of the Message-IDs an email names (a few hundred IDs): the rest are dropped


def _bounced(message, mail):
    """A report that names one of our emails to a client (its Message-ID) and is its bounce
    (bounce_refusal): that email is marked bounced on its case, which shows it, and the owner is told.
    A report that is not (a read receipt, one made by hand, one about an email the client answered) is
    kept refused like any other, with why, and changes nothing on the case."""
    if not mail.references:
        return ""
    named = {m.message_id: m for m in ClientMessage.objects.select_related("case__client")
             .filter(message_id__in=mail.references)}
    ours = next((named[mid] for mid in mail.references if mid in named), None)  # the first it names
    if ours is None:
        return ""
    refused, reason = bounce_refusal(message, mail, ours)
    if refused:
        return f" It names our email to the client of {ours.case.reference} but is not its bounce: {refused}."
    client_message_bounced(message_ids=[ours.message_id], reason=reason, at=message.received_at)
    message.case = ours.case
    return f" It returned our email to the client of {ours.case.reference}: marked bounced there."


def bounce_refusal(message, mail, ours):
    """Whether the report `mail` (kept as `message`) is the bounce of `ours`, our email to a client:
    ("", why delivery failed) when it is, else (why it is not, ""). The one rule every way in reads
    (the IMAP sweep and the providers' webhooks both reach it through mail_receive). Anyone may write
    a "report" naming a Message-ID the client has in every email (found by an audit: the client, or a
    teammate against a colleague, undid a kept update with a read receipt or a hand-made report), so it
    counts only when all hold:
    - it is a delivery status notification (RFC 3464) saying delivery to the address the email went to
      failed (parsing.failed_recipients: Action "failed", Final- or Original-Recipient that address);
    - it comes from neither a team member's address nor the client's (any spelling of their mailbox), nor
      with an address as its Return-Path (when there is one): a mail server reports a bounce from the null
      path <>, a person cannot (found by an audit: a teammate's report from a private mailbox passed);
    - no email from the client names it already (In-Reply-To, References, a forwarded copy): it reached them."""
    reason = next((why for address, why in mail.failed_recipients if same_address(address, ours.to_email)), "")
    if not reason:
        return "it is no delivery failure report for the address it went to", ""
    if mail.return_path:  # a person's mail is sent from an address; a mail server's report from the null path
        return f"it was sent from an address ({mail.return_path}), as no mail server's report is", ""
    if is_team_address(mail.sender):
        return "it came from a team member's address", ""
    clients = [a for a in (ours.to_email, ours.case.client.email) if a and a.strip()]

    def the_clients(address):  # any spelling of their mailbox (same_address: a +tag is theirs too)
        return any(same_address(address, theirs) for theirs in clients)

    if the_clients(mail.sender):
        return "it came from the client's own address", ""
    naming = (InboundMessage.objects.exclude(pk=message.pk)  # an answer comes after the email was queued
              .filter(received_at__gte=ours.queued_at, references__contains=ours.message_id)
              .values_list("sender", flat=True))
    if any(the_clients(sender) for sender in naming):
        return "the client has already answered that email, so it reached them", ""
    return "", reason


def _route(message, mail, reply, attachments):
    fields = {"sender": mail.sender, "sender_name": mail.sender_name, "subject": mail.subject, "text": mail.text,
              "attachments": attachments, "message_pk": message.pk, "received_at": message.received_at}
    about, reason = None, ""
    if reply is None or not reply.valid:
        threaded, about, reason = _post_by_references(message, mail, fields)
        if threaded is not None:
            return threaded
    if reply is not None and not reply.valid:
        reason = "The reply address it was sent to did not verify."
    elif reply is not None:
        about = Case.objects.select_related("client", "owner").filter(reference__iexact=reply.reference).first()
        if about is None:
            reason = "The reply address named a case that does not exist."
        else:
            try:
                event = client_mail_post(case=about, **fields)
            except CaseRuleError as exc:
                reason = exc.message
            else:
                message.case = about
                return _finish(message, Outcome.POSTED, f"Posted on {about.reference} (event {event.pk}).")
    case = case_open_from_mail(**fields, reason=reason, about=about,
                               notify_to=settings.MAILIN_UNCLAIMED_NOTIFY)
    message.case = case
    return _finish(message, Outcome.NEW_CASE, (reason + " " if reason else "") + f"Opened {case.reference}.")


def _post_by_references(message, mail, fields):
    """A reply that names one of our messages to a client (In-Reply-To/References) is posted on that
    message's case when the cases app accepts it there (the sender is its client, the case open).
    Returns (the receipt, None, ""), or (None, the case it named or None, why it was not posted)."""
    about = case_for_references(mail.references)
    if about is None:
        return None, None, ""
    try:
        event = client_mail_post(case=about, **fields)
    except CaseRuleError as exc:
        return None, about, exc.message
    message.case = about
    receipt = _finish(message, Outcome.POSTED, f"Posted on {about.reference} (event {event.pk}): it answers our "
                                               "email to the client.")
    return receipt, None, ""


def _finish(message, outcome, note):
    message.outcome = outcome
    message.note = note[:300]
    message.save(update_fields=["case", "outcome", "note"])
    return Receipt(message=message, outcome=outcome)

