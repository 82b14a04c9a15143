"""What every sweep shares.

A sweep (1) asks `cases` for the ids of a bounded batch of due rows (a candidate query that a
partial index answers, without locking), then (2) calls the `cases` service that owns the rule: for
the whole batch in one transaction and a fixed number of statements where `cases` offers a batch
service, else (and when a batch fails) for each row in its own transaction
(`each_in_own_transaction`). The service locks the case row
with SKIP LOCKED (someone else, a rep or another worker, holds it: the row is left for the next
run), re-checks under the lock, sets the row's nullable "done" marker and queues the emails in that
same transaction (cases/services/automation.py). A sweep decides nothing about a case itself.

Every run of a sweep, by beat's task (notifications/tasks.py) or `manage.py run_sweeps`, goes through
`run_recorded`, which keeps that sweep's SweepHeartbeat row: one UPDATE when it starts, one when it
ends (success, or the exception's text before re-raising it). A heartbeat that cannot be written is
logged and never fails the sweep."""
import datetime as dt
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import SweepHeartbeat
from ..outbox import kicks_deferred

logger = logging.getLogger("notifications.sweeps")


CLOCK_SLACK = dt.timedelta(seconds=5)  # how far ahead another machine's clock may be
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # the earliest moment a sweep may act as of


class MomentToCome(ValueError):
    """A sweep asked to act as of a moment that has not come yet."""


def resolve_now(now):
    """`now` may be None (the clock), an aware datetime, or an ISO-8601 string (from a task, or
    `run_sweeps --now` replaying a moment that has passed). A moment still to come is refused here,
    where every sweep, task and command reads it: acting as of it would break promises before their
    deadlines and send emails the client's quiet hours hold (MomentToCome, a ValueError)."""
    clock = timezone.now()
    if now is None:
        return clock
    if isinstance(now, str):
        now = dt.datetime.fromisoformat(now)
    if timezone.is_naive(now):
        now = now.replace(tzinfo=dt.timezone.utc)
    try:  # in UTC: an offset the database cannot hold (+23:59) is the same moment
        now = now.astimezone(dt.timezone.utc)
    except OverflowError as exc:
        raise ValueError(f"{now.isoformat()} is no moment a sweep can act as of") from exc
    if now < EARLIEST:  # year 1: every window before it overflows
        raise ValueError(f"{now.isoformat()} is before {EARLIEST:%Y}: no case of this tracker is that old")
    if now > clock + CLOCK_SLACK:
        raise MomentToCome(f"{now.isoformat()} has not come yet: the sweeps would break promises before their "
                           "deadlines and send held emails early. Give a moment that has passed, or none.")
    return min(now, clock)  # a moment a clock's skew ahead (another machine's) is this clock's now


def batch_size():
    return max(1, int(settings.SWEEP_BATCH_SIZE))


def each_in_own_transaction(sweep, rows, handle):
    """Run `handle(row)` for every row, each in its own transaction. A row that raises is rolled
    back, logged and left for the next run; it never stops the others. Returns how many rows
    `handle` reported as acted on."""
    done = 0
    with kicks_deferred():  # one delivery kick for the whole batch, not one per row
        for row in rows:
            try:
                with transaction.atomic():
                    if handle(row):
                        done += 1
            except SoftTimeLimitExceeded:
                raise  # the task is out of time: stop here, the rest is picked up by the next run
            except Exception:  # noqa: BLE001 - one bad row must not block the queue
                logger.exception("%s: row %r failed and was rolled back; the next run retries it", sweep, row)
    return done


def run_sweep(sweep, candidates, service, now, *, batch=None):
    """One batch of a case sweep: `candidates(now, batch)` picks the due rows, then `service(row, now)`
    handles each in its own transaction. With `batch(rows, now)`, the whole batch is handled in one
    transaction and a fixed number of statements first; if that raises, it is rolled back and the
    rows are handled one by one, so one bad row never blocks the others. Returns how many rows it
    acted on."""
    now = resolve_now(now)
    rows = candidates(now, batch_size())
    if not rows:
        return 0
    if batch is not None:
        try:
            with kicks_deferred(), transaction.atomic():
                return batch(rows, now)
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - retried row by row below, where the bad row is logged
            logger.warning("%s: the batch of %d failed and was rolled back; handling its rows one by one",
                           sweep, len(rows), exc_info=True)
    return each_in_own_transaction(sweep, rows, lambda row: service(row, now))


def _write_heartbeat(name, **fields):
    """One UPDATE of the sweep's row (plus an INSERT the very first time), in a savepoint so that a
    failure here leaves the caller's transaction usable. Never raises."""
    try:
        with transaction.atomic():
            if not SweepHeartbeat.objects.filter(name=name).update(**fields):
                SweepHeartbeat.objects.get_or_create(name=name)
                SweepHeartbeat.objects.filter(name=name).update(**fields)
    except Exception:  # noqa: BLE001 - the heartbeat is a report on the sweep, never a reason to fail it
        logger.warning("%s: could not write its heartbeat", name, exc_info=True)


def run_recorded(name, run):
    """Call `run()` (one sweep run: a batch, or a task's drained batches) and return its count,
    recording the run in `name`'s heartbeat. The wall clock is recorded, not a replayed `now`:
    the heartbeat says whether the machinery runs."""
    _write_heartbeat(name, last_started_at=timezone.now(), runs=F("runs") + 1)
    try:
        processed = run()
    except BaseException as exc:  # SoftTimeLimitExceeded too: the run did not finish its work
        _write_heartbeat(name, last_finished_at=timezone.now(), last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    now = timezone.now()
    _write_heartbeat(name, last_finished_at=now, last_succeeded_at=now, last_error="", last_processed=processed)
    return processed
