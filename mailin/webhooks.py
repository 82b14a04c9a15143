"""The webhook way in: django-anymail's inbound views (mounted under /anymail/, config/urls.py)
check each provider's own signature or basic auth before anything here runs, turn the provider's
payload into a message and send the `inbound` signal; this handler passes the message to
mailin.services.mail_receive, the same place the IMAP sweep uses.

Only the providers named in MAILIN_WEBHOOK_PROVIDERS are accepted, and each only with its check
configured: Mailgun with its webhook signing key (HMAC of every post), the others (Postmark, ...)
with the shared basic-auth secret ANYMAIL["WEBHOOK_SECRET"], which is their only check. Anything
else is refused with 400 before it is stored, so an unconfigured provider's URL cannot be used to
post mail into the tracker."""
from anymail.exceptions import AnymailWebhookValidationFailure
from django.conf import settings

from .parsing import UNREADABLE, UNREADABLE_DEEP
from .services import mail_receive
from .webhook_views import headers_only

# Providers whose webhooks carry a signature of their own (the anymail setting that holds its key).
SIGNED_BY = {"mailgun": "MAILGUN_WEBHOOK_SIGNING_KEY"}


def provider_enabled(esp_name):
    name = (esp_name or "").lower()
    if name not in {p.lower() for p in settings.MAILIN_WEBHOOK_PROVIDERS}:
        return False
    anymail = getattr(settings, "ANYMAIL", {})
    if name in SIGNED_BY:
        return bool(anymail.get(SIGNED_BY[name]))
    return bool(anymail.get("WEBHOOK_SECRET"))


def handle_inbound(sender, event, esp_name, **kwargs):
    """anymail.signals.inbound receiver. Raising AnymailWebhookValidationFailure answers 400; any other
    error answers 500, and the provider delivers again later (the Message-ID keeps that to one post)."""
    if not provider_enabled(esp_name):
        raise AnymailWebhookValidationFailure(f"Inbound email from {esp_name} is not enabled here.")
    message = event.message
    try:
        raw, unreadable = message.as_bytes(), ""
    except Exception as error:  # noqa: BLE001 - built but not writable (nested too deep): its headers, refused
        raw = headers_only(message.items())
        unreadable = UNREADABLE_DEEP if isinstance(error, RecursionError) else UNREADABLE
    mail_receive(raw, provider=esp_name, envelope_recipient=message.envelope_recipient,
                 spam=bool(message.spam_detected), unreadable=unreadable)
