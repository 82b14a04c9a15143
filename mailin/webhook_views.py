"""The providers' inbound views, as anymail writes them, with one difference: a signed post whose email
anymail cannot build (MIME nested a thousand deep overflows its parser; a forwarded email in an
attachment that is not UTF-8; a payload that is not JSON) is kept and refused, as the IMAP sweep keeps
such a message, instead of answering 500 and being posted again and again by the provider.

anymail checks the signature or the basic auth first (`run_validators`); only then is the payload read,
so nothing here runs for a post that did not pass the provider's check. Anymail's own configuration
errors (a tracking webhook pointed at the inbound URL) still raise: they are the operator's to see.

What is kept: for Mailgun's raw MIME, the raw bytes themselves (mailin.parsing reads what it can, the
headers when nothing else); for a payload anymail parsed into fields, the headers the provider sent,
refused with the reason, without the text or the files it could not read."""
import json
import logging
from email import policy
from email.message import EmailMessage

from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView

from .parsing import UNREADABLE, UNREADABLE_DEEP
from .services import mail_receive

logger = logging.getLogger(__name__)

HEADER_MAX = 998  # a header line's limit (RFC 5322)
HEADERS_MAX = 200  # headers kept of a payload that could not be read, those that identify it first
IDENTIFYING = {"message-id", "from", "to", "cc", "subject", "date", "in-reply-to", "references", "auto-submitted"}


def headers_only(pairs):
    """An email of just these (name, value) headers, as bytes: a value with a line break is one line, a
    header that cannot be written is left out, and no more than HEADERS_MAX are read."""
    msg = EmailMessage(policy=policy.default)
    pairs = list(pairs)
    named = [pair for pair in pairs if str(pair[0]).strip().lower() in IDENTIFYING]
    for name, value in (named + [pair for pair in pairs if pair not in named])[:HEADERS_MAX]:
        name, value = str(name).strip(), " ".join(str(value).split())[:HEADER_MAX]
        if not name or not name.isascii() or ":" in name or not name.isprintable() or " " in name:
            continue
        try:
            msg[name] = value
            msg.as_bytes()  # a value the generator cannot write is dropped here, not later
        except Exception:  # noqa: BLE001 - a header that cannot be written is left out
            del msg[name]
    return msg.as_bytes()


class _KeepsUnreadable:
    """parse_events that turns a payload anymail cannot read into a kept, refused message."""

    def parse_events(self, request):
        try:
            return super().parse_events(request)
        except AnymailError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever the payload trips on: kept, not a 500
            reason = UNREADABLE_DEEP if isinstance(error, RecursionError) else UNREADABLE
            logger.warning("%s inbound post could not be read by anymail (%s); kept and refused",
                           self.esp_name, type(error).__name__)
            raw, recipient, forced = self.unreadable_email(request, reason)
            mail_receive(raw, provider=self.esp_name, envelope_recipient=recipient, unreadable=forced)
            return []

    def unreadable_email(self, request, reason):
        """(raw bytes, envelope recipient, the reason to refuse it or "" to let mailin.parsing judge)."""
        raise NotImplementedError


class MailgunInbound(_KeepsUnreadable, MailgunInboundWebhookView):
    def unreadable_email(self, request, reason):
        recipient = request.POST.get("recipient")
        if "body-mime" in request.POST:
            return request.POST["body-mime"].encode("utf-8", "surrogateescape"), recipient, ""
        try:
            pairs = [tuple(pair) for pair in json.loads(request.POST.get("message-headers") or "[]")
                     if isinstance(pair, list) and len(pair) == 2]
        except ValueError:
            pairs = []
        if not pairs:
            pairs = [("From", request.POST.get("from", "")), ("To", recipient or ""),
                     ("Subject", request.POST.get("subject", ""))]
        return headers_only(pairs), recipient, reason


class PostmarkInbound(_KeepsUnreadable, PostmarkInboundWebhookView):
    def unreadable_email(self, request, reason):
        try:
            event = json.loads(request.body.decode("utf-8"))
        except ValueError:
            raise AnymailWebhookValidationFailure("The post is not a Postmark inbound payload (not JSON).") from None
        if not isinstance(event, dict):
            raise AnymailWebhookValidationFailure("The post is not a Postmark inbound payload.")
        recipient = event.get("OriginalRecipient") if isinstance(event.get("OriginalRecipient"), str) else None
        if isinstance(event.get("RawEmail"), str):
            return event["RawEmail"].encode("utf-8", "surrogateescape"), recipient, ""
        headers = event.get("Headers") if isinstance(event.get("Headers"), list) else []
        pairs = [(h.get("Name", ""), h.get("Value", "")) for h in headers if isinstance(h, dict)]
        pairs = [pair for pair in pairs if str(pair[0]).lower() != "return-path"]
        named = {str(name).lower() for name, _ in pairs}
        pairs += [(name, event[field]) for name, field in (("From", "From"), ("To", "To"), ("Subject", "Subject"),
                                                           ("Date", "Date"))
                  if name.lower() not in named and isinstance(event.get(field), str)]
        return headers_only(pairs), recipient, reason
