"""Queueing email: `outbox_enqueue` writes one OutboxMessage inside the caller's transaction
(`outbox_enqueue_many`, a sweep's batch of them in one INSERT). The message is rendered now (so it
tells what was true when it was caused) and sent later by the delivery sweep
(notifications/sweeps/outbox.py), at once or, for a further notice about the same case to the same
person, at its coalescing slot (notifications/coalesce.py); the broker only triggers delivery, so a
broker outage delays an email by at most one beat tick and loses nothing."""
import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .coalesce import Slots, coalesce_key
from .models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


def render_email(kind, context):
    ctx = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{kind}.subject.txt", ctx).split())
    text = render_to_string(f"emails/{kind}.txt", ctx)
    html = render_to_string(f"emails/{kind}.html", ctx)
    return subject, text, html


def _row(*, key, kind, to, context, case, slots):
    """The unsaved row of one notice: rendered now, with its coalescing pair and send slot."""
    subject, text, html = render_email(kind, context)
    group = coalesce_key(kind, getattr(case, "pk", None), to)
    return OutboxMessage(key=key, kind=kind, to=to, subject=subject[:300], body_text=text, body_html=html,
                         case=case, coalesce_key=group, next_attempt_at=slots.slot(group))


def _recipients(to):
    return sorted({addr for addr in to if addr})


def outbox_enqueue(*, key, kind, to, context, case=None):
    """Queue one email. Returns the row, or None when it had no recipient or was already queued
    (the unique key makes queueing the same notification twice impossible)."""
    recipients = _recipients(to)
    if not recipients:
        return None
    if OutboxMessage.objects.filter(key=key).exists():
        return None
    slots = Slots([coalesce_key(kind, getattr(case, "pk", None), recipients)], timezone.now())
    row = _row(key=key, kind=kind, to=recipients, context=context, case=case, slots=slots)
    fields = ("kind", "to", "subject", "body_text", "body_html", "case", "coalesce_key", "next_attempt_at")
    row, created = OutboxMessage.objects.get_or_create(key=key, defaults={f: getattr(row, f) for f in fields})
    if not created:
        return None
    _kick_on_commit()
    return row


def outbox_enqueue_many(notices):
    """Queue several emails (dicts of outbox_enqueue's arguments) in a fixed number of statements:
    the keys already queued, the pairs' last slots, one INSERT. Each is rendered on its own; the
    same key twice, or one already queued, is one email. Returns the new rows (unsaved copies: a
    bulk insert that skips conflicts does not return their ids)."""
    wanted, seen = [], set()
    for n in notices:
        recipients = _recipients(n["to"])
        if recipients and n["key"] not in seen:
            seen.add(n["key"])
            wanted.append({**n, "to": recipients})
    if not wanted:
        return []
    queued = set(OutboxMessage.objects.filter(key__in=[n["key"] for n in wanted]).values_list("key", flat=True))
    wanted = [n for n in wanted if n["key"] not in queued]
    slots = Slots([coalesce_key(n["kind"], getattr(n.get("case"), "pk", None), n["to"]) for n in wanted],
                  timezone.now())
    rows = [_row(key=n["key"], kind=n["kind"], to=n["to"], context=n["context"], case=n.get("case"), slots=slots)
            for n in wanted]
    if rows:
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        _kick_on_commit()
    return rows


_deferral = threading.local()


@contextmanager
def kicks_deferred():
    """For a sweep that commits row after row: the emails queued inside do not each kick delivery;
    one kick goes out at the end (after the commit, if a transaction is still open) if any was
    queued."""
    if getattr(_deferral, "active", False):
        yield
        return
    _deferral.active, _deferral.needed = True, False
    try:
        yield
    finally:
        needed = _deferral.needed
        _deferral.active, _deferral.needed = False, False
        if needed:
            transaction.on_commit(kick_delivery, robust=True)


def _kick_on_commit():
    """One kick per transaction, however many emails it queued."""
    if getattr(_deferral, "active", False):
        _deferral.needed = True
        return
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(entry[1] is kick_delivery for entry in conn.run_on_commit):
        return
    transaction.on_commit(kick_delivery, robust=True)


# After the broker failed, kicks are skipped for this long: requests do not each pay the connect
# timeout while it is down (the beat sweep delivers meanwhile, and beat needs the broker too).
KICK_PAUSE_SECONDS = 30
_kicks_paused_until = 0.0


def kick_delivery():
    """Ask a worker to deliver the outbox now. Best effort: one connection attempt, no retry; if
    the broker is down, the periodic delivery sweep sends the row later, so a failure here is
    logged, never raised."""
    global _kicks_paused_until
    if time.monotonic() < _kicks_paused_until:
        return
    try:
        from .tasks import deliver_outbox

        with deliver_outbox.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0)
            deliver_outbox.apply_async(connection=conn, retry=False, ignore_result=True)
    except Exception:  # noqa: BLE001 - the broker being unreachable must not fail the caller
        _kicks_paused_until = time.monotonic() + KICK_PAUSE_SECONDS
        logger.warning("could not reach the broker to deliver the outbox now; the beat sweep will "
                       "(no kicks for %d s)", KICK_PAUSE_SECONDS, exc_info=True)


def to_client(row):
    """Whether `row` is an email to a client (a direct row, with its own From, on a case): quiet hours hold it."""
    return bool(row.from_email and row.case_id)


def earliest_send(row, instant):
    """When `row` may go, at the earliest `instant`: an email to a client (to_client) never inside the
    client's quiet hours (cases.schedule, as when it was queued); the team's notices at once. Read on a
    retry after a failure and by the admin's "retry now"; the sweep reads the same rule for a whole batch
    at once (sweeps.outbox._held_for_quiet_hours)."""
    if not to_client(row):
        return instant
    from cases.schedule import next_allowed_for_client

    return next_allowed_for_client(instant, row.case.client)


def outbox_retime_for_client(client):
    """Hold again, by `client`'s quiet hours and time zone as they are now, the emails to them that wait
    for their time (queued before a change that widened the quiet hours or moved the zone): each goes at
    its time, or at the end of the new quiet hours. Called in the transaction that changes them
    (cases.services.client_messages.client_messages_rehold). Returns {key: the new time} of those moved."""
    from cases.schedule import next_allowed_for_client

    now, moved = timezone.now(), []
    for row in (OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(case__client=client, status=OutboxStatus.PENDING).exclude(from_email="")
                .only("pk", "key", "next_attempt_at")):
        due = max(row.next_attempt_at, now)  # one due already and not sent yet goes from now
        later = next_allowed_for_client(due, client)
        if later != due:
            row.next_attempt_at = later
            moved.append(row)
    OutboxMessage.objects.bulk_update(moved, ["next_attempt_at"])
    return {row.key: row.next_attempt_at for row in moved}


# Rows that have not left: waiting for their time, or given up and waiting for the admin's "retry now".
RETRIABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED)


def outbox_withdraw(keys):
    """Take back the direct emails with these keys that have not gone yet (pending, or failed and so
    waiting for the admin's "retry now"; not being sent by a worker this instant: SKIP LOCKED). Returns
    the keys withdrawn."""
    rows = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(key__in=list(keys), status__in=RETRIABLE)
                .values_list("pk", "key"))
    OutboxMessage.objects.filter(pk__in=[pk for pk, _ in rows]).update(status=OutboxStatus.WITHDRAWN)
    return {key for _, key in rows}


def outbox_withdraw_updates_not_given(rows):
    """Of `rows`, the emails to a client that stood for a status update the ledger counted not given (its email
    bounced or given up on: cases.services.updates_undone.emails_counted_not_given): never sent late, so withdrawn
    (SKIP LOCKED, as outbox_withdraw). Read by every retry (outbox_retry) and by the delivery sweep (a row put
    back in the queue any other way). Returns their keys; no query when none of `rows` is to a client."""
    direct = [row.key for row in rows if to_client(row)]
    if not direct:
        return set()
    from cases.services.updates_undone import emails_counted_not_given

    undone = emails_counted_not_given(direct)
    if undone:
        outbox_withdraw(undone)
    return undone


def outbox_retry(queryset, now):
    """Put the rows of `queryset` that have not left (given up, or waiting for their next attempt) back in the
    queue at once, attempts counted from zero: the admin's "retry now". An email to a client still waits for
    the end of their quiet hours (earliest_send); one whose status update was counted not given is withdrawn
    instead (outbox_withdraw_updates_not_given). Returns (rows queued, rows withdrawn)."""
    with transaction.atomic():
        rows = list(queryset.filter(status__in=RETRIABLE).select_for_update())
        refused = outbox_withdraw_updates_not_given(rows)
        queued = [row for row in rows if row.key not in refused]
        for row in queued:
            row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, earliest_send(row, now)
            row.save(update_fields=["status", "attempts", "next_attempt_at"])
        if queued:
            transaction.on_commit(kick_delivery)
    return queued, [row for row in rows if row.key in refused]


def outbox_enqueue_direct(*, key, kind, to, context, case=None, from_email="", headers=None, not_before=None):
    """Queue one email to someone outside the team (a client; cases.notices.send_direct): never
    coalesced (always its own email), sent from `from_email` with `headers` (Reply-To, Message-ID)
    as given, and not before `not_before` (the client's quiet hours). Returns the row, or None when
    it had no recipient or its key was already queued."""
    recipients = _recipients(to)
    if not recipients:
        return None
    now = timezone.now()
    due = max(not_before or now, now)
    subject, text, html = render_email(kind, context)
    row, created = OutboxMessage.objects.get_or_create(key=key, defaults={
        "kind": kind, "to": recipients, "subject": subject[:300], "body_text": text, "body_html": html, "case": case,
        "coalesce_key": "", "next_attempt_at": due, "from_email": from_email[:300], "headers": dict(headers or {})})
    if not created:
        return None
    if due <= now:
        _kick_on_commit()
    return row
