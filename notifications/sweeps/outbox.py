"""Outbox delivery: send due pending rows (partial index `outbox_unsent_due`) with Django's email
backend, each row in its own transaction and under its own row lock (SKIP LOCKED: a row another
worker is sending is left alone). A failure records attempts, last_error and an exponential
backoff; after OUTBOX_MAX_ATTEMPTS the row is marked failed, logged at ERROR and shown in the admin,
where "retry now" puts it back. One bad row never blocks the others.

Delivery is at least once: a worker killed after the SMTP server accepted a message but before its
transaction committed sends it again on the next run. Every message carries a Message-ID derived
from its key, so the copy is recognisable as the same email."""
import datetime as dt
import hashlib
import logging
import smtplib
from email.utils import parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction

from ..models import OutboxMessage, OutboxStatus
from .base import batch_size, resolve_now

logger = logging.getLogger("notifications.outbox")

# Errors that mean the connection is unusable (not that this one message is bad).
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError, OSError)


def backoff(attempts):
    """Seconds to wait after the `attempts`-th failure: base * 2^(attempts-1), capped."""
    delay = settings.OUTBOX_BACKOFF_SECONDS * (2 ** max(0, attempts - 1))
    return min(delay, settings.OUTBOX_BACKOFF_MAX_SECONDS)


def message_id(row):
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "casetracker.invalid"
    digest = hashlib.sha256(row.key.encode()).hexdigest()[:24]
    return f"<outbox-{row.pk}-{digest}@{domain}>"


class _Sender:
    """One SMTP connection for the whole batch, opened lazily. If it cannot be opened, the server is
    down: the remaining rows of this batch fail with that error at once instead of each waiting
    for its own connection timeout."""

    def __init__(self):
        self.connection = None
        self.down = None

    def send(self, row):
        if self.down is not None:
            raise self.down
        if self.connection is None:
            connection = get_connection(fail_silently=False)
            try:
                connection.open()
            except Exception as exc:
                self.down = exc
                raise
            self.connection = connection
        msg = EmailMultiAlternatives(
            subject=row.subject, body=row.body_text, from_email=settings.DEFAULT_FROM_EMAIL, to=list(row.to),
            connection=self.connection, headers={"Message-ID": message_id(row), "X-Casetracker-Key": row.key},
        )
        if row.body_html:
            msg.attach_alternative(row.body_html, "text/html")
        try:
            msg.send()
        except CONNECTION_ERRORS:
            self.close()  # the next row opens a fresh connection
            raise

    def close(self):
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
            self.connection = None


def _describe(exc):
    text = f"{type(exc).__name__}: {exc}"
    return text[:2000]


def _record_failure(row, exc, now):
    row.attempts += 1
    row.last_error = _describe(exc)
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
        logger.error("outbox: gave up on %s (%s to %s) after %d attempts: %s",
                     row.key, row.kind, ", ".join(row.to), row.attempts, row.last_error)
    else:
        row.next_attempt_at = now + dt.timedelta(seconds=backoff(row.attempts))
        logger.warning("outbox: %s failed (attempt %d), retrying at %s: %s",
                       row.key, row.attempts, row.next_attempt_at.isoformat(), row.last_error)
    row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def due_rows(now):
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)


def sweep_outbox(now=None):
    """Send one batch of due rows. Returns how many were sent."""
    now = resolve_now(now)
    ids = list(due_rows(now).order_by("next_attempt_at", "id").values_list("pk", flat=True)[: batch_size()])
    sender = _Sender()
    sent = 0
    try:
        for pk in ids:
            with transaction.atomic():
                row = due_rows(now).select_for_update(skip_locked=True).filter(pk=pk).first()
                if row is None:
                    continue  # sent, or being sent, by another worker
                try:
                    sender.send(row)
                except SoftTimeLimitExceeded:
                    raise
                except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row
                    _record_failure(row, exc, now)
                    continue
                row.status, row.sent_at, row.attempts = OutboxStatus.SENT, now, row.attempts + 1
                row.last_error = ""
                row.save(update_fields=["status", "sent_at", "attempts", "last_error"])
                sent += 1
    finally:
        sender.close()
    return sent
