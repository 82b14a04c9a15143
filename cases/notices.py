"""The port through which `cases` tells people things (emails), without knowing how they are sent.

`cases` decides who hears what and when; the notifications app delivers it. Imports point one way
(notifications -> cases), so `cases` never imports notifications: at start-up the notifications app
plugs its senders in (`NotificationsConfig.ready()` calls `connect(outbox_enqueue, many=...)`), and
every notice goes through `notify` (one) or `notify_many` (a sweep's batch, in one go), inside the
caller's transaction.

A sender takes the same keyword arguments as `notify` and must be idempotent on `key`: the same key
queued twice is one email. The many-sender takes a list of such keyword dicts.

A notice a person causes (not `system=True`) to someone other than themselves is charged to that
person's budget (cases/throttle.py) when it is queued while serving their request: over the budget,
the action is refused with a `Throttled` error (a CaseRuleError) and its transaction rolls back."""
from django.core.exceptions import ImproperlyConfigured

from . import throttle

_sender = None
_many_sender = None


def connect(sender, *, many=None):
    """Plug in the function that queues a notice (the notifications app's outbox), and optionally
    the one that queues a list of them in a fixed number of statements."""
    global _sender, _many_sender
    _sender, _many_sender = sender, many


def connected():
    return _sender is not None


def _ensure_connected():
    if _sender is None:
        raise ImproperlyConfigured(
            "No notice sender is connected: cases.notices.notify needs the notifications app in "
            "INSTALLED_APPS (its AppConfig.ready() connects the outbox)."
        )


def notify(*, key, kind, to, context, case=None, system=False):
    """Queue one notice of `kind` (templates/emails/<kind>.*) to the addresses in `to`, rendered with
    `context`. `system`: sent by the system on its own (a sweep, a deadline that passed), never
    charged to the person whose request noticed it. Returns whatever the sender returns (the queued
    row, or None if nothing was queued)."""
    _ensure_connected()
    if not system:
        throttle.charge(to)
    return _sender(key=key, kind=kind, to=to, context=context, case=case)


def notify_many(notices, *, system=False):
    """Queue several notices (dicts of `notify`'s keyword arguments), in order."""
    _ensure_connected()
    notices = list(notices)
    if not system:
        throttle.charge([addr for n in notices for addr in n["to"]])
    if _many_sender is None:
        return [_sender(**n) for n in notices]
    return _many_sender(notices)


# --- Email to the client (issue 11, outbound) --------------------------------------------------------
# A message to the client is its own email (never coalesced), from the team's address with the case's
# signed reply address, and may wait for the end of the client's quiet hours. The notifications app
# plugs in the sender (`connect_direct`) and reports back what became of the rows the cases app
# watches (`outbox_sent`, `outbox_failed`, called inside the delivery sweep's transaction).
_direct_sender = None
_direct_withdraw = None
_direct_retime = None
WATCHED_KEY_PREFIX = "client-message:"


def connect_direct(sender, *, withdraw=None, retime=None):
    """Plug in the sender of emails to clients, the function that takes back those not yet sent, and the
    one that holds a client's waiting emails again by their quiet hours as they are now."""
    global _direct_sender, _direct_withdraw, _direct_retime
    _direct_sender, _direct_withdraw, _direct_retime = sender, withdraw, retime


def retime_direct_for_client(client):
    """The client's quiet hours or time zone changed: their emails still waiting go at the new hours'
    end, never inside them. Returns {key: the new time} of those moved."""
    return _direct_retime(client) if _direct_retime is not None else {}


def withdraw_direct(keys):
    """Take back the emails to clients with these keys that have not gone yet; returns the keys taken back
    (one being sent this instant goes)."""
    return set(_direct_withdraw(keys)) if _direct_withdraw is not None and keys else set()


def send_direct(*, key, kind, to, context, case=None, from_email="", headers=None, not_before=None, system=False):
    """Queue one email to someone outside the team: `from_email`, extra `headers` (Reply-To,
    Message-ID), not sent before `not_before`. Charged to the person's budget like `notify`."""
    if _direct_sender is None:
        raise ImproperlyConfigured("No direct-email sender is connected: cases.notices.send_direct needs the "
                                   "notifications app in INSTALLED_APPS.")
    if not system:
        throttle.charge(to)
    return _direct_sender(key=key, kind=kind, to=to, context=context, case=case, from_email=from_email,
                          headers=headers or {}, not_before=not_before)


def _watched(keys):
    return [k for k in keys if k.startswith(WATCHED_KEY_PREFIX)]


def outbox_sent(*, keys, at):
    """The outbox sent the rows with these keys at `at`; the cases app records its own (a message to
    the client: "sent at ..."). Costs nothing for the rows it does not watch."""
    watched = _watched(keys)
    if watched:
        from .services.client_messages import client_messages_sent

        client_messages_sent(keys=watched, at=at)


def outbox_failed(*, key, error, at):
    """The outbox gave up on the row with this key (after its retries)."""
    if _watched([key]):
        from .services.client_messages import client_message_failed

        client_message_failed(key=key, error=error, at=at)


# The case's signed reply address (the mailin app plugs in mailin.addresses.reply_address at start-up):
# a client's reply to it lands on that case and only that one.
_reply_address = None


def connect_reply_address(fn):
    global _reply_address
    _reply_address = fn


def reply_address(reference):
    if _reply_address is None:
        raise ImproperlyConfigured("No reply address is connected: client email needs the mailin app in "
                                   "INSTALLED_APPS (its AppConfig.ready() connects it).")
    return _reply_address(reference)
