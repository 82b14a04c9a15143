"""The port through which `cases` tells people things (emails), without knowing how they are sent.

`cases` decides who hears what and when; the notifications app delivers it. Imports point one way
(notifications -> cases), so `cases` never imports notifications: at start-up the notifications app
plugs its sender in (`NotificationsConfig.ready()` calls `connect(outbox_enqueue)`), and every notice
goes through `notify`, inside the caller's transaction.

A sender takes the same keyword arguments as `notify` and must be idempotent on `key`: the same key
queued twice is one email."""
from django.core.exceptions import ImproperlyConfigured

_sender = None


def connect(sender):
    """Plug in the function that queues a notice (the notifications app's outbox)."""
    global _sender
    _sender = sender


def connected():
    return _sender is not None


def notify(*, key, kind, to, context, case=None):
    """Queue one notice of `kind` (templates/emails/<kind>.*) to the addresses in `to`, rendered with
    `context`. Returns whatever the sender returns (the queued row, or None if nothing was queued)."""
    if _sender is None:
        raise ImproperlyConfigured(
            "No notice sender is connected: cases.notices.notify needs the notifications app in "
            "INSTALLED_APPS (its AppConfig.ready() connects the outbox)."
        )
    return _sender(key=key, kind=kind, to=to, context=context, case=case)
