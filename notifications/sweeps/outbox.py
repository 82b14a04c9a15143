"""Outbox delivery: send due pending rows (partial index `outbox_unsent_due`) with Django's email
backend, many messages over one SMTP connection. A run reads one batch of due rows in one query;
then each email (one row, or the rows of one case and recipient coalesced into a digest:
notifications/coalesce.py) is sent in its own short transaction, whose one statement locks its rows
(SKIP LOCKED: rows another worker is sending are left alone) and marks them sent; that transaction
commits once the server took the email, before the next email goes (a failure overwrites the mark,
a crash or a time limit rolls it back). A failure records attempts, last_error and an exponential
backoff; after OUTBOX_MAX_ATTEMPTS the row is marked failed, logged at ERROR and shown in the admin,
where "retry now" puts it back. One bad row never blocks the others. A mail server that cannot be
reached or used at all (an outage, not a refusal of this email) gives nothing up: its rows keep being
tried at the capped backoff, however long it lasts, and the health check says emails are waiting on it.

Delivery is at least once, and at most one email is sent twice: a worker killed after the SMTP server
accepted a message but before its transaction committed sends that one message again on the next
run (every other row of its batch is either marked sent or still pending and unlocked). Every
message carries a Message-ID derived from its (first) row's key, so the copy is recognisable as the
same email. The "sent" marks are committed with synchronous_commit off on PostgreSQL (no wait for
the disk): a crash of the database server itself, not of a worker, may forget the last fraction of a
second of marks and resend those emails, again with the same Message-IDs.

On PostgreSQL a run sends over up to OUTBOX_CONNECTIONS SMTP connections side by side (lanes: a thread
each, with its own database connection, closed when the run ends; one lane for every LANE_EMAILS emails at
most), so one email's round trips to the server overlap another's build and claim. Every email to one
address goes through one lane, in the batch's order (an email to several people with each one's others).
A killed worker may then resend one message per lane. A run called inside a transaction (whose rows other
connections cannot see yet), or on SQLite, sends over one connection in the calling thread.

A run sends as of the wall clock, whatever moment it is given (sending_moment): quiet hours, the "sent" time
and a failure's backoff are read from the time the email really goes."""
import datetime as dt
import hashlib
import logging
import smtplib
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from email.utils import parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from cases import notices
from cases.services.automation import RECHECKED_PREFIXES, addresses_off_the_team, notices_settled

from .. import coalesce
from ..models import OutboxMessage, OutboxStatus
from ..outbox import earliest_send, outbox_withdraw_updates_not_given, to_client
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


def build_message(rows):
    """The email for one unit of rows: a row as itself, several (one case, one recipient) as a digest."""
    first = rows[0]
    if len(rows) == 1:
        subject, text, html = first.subject, first.body_text, first.body_html
    else:
        subject, text, html = coalesce.digest(rows, getattr(first, "case_ref", None))
    # The key names our own rows (a case id, a person's id): staff mail carries it for tracing; mail to
    # a client (a direct row, with its own From) carries nothing internal.
    headers = {"Message-ID": message_id(first)}
    if not first.from_email:
        headers["X-Casetracker-Key"] = first.key
    if len(rows) > 1:
        headers["X-Casetracker-Coalesced"] = str(len(rows))
    headers.update(first.headers or {})  # a direct email's own (Reply-To, Message-ID): outbox_enqueue_direct
    sender = first.from_email or settings.DEFAULT_FROM_EMAIL
    msg = EmailMultiAlternatives(subject=subject, body=text, from_email=sender,
                                 to=list(first.to), headers=headers)
    if html:
        msg.attach_alternative(html, "text/html")
    return msg


class _Sender:
    """One SMTP connection for the whole batch, opened lazily, every message sent through it
    (send_messages). If it cannot be opened, the server is down: the remaining rows of this batch
    fail with that error at once instead of each waiting for its own connection timeout."""

    def __init__(self):
        self.connection = None
        self.down = None

    def send(self, msg):
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
        try:
            self.connection.send_messages([msg])
        except CONNECTION_ERRORS:
            self.close()  # the next row opens a fresh connection
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing this connection: the next row opens another
                self.close()
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


def _reply_codes(exc):
    """The SMTP reply codes a failure carries (each refused recipient's, or the one reply), [] for none."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return [reply[0] for reply in exc.recipients.values()]
    code = getattr(exc, "smtp_code", None)
    return [code] if code is not None else []


def says_try_later(exc):
    """Whether the server answered with a temporary refusal (a 4xx reply: too many connections, a local
    problem, a mailbox full for now; for refused recipients, every one of them 4xx): the email is not bad,
    the server asks for it again later."""
    codes = _reply_codes(exc)
    return bool(codes) and all(isinstance(code, int) and 400 <= code < 500 for code in codes)


def server_unusable(exc, sender=None):
    """Whether a failure says the mail server could not be reached or used at all (no connection, refused,
    dropped, timed out, not letting us in, or "421 service not available"), not that this email is bad (a
    recipient or its content refused): an outage, however long, must lose no email (found by a review: an
    hour of it failed every email queued in its first part for good)."""
    if sender is not None and sender.down is not None:
        return True
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError)):
        return True
    codes = _reply_codes(exc)
    if codes and all(code == 421 for code in codes):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def waits_for_the_server(row, exc, now, *, server_down):
    """Whether this failure leaves `row` waiting without counting against its attempts: an outage
    (server_unusable), or another "try again later" (says_try_later: 450-452, a 451 at DATA) while the row
    is younger than OUTBOX_TRY_LATER_HOURS. Found by a resilience audit: an hour of 451 failed a client update
    given on time, and the ledger counted its promise broken; and by a red team: a mailbox full for good then
    never failed, the update counted given though it never left. Past the window it fails as a refusal does."""
    if server_down:
        return True
    return says_try_later(exc) and now - row.created_at < dt.timedelta(hours=settings.OUTBOX_TRY_LATER_HOURS)


def _record_failure(row, exc, now, *, server_down=False):
    """A failed attempt: backed off, or failed for good after OUTBOX_MAX_ATTEMPTS; while the server is down
    (`server_down`) the count stops one short of that, so the row waits for it at the capped backoff."""
    row.attempts += 1
    if server_down:
        row.attempts = min(row.attempts, settings.OUTBOX_MAX_ATTEMPTS - 1)
    row.last_error = _describe(exc)
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
        logger.error("outbox: gave up on %s (%s to %s) after %d attempts: %s",
                     row.key, row.kind, ", ".join(row.to), row.attempts, row.last_error)
    else:
        row.next_attempt_at = earliest_send(row, now + dt.timedelta(seconds=backoff(row.attempts)))
        logger.warning("outbox: %s failed (attempt %d), retrying at %s: %s",
                       row.key, row.attempts, row.next_attempt_at.isoformat(), row.last_error)
    row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"])
    if row.status == OutboxStatus.FAILED:
        notices.outbox_failed(key=row.key, error=row.last_error, at=now)  # the cases app hears of a watched row


def due_rows(now):
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)


def _batch(now):
    """One batch of due rows, with what sending needs (one query, no lock)."""
    return list(due_rows(now).order_by("next_attempt_at", "id").annotate(case_ref=F("case__reference"))
                .defer("last_error")[: batch_size()])


@contextmanager
def _fast_commits():
    """The "sent" marks need not wait for the disk (see the module's docstring): for this run's
    transactions only, on PostgreSQL."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


# The claim of one email's rows (the table is OutboxMessage's): lock those no other worker holds (SKIP
# LOCKED), mark those still due as sent, return (id, attempts) of the marked ones. Rows are found by
# primary key only (the partial index would walk every pending row) and re-checked once locked;
# MATERIALIZED makes the lock run once, whatever the planner believes of the table's size.
CLAIM_SQL = """
    WITH locked AS MATERIALIZED (
        SELECT id, status, next_attempt_at FROM notifications_outboxmessage
        WHERE id = ANY(%(ids)s) FOR UPDATE SKIP LOCKED)
    UPDATE notifications_outboxmessage AS o
    SET status = %(sent)s, sent_at = %(now)s, attempts = o.attempts + 1, last_error = ''
    FROM locked
    WHERE o.id = locked.id AND o.id = ANY(%(ids)s)
      AND locked.status = %(pending)s AND locked.next_attempt_at <= %(now)s
    RETURNING o.id, o.attempts"""


def _claim(unit, now):
    """{id: attempts, this one counted} of the unit's rows this worker now holds and has marked sent."""
    ids = [r.pk for r in unit]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(CLAIM_SQL, {"ids": ids, "now": now, "sent": OutboxStatus.SENT,
                                       "pending": OutboxStatus.PENDING})
            return dict(cursor.fetchall())
    # Elsewhere (SQLite, for `make run`: its transaction holds the whole database), in two statements.
    found = OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    claimed = {pk: attempts + 1 for pk, attempts in found.values_list("pk", "attempts")}
    OutboxMessage.objects.filter(pk__in=list(claimed)).update(
        status=OutboxStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error="")
    return claimed


def _deliver(unit, sender, now):
    """Send one email for `unit` (rows of one email) under its rows' locks; returns the rows sent.
    One statement besides the transaction's own (on PostgreSQL): the claim that is also the mark."""
    with transaction.atomic():
        claimed = _claim(unit, now)
        rows = [r for r in unit if r.pk in claimed]
        if not rows:
            return 0  # sent, or being sent, by another worker
        try:
            sender.send(build_message(rows))
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the rows, still locked
            server_down = server_unusable(exc, sender)
            for row in rows:
                row.attempts, row.status, row.sent_at = claimed[row.pk] - 1, OutboxStatus.PENDING, None
                _record_failure(row, exc, now, server_down=waits_for_the_server(row, exc, now,
                                                                                server_down=server_down))
            return 0
        notices.outbox_sent(keys=[r.key for r in rows], at=now)  # the cases app hears of a watched row
        return len(rows)


def _without_settled_notices(rows):
    """The batch less the notices about a case's open work (reminders, overdue items, broken promises,
    escalations) that no longer describe anything to do since they were queued: a coalesced notice waits,
    and the work may be done, moved or closed meanwhile. The cases app says which (automation.RECHECKED, the
    one table of what is re-checked and how); those are withdrawn instead of sent."""
    asked = [(r.key, r.to, r.case_id, r.created_at) for r in rows if r.key.startswith(RECHECKED_PREFIXES)]
    settled = notices_settled(asked) if asked else set()
    if not settled:
        return rows
    OutboxMessage.objects.filter(key__in=settled, status=OutboxStatus.PENDING).update(status=OutboxStatus.WITHDRAWN)
    return [r for r in rows if r.key not in settled]


def _to_the_team_only(rows):
    """The batch with the team's notices (not emails to clients: to_client) sent only to people still on the
    team: an address whose person has left or lost the role since the notice was queued is taken off it
    (the cases app says which: automation.addresses_off_the_team), and a notice left with nobody is
    withdrawn. Two queries when the batch holds the team's notices."""
    team = [r for r in rows if not to_client(r)]
    gone = addresses_off_the_team({a for r in team for a in r.to}) if team else set()
    if not gone:
        return rows
    kept, withdrawn = [], []
    for row in rows:
        to = row.to if to_client(row) else [a for a in row.to if a.lower() not in gone]
        if not to:
            withdrawn.append(row.pk)
            continue
        if to != row.to:
            row.to = to
            OutboxMessage.objects.filter(pk=row.pk).update(to=to)
        kept.append(row)
    OutboxMessage.objects.filter(pk__in=withdrawn, status=OutboxStatus.PENDING).update(status=OutboxStatus.WITHDRAWN)
    return kept


def _without_updates_not_given(rows):
    """The batch less the emails to clients standing for a status update the ledger counted not given (its email
    gave up and was put back in the queue some other way than outbox.outbox_retry): withdrawn, never sent late
    (the rule every retry reads: outbox.outbox_withdraw_updates_not_given). One query when the batch holds
    emails to clients."""
    undone = outbox_withdraw_updates_not_given(rows)
    for row in rows:
        if row.key in undone:
            logger.warning("outbox: withdrew %s: its status update was counted not given, so it is not sent late",
                           row.key)
    return [r for r in rows if r.key not in undone]


def _held_for_quiet_hours(rows, now):
    """The batch less the emails to clients that are due but whose client is now in their quiet hours (a
    send that ran late: the broker down, a backlog): each waits for the hours' end instead, the rule it was
    queued by (outbox.earliest_send; found by a review: one queued at 21:58 went at 22:30). One query, for
    the batch's clients, only when it holds emails to clients."""
    direct = [r for r in rows if to_client(r)]
    if not direct:
        return rows
    from cases.models import Case
    from cases.schedule import next_allowed_for_client

    clients = {case.pk: case.client for case in Case.objects.filter(pk__in={r.case_id for r in direct})
               .select_related("client").only("pk", "client")}
    held = {}
    for row in direct:
        later = next_allowed_for_client(now, clients[row.case_id])
        if later > now:
            held.setdefault(later, []).append(row.pk)
    for later, ids in held.items():
        OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.PENDING).update(next_attempt_at=later)
    waiting = {pk for ids in held.values() for pk in ids}
    return [r for r in rows if r.pk not in waiting]


# Emails for each lane a run may open: a run with fewer (the one or two a change queues) sends them in the
# calling thread rather than open a database and an SMTP connection for each.
LANE_EMAILS = 10


def _by_recipient(units):
    """`units` in groups, in their order, such that every email to one address is in one group (an email to
    several people joins their groups: a notice to the owner and the co-owner goes with each one's others)."""
    parent = {}

    def root(address):
        while parent.setdefault(address, address) != address:
            parent[address] = parent[parent[address]]
            address = parent[address]
        return address

    addressed = [(unit, [a.lower() for a in unit[0].to] or [""]) for unit in units]
    for _unit, (first, *others) in addressed:
        for other in others:
            parent[root(other)] = root(first)
    groups = {}
    for unit, to in addressed:
        groups.setdefault(root(to[0]), []).append(unit)
    return list(groups.values())


def lanes(units, count):
    """`units` dealt to at most `count` lanes: every email to one address in one lane, in their order, each
    group of them to the lane with the fewest emails so far (the biggest groups first)."""
    groups = _by_recipient(units)
    dealt = [[] for _ in range(min(count, len(groups)))]
    for group in sorted(groups, key=len, reverse=True):
        min(dealt, key=len).extend(group)
    order = {id(unit): i for i, unit in enumerate(units)}
    return [sorted(lane, key=lambda unit: order[id(unit)]) for lane in dealt]


def _send_lane(units, now, stop=None):
    """Send `units` one email at a time over one SMTP connection; returns the rows sent. Stops between
    emails once `stop` is set (the run was interrupted in another lane or by its time limit)."""
    sender = _Sender()
    sent = 0
    try:
        with _fast_commits():
            for unit in units:
                if stop is not None and stop.is_set():
                    break
                sent += _deliver(unit, sender, now)
    finally:
        sender.close()
    return sent


def _in_lane(units, now, stop):
    try:
        return _send_lane(units, now, stop)
    except BaseException:
        stop.set()
        logger.exception("outbox: a lane stopped; its unsent emails stay queued for the next run")
        raise
    finally:
        connections.close_all()  # this thread's own database connection


def _connections():
    """How many lanes this run may use: 1 inside a transaction (the rows it wrote are invisible to other
    connections) and on SQLite (one writer at a time)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, int(settings.OUTBOX_CONNECTIONS))


def sending_moment(now=None):
    """The moment the outbox sends as of: always the wall clock. Sending is an act in the present, so a
    replayed moment (`run_sweeps --now`, a task's `now`) is checked like every sweep's (one still to come, or
    unreadable, is refused: resolve_now) and then ignored. Found by an audit: replaying 21:59:45 at 23:30
    sent a client's email inside their quiet hours, recorded it sent at 21:59:45, and counted a failure's
    backoff from that past moment."""
    resolve_now(now)
    return timezone.now()


def sweep_outbox(now=None):
    """Send one batch of due rows, as of the wall clock (`now` is refused if still to come, else ignored:
    sending_moment). Returns how many rows were sent (a digest counts its rows)."""
    now = sending_moment(now)
    rows = _held_for_quiet_hours(_without_updates_not_given(_to_the_team_only(_without_settled_notices(_batch(now)))),
                                 now)
    if not rows:
        return 0
    units = coalesce.units(rows)
    dealt = lanes(units, min(_connections(), max(1, len(units) // LANE_EMAILS)))
    if len(dealt) == 1:
        return _send_lane(dealt[0], now)
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=len(dealt), thread_name_prefix="outbox") as pool:
        try:  # the submits too: a time limit while the lanes start stops those already started
            futures = [pool.submit(_in_lane, lane, now, stop) for lane in dealt]
            return sum(f.result() for f in futures)
        except BaseException:  # a lane failed, or this thread's time limit: the others stop after their email
            stop.set()
            raise
