"""Background work among the big data set, in the bench database, inside one transaction that is rolled
back at the end (every run starts from the same rows):

- 1,000 pending promises made due (on open cases, in the steps where the workflow lets the sweep act),
  drained by the broken-promise sweep, run batch after batch until it finds nothing: seconds, and
  statements per due promise;
- 2,000 queued emails (those the sweep just queued, topped up with copies of them) delivered by the
  outbox sweep to a local SMTP sink (aiosmtpd, as tests/notifications/smtp_sink.py): emails/s."""
import itertools
import time

from django.db import connection, transaction
from django.test.utils import override_settings

from cases.models import Promise, PromiseStatus
from cases.workflow import policy
from notifications.models import OutboxMessage, OutboxStatus

from .serve import free_port


class _Count:
    def __init__(self):
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 2.0.0 Accepted"


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
    counted by an execute wrapper (CaptureQueriesContext keeps only the last 9,000)."""
    done, statements = 0, [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        while True:
            n = sweep(now=now)
            done += n
            if not n:
                break
        elapsed = time.perf_counter() - started
    return done, elapsed, statements[0]


def _top_up_outbox(n, now):
    """Exactly n pending emails, due now: the sweep's own, plus copies of them (or of a plain message)."""
    pending = list(OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by("id"))
    OutboxMessage.objects.filter(pk__in=[m.pk for m in pending[n:]]).delete()
    pending = pending[:n]
    models = pending or [OutboxMessage(kind="bench", to=["rep@bench.example"], subject="Bench message",
                                       body_text="A message of the outbox benchmark.\n" * 20)]
    extra = [OutboxMessage(key=f"bench-outbox:{i}", kind=m.kind, to=m.to, subject=m.subject, body_text=m.body_text,
                           body_html=m.body_html, next_attempt_at=now, created_at=now)
             for i, m in zip(range(n - len(pending)), itertools.cycle(models))]
    OutboxMessage.objects.bulk_create(extra, batch_size=1000)
    # Due now and each its own email: what is measured is delivery, not coalescing (which would
    # send a case's notices to one person as one email: notifications/coalesce.py).
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(next_attempt_at=now, coalesce_key="")
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()


def measure(build_now, *, promises=1000, emails=2000):
    from aiosmtpd.controller import Controller

    from notifications.sweeps import sweep_broken_promises, sweep_outbox

    # The build left every pending deadline after its `now`: at `now`, only these are due.
    due_at = sweep_now = build_now
    out = {}
    with transaction.atomic():
        if OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
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
        queued = _top_up_outbox(emails, now)
        handler = _Count()
        sink = Controller(handler, hostname="127.0.0.1", port=free_port())
        sink.start()
        try:
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                                   EMAIL_HOST="127.0.0.1", EMAIL_PORT=sink.port, EMAIL_USE_TLS=False,
                                   EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD=""):
                sent, seconds, statements = _drain(sweep_outbox, now)
        finally:
            sink.stop()
        out["outbox"] = {"queued": queued, "sent": sent, "accepted_by_sink": handler.accepted,
                         "seconds": round(seconds, 3), "emails_per_s": round(sent / seconds, 1) if seconds else None,
                         "queries_per_email": round(statements / max(sent, 1), 1)}
        transaction.set_rollback(True)
    return out


def _wall():
    from django.utils import timezone

    return timezone.now()
