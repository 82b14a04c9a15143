"""Background work among the big data set, in the bench database (every run starts from the same rows):

- 1,000 pending promises made due (on open cases, in the steps where the workflow lets the sweep act),
  drained by the broken-promise sweep, run batch after batch until it finds nothing: seconds, and
  statements per due promise; inside one transaction that is rolled back at the end;
- 2,000 queued emails (copies of those the sweep just queued) delivered by the outbox sweep to a local SMTP
  sink in its own process (aiosmtpd, as tests/notifications/smtp_sink.py; a mail server is never the
  worker's own process): emails/s. These rows are committed, as a worker's are (its lanes, one database
  connection each, see only committed rows: notifications/sweeps/outbox.py), and deleted afterwards."""
import itertools
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.test.utils import override_settings

from cases.models import Promise, PromiseStatus
from cases.workflow import policy
from notifications.models import OutboxMessage, OutboxStatus

from .serve import free_port


# The sink: aiosmtpd on 127.0.0.1:PORT counting what it accepts; prints "ready", then the count for each
# line it reads, and stops at the end of its input.
SINK = """
import sys
from aiosmtpd.controller import Controller

class Count:
    accepted = 0

    async def handle_DATA(self, server, session, envelope):
        Count.accepted += 1
        return "250 2.0.0 Accepted"

sink = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]), ready_timeout=10)
sink.start()
print("ready", flush=True)
for _ in sys.stdin:
    print(Count.accepted, flush=True)
sink.stop()
"""


class _Sink:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-c", SINK, str(self.port)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            self.stop()
            raise RuntimeError("the SMTP sink did not start")

    def accepted(self):
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def stop(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a sink that will not stop is killed
            self.proc.kill()
            self.proc.wait()
        finally:
            self.proc.stdout.close()


def _live_pairs():
    """(step, promise kind) pairs the broken-promise sweep acts on, from the workflow's policy."""
    from cases.models import Step

    return [(s.value, kind) for s in Step for kind in policy(s).live_promises]


def _make_due(n, at):
    """n pending promises, on open cases where the sweep acts, made due at `at`; returns how many."""
    pairs = _live_pairs()
    where = " OR ".join(["(c.step = %s AND p.kind = %s)"] * len(pairs))
    params = [v for pair in pairs for v in pair]
    with connection.cursor() as cur:
        cur.execute(
            f"""WITH picked AS (
                    SELECT p.id FROM cases_promise p JOIN cases_case c ON c.id = p.case_id
                    WHERE p.status = 'pending' AND ({where}) ORDER BY p.id LIMIT %s)
                UPDATE cases_promise SET due_at = %s WHERE id IN (SELECT id FROM picked)""",
            [*params, n, at])
        made = cur.rowcount
        cur.execute("""UPDATE cases_case c SET next_promise_due_at = d.due FROM (
                           SELECT case_id, MIN(due_at) AS due FROM cases_promise WHERE status = 'pending'
                           AND due_at = %s GROUP BY case_id) d
                       WHERE c.id = d.case_id""", [at])
    return made


def _drain(sweep, now):
    """Run a sweep until a run acts on nothing: (rows acted on, seconds, statements). Statements are
    counted by an execute wrapper (CaptureQueriesContext keeps only the last 9,000), on this thread's
    connection and on those the sweep opens in its own threads (the outbox's lanes)."""
    done, statements = 0, itertools.count()

    def count(execute, sql, params, many, context):
        next(statements)  # one bytecode: safe from several threads
        return execute(sql, params, many, context)

    def wrap(sender, connection, **kwargs):
        connection.execute_wrappers.append(count)

    connection_created.connect(wrap, weak=False)
    try:
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            while True:
                n = sweep(now=now)
                done += n
                if not n:
                    break
            elapsed = time.perf_counter() - started
    finally:
        connection_created.disconnect(wrap)
    return done, elapsed, next(statements)


COPY = "bench-outbox:"  # the key prefix of the emails the outbox measure queues, and deletes afterwards


def _copies(n, now):
    """n unsaved emails due now, copies of the pending ones (the sweep's), each its own email: what is
    measured is delivery, not coalescing (which sends a case's notices to one person as one email:
    notifications/coalesce.py)."""
    models = list(OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by("id")[:n]) or [
        OutboxMessage(kind="bench", to=["rep@bench.example"], subject="Bench message",
                      body_text="A message of the outbox benchmark.\n" * 20)]
    return [OutboxMessage(key=f"{COPY}{i}", kind=m.kind, to=m.to, subject=m.subject, body_text=m.body_text,
                          body_html=m.body_html, case_id=m.case_id, next_attempt_at=now, created_at=now)
            for i, m in zip(range(n), itertools.cycle(models))]


def _deliver_copies(copies, now):
    """Commit `copies`, drain the outbox to a sink in its own process, delete them (and any left by an
    interrupted run)."""
    from notifications.sweeps import sweep_outbox

    OutboxMessage.objects.filter(key__startswith=COPY).delete()
    OutboxMessage.objects.bulk_create(copies, batch_size=1000)
    sink = None
    try:
        sink = _Sink()
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                               EMAIL_HOST="127.0.0.1", EMAIL_PORT=sink.port, EMAIL_USE_TLS=False,
                               EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD=""):
            sent, seconds, statements = _drain(sweep_outbox, now)
        accepted = sink.accepted()
    finally:
        if sink is not None:
            sink.stop()
        OutboxMessage.objects.filter(key__startswith=COPY).delete()
    return {"queued": len(copies), "sent": sent, "accepted_by_sink": accepted, "seconds": round(seconds, 3),
            "emails_per_s": round(sent / seconds, 1) if seconds else None,
            "queries_per_email": round(statements / max(sent, 1), 1),
            "connections": settings.OUTBOX_CONNECTIONS}


def measure(build_now, *, promises=1000, emails=2000):
    from notifications.sweeps import sweep_broken_promises

    # The build left every pending deadline after its `now`: at `now`, only these are due.
    due_at = sweep_now = build_now
    out = {}
    with transaction.atomic():
        if OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exclude(key__startswith=COPY).exists():
            raise RuntimeError("the bench database has pending emails; rebuild it (BENCH_REBUILD=1)")
        made = _make_due(promises, due_at)
        done, seconds, statements = _drain(sweep_broken_promises, sweep_now)
        broken = Promise.objects.filter(status=PromiseStatus.BROKEN, broken_at=sweep_now).count()
        out["broken_promises"] = {
            "due": made, "drained": done, "seconds": round(seconds, 3),
            "ms_per_item": round(1000 * seconds / max(done, 1), 2),
            "queries_per_item": round(statements / max(done, 1), 1), "broken": broken,
        }
        now = max(sweep_now, _wall())
        copies = _copies(emails, now)
        transaction.set_rollback(True)
    out["outbox"] = _deliver_copies(copies, now)
    return out


def _wall():
    from django.utils import timezone

    return timezone.now()
