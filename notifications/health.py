"""Is the background machinery working? A read-only selector over the sweeps' heartbeats and the
outbox, for /healthz, `manage.py check_health` and the supervisors' banner. Two queries, no writes,
and nothing personal in what it returns (counts, ages and sweep names; never an address or an
error text, which may quote one).

A sweep is stale when it has not succeeded within SWEEP_STALE_AFTER_SECONDS. A sweep that has never
run counts as stale too: beat runs every sweep within a minute of starting, so "never ran" on a
live system means beat or the worker was never started, and a fresh install shows the warning
for a minute at most."""
import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.utils import timezone

from . import registry
from .models import OutboxMessage, OutboxStatus, SweepHeartbeat

# What each sweep does, as a supervisor would say it, and its verb ("Reminders have", "Email has").
LABELS = {s.name: (s.title, s.verb) for s in registry.SWEEPS}
SWEEPS = tuple(s.name for s in registry.SWEEPS)
CHECK_WORKER = "check the Celery worker and beat."
BANNER_CACHE_KEY = "notifications:system_health"
BANNER_CACHE_SECONDS = 30
CACHE_DOWN = ("The cache (CACHE_URL) cannot be reached: the limit on emails a person's actions send to others "
              "is not enforced until it is back. Work goes on; check the cache's server (Redis).")

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SweepHealth:
    name: str
    stale: bool
    last_succeeded_at: dt.datetime | None
    failing: bool  # its last run raised (the error is in the admin, not here)


@dataclasses.dataclass(frozen=True)
class SystemHealth:
    checked_at: dt.datetime
    sweeps: tuple[SweepHealth, ...]
    failed_emails: int
    oldest_due_email_seconds: int | None  # how long the longest-waiting due email has been due
    emails_waiting_on_server: int  # pending, tried until one short of giving up, the server unusable
    ok: bool
    problems: tuple[str, ...]  # one sentence per problem, for a person

    def checks(self):
        """The JSON-ready detail /healthz shows."""
        def sweep(s):
            since = (None if s.last_succeeded_at is None
                     else int((self.checked_at - s.last_succeeded_at).total_seconds()))
            return {"ok": not s.stale, "seconds_since_success": since, "last_run_failed": s.failing,
                    "last_succeeded_at": s.last_succeeded_at.isoformat() if s.last_succeeded_at else None}

        outbox_ok = (not self.failed_emails and not self.emails_waiting_on_server
                     and not _waited_too_long(self.oldest_due_email_seconds))
        return {
            "sweeps": {s.name: sweep(s) for s in self.sweeps},
            "outbox": {"ok": outbox_ok, "failed": self.failed_emails,
                       "waiting_on_mail_server": self.emails_waiting_on_server,
                       "oldest_due_seconds": self.oldest_due_email_seconds},
        }


def stale_after():
    return dt.timedelta(seconds=settings.SWEEP_STALE_AFTER_SECONDS)


def _waited_too_long(seconds):
    return seconds is not None and seconds > settings.SWEEP_STALE_AFTER_SECONDS


def _duration(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        value, unit = minutes, "minute"
    elif minutes < 48 * 60:
        value, unit = minutes // 60, "hour"
    else:
        value, unit = minutes // (24 * 60), "day"
    return f"{value} {unit}{'' if value == 1 else 's'}"


def _sweep_sentences(sweeps, now):
    stale = [s for s in sweeps if s.stale]
    silent = [s for s in stale if not s.failing]
    sentences = []
    if len(silent) == len(sweeps) > 1:  # beat or the worker is down: one sentence, not seven
        latest = max((s.last_succeeded_at for s in silent if s.last_succeeded_at), default=None)
        if latest is None:
            sentences.append(f"Reminders and email delivery have never run: {CHECK_WORKER}")
        else:
            sentences.append(f"Reminders and email delivery have not run for {_duration(now - latest)}: {CHECK_WORKER}")
        silent = []
    for s in stale:
        label, verb = LABELS.get(s.name, (s.name.replace("_", " ").capitalize(), "have"))
        if s.failing:
            state = (f"been failing for {_duration(now - s.last_succeeded_at)}" if s.last_succeeded_at
                     else "never succeeded")
            sentences.append(f"{label} {verb} {state}: see Admin → Sweep heartbeats for the error.")
        elif s in silent:
            if s.last_succeeded_at is None:
                sentences.append(f"{label} {verb} never run: {CHECK_WORKER}")
            else:
                sentences.append(f"{label} {verb} not run for {_duration(now - s.last_succeeded_at)}: {CHECK_WORKER}")
    return sentences


def system_health(now=None):
    """The state of the sweeps and the outbox as of `now` (default: the clock)."""
    now = now or timezone.now()
    beats = {b["name"]: b for b in SweepHeartbeat.objects.filter(name__in=list(SWEEPS))
             .values("name", "last_succeeded_at", "last_error")}
    sweeps = tuple(
        SweepHealth(name=name, last_succeeded_at=(beat := beats.get(name, {})).get("last_succeeded_at"),
                    stale=not beat.get("last_succeeded_at") or now - beat["last_succeeded_at"] > stale_after(),
                    failing=bool(beat.get("last_error")))
        for name in SWEEPS
    )
    # The facts in one query, over the failed and the pending rows (partial indexes outbox_failed and
    # outbox_unsent_due): emails held by a mail server that cannot be used are never failed
    # (sweeps/outbox.py), so they are counted here, by their attempts, one short of giving up.
    waiting = Q(status=OutboxStatus.PENDING, attempts__gte=settings.OUTBOX_MAX_ATTEMPTS - 1)
    outbox = OutboxMessage.objects.filter(
        Q(status=OutboxStatus.FAILED) | Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | waiting
    ).aggregate(failed=Count("pk", filter=Q(status=OutboxStatus.FAILED)), waiting=Count("pk", filter=waiting),
                oldest_due=Min("next_attempt_at", filter=Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now)))
    oldest_due = outbox["oldest_due"]
    oldest_due_seconds = None if oldest_due is None else max(0, int((now - oldest_due).total_seconds()))

    problems = _sweep_sentences(sweeps, now)
    if outbox["failed"]:
        n = outbox["failed"]
        problems.append(f"{n} email{'' if n == 1 else 's'} could not be sent: see Admin → Outbox messages.")
    if outbox["waiting"]:
        n = outbox["waiting"]
        problems.append(f"{n} email{'' if n == 1 else 's'} {'is' if n == 1 else 'are'} waiting for the mail server, "
                        "which could not be reached or used, or asked to try again later: check the SMTP settings "
                        "and server (Admin → Outbox messages shows the error). Nothing is lost while it is down; an "
                        f"email it keeps asking to try later fails after {settings.OUTBOX_TRY_LATER_HOURS} hours.")
    if _waited_too_long(oldest_due_seconds):
        problems.append(f"An email has been waiting {_duration(dt.timedelta(seconds=oldest_due_seconds))} to be sent: "
                        f"{CHECK_WORKER}")
    return SystemHealth(checked_at=now, sweeps=sweeps, failed_emails=outbox["failed"],
                        oldest_due_email_seconds=oldest_due_seconds, emails_waiting_on_server=outbox["waiting"],
                        ok=not problems, problems=tuple(problems))


def cached_system_health():
    """`system_health()` as computed at most BANNER_CACHE_SECONDS ago (per cache), for pages; computed afresh,
    and saying so, when the cache cannot be reached (found by a resilience audit: with the cache's Redis down,
    every page a supervisor opened answered 500)."""
    try:
        health = cache.get(BANNER_CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache's server down: the banner is worked out without it
        return _cache_down(system_health())
    if health is None:
        health = system_health()
        try:
            cache.set(BANNER_CACHE_KEY, health, BANNER_CACHE_SECONDS)
        except Exception:  # noqa: BLE001 - as above
            return _cache_down(health)
    return health


def _cache_down(health):
    logger.warning("the cache could not be reached; the health banner is computed for this page", exc_info=True)
    return dataclasses.replace(health, ok=False, problems=(*health.problems, CACHE_DOWN))
