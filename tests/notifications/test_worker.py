"""Reliability with the real pieces: Celery workers as separate processes (`celery -A config
worker`) on the test database, a real Redis broker, a real SMTP server (aiosmtpd). Sweeps are told
the moment to act as (`now`), since another process cannot share the test's frozen clock; nothing
here sleeps to let time pass, it only polls for what the other process does."""
import datetime as dt
import time
import uuid

import pytest
import time_machine
from django.db import connection

from cases import services
from cases.models import CaseEvent, Escalation, Promise, PromiseKind, PromiseStatus
from config.celery import app
from notifications.models import OutboxMessage, OutboxStatus
from notifications.outbox import outbox_enqueue
from tests.factories import ClientFactory
from tests.notifications.conftest import HOUR
from tests.notifications.processes import RedisServer, Worker, other_backends, wait_until

from benchmarks.seed import seed_due

MINUTE = dt.timedelta(minutes=1)
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.timezone.utc)
DUE = 24


@pytest.fixture
def queue():
    return f"nf-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def workers(redis_url, queue, tmp_path):
    started = []

    def make(name, **kw):
        kw.setdefault("broker_url", redis_url)
        worker = Worker(queue=queue, log_dir=tmp_path, name=name, **kw)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.kill()
    wait_until(lambda: other_backends() == 0, timeout=30, what="worker connections to close")


@pytest.fixture
def slow_escalations():
    """Each escalation insert takes 0.1 s (a trigger in the test database), so a batch is slow
    enough to be interrupted or shared. Dropped afterwards."""
    with connection.cursor() as cur:
        cur.execute("CREATE OR REPLACE FUNCTION nf_test_slow() RETURNS trigger AS $$ BEGIN "
                    "PERFORM pg_sleep(0.1); RETURN NEW; END $$ LANGUAGE plpgsql")
        cur.execute("CREATE TRIGGER nf_test_slow AFTER INSERT ON cases_escalation "
                    "FOR EACH ROW EXECUTE FUNCTION nf_test_slow()")
    yield
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER IF EXISTS nf_test_slow ON cases_escalation")
        cur.execute("DROP FUNCTION IF EXISTS nf_test_slow()")


def send(task, queue, now=None):
    app.send_task(task, args=[now.isoformat() if now else None], queue=queue)


def _due_promises(rep):
    seed_due(DUE, now=NOW, owner=rep, client=ClientFactory(time_zone="UTC"))
    return list(Promise.objects.filter(status=PromiseStatus.PENDING, due_at__lte=NOW).values_list("pk", flat=True))


def _assert_each_broken_exactly_once(ids):
    assert Promise.objects.filter(pk__in=ids, status=PromiseStatus.BROKEN).count() == len(ids)
    for pk in ids:
        assert Escalation.objects.filter(promise_id=pk).count() == 1
        assert CaseEvent.objects.filter(verb="promise broken", data__promise=pk).count() == 1
        assert OutboxMessage.objects.filter(key__in=[f"promise-broken:{pk}:owner",
                                                     f"promise-broken:{pk}:supervisors"]).count() == 2


def test_two_worker_processes_running_the_same_sweep_break_each_promise_once(
        rep, supervisor, workers, queue, slow_escalations):
    ids = _due_promises(rep)
    first, second = workers("a", concurrency=2).start(), workers("b", concurrency=2).start()
    first.wait_ready(), second.wait_ready()

    task = "notifications.sweep_broken_promises"
    for _ in range(4):
        send(task, queue, NOW)
    wait_until(lambda: first.finished(task) + second.finished(task) == 4, timeout=60,
               what="the four sweep tasks to finish")

    assert first.received(task) and second.received(task)  # both workers took part
    _assert_each_broken_exactly_once(ids)
    assert Escalation.objects.count() == len(ids)


def _writing_escalations():
    """Another backend is inside the batch's INSERT of escalations (slowed by the trigger)."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state = 'active' "
                    "AND query LIKE 'INSERT INTO \"cases_escalation\"%%'")
        return cur.fetchone()[0] > 0


def test_a_worker_killed_mid_batch_leaves_nothing_half_done_and_the_rerun_finishes_once(
        rep, supervisor, workers, queue, slow_escalations):
    ids = _due_promises(rep)
    doomed = workers("doomed").start().wait_ready()

    send("notifications.sweep_broken_promises", queue, NOW)
    wait_until(_writing_escalations, timeout=30, interval=0.01, what="the batch to be writing its escalations")
    doomed.kill()
    wait_until(lambda: other_backends() == 0, what="PostgreSQL to roll back the killed worker's transaction")
    # The batch is one transaction: killed in the middle, it left no trace at all.
    assert Promise.objects.filter(pk__in=ids, status=PromiseStatus.BROKEN).count() == 0
    assert Escalation.objects.count() == 0 and not CaseEvent.objects.filter(verb="promise broken").exists()
    assert not OutboxMessage.objects.filter(key__startswith="promise-broken").exists()

    workers("restarted").start().wait_ready()
    send("notifications.sweep_broken_promises", queue, NOW)
    wait_until(lambda: Promise.objects.filter(pk__in=ids, status=PromiseStatus.BROKEN).count() == len(ids),
               timeout=30, what="the rerun to finish")
    wait_until(lambda: Escalation.objects.count() == len(ids), what="the last escalation")

    _assert_each_broken_exactly_once(ids)


def test_a_worker_killed_while_sending_loses_no_email_and_sends_none_twice(workers, queue, smtp_sink):
    keys = [f"kill:{i}" for i in range(12)]
    for key in keys:
        outbox_enqueue(key=key, kind="escalation_raised", to=["sam@example.com"],
                       context={"case_ref": "C-1", "client": "Dennis", "reason": "Other", "note": "n",
                                "raised_by": "Fran", "case_path": "/cases/C-1/"})
    smtp_sink.hold_at = 5  # the server holds the 5th message before accepting it
    doomed = workers("doomed", smtp_port=smtp_sink.port).start().wait_ready()

    send("notifications.deliver_outbox", queue)
    assert smtp_sink.holding.wait(timeout=30)
    doomed.kill()
    smtp_sink.release.set()  # the server sees the connection gone and does not accept the message
    wait_until(lambda: other_backends() == 0, what="PostgreSQL to roll back the killed worker's transaction")
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 4
    assert len(smtp_sink.keys) == 4

    workers("restarted", smtp_port=smtp_sink.port).start().wait_ready()
    send("notifications.deliver_outbox", queue)
    wait_until(lambda: OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 12, what="delivery")

    assert sorted(smtp_sink.keys) == sorted(keys)


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, and the web side's Celery app pointed at it."""
    server = RedisServer(tmp_path).start()
    old = app.conf.broker_url

    def point_app_at(url):
        app.conf.broker_url = app.conf.broker_read_url = app.conf.broker_write_url = url
        app._pool = None
        app.amqp._producer_pool = None

    point_app_at(server.url)
    yield server
    point_app_at(old)
    server.stop()


def test_redis_down_when_a_rep_logs_an_update_the_request_succeeds_and_the_reminder_follows(
        rep, teammate, supervisor, dennis, own_redis, workers, queue, smtp_sink, caplog):
    from tests.notifications.conftest import planned_case

    # Planned 110 minutes ago, hourly updates, the first given 5 minutes in: the next is due in about 10
    # minutes, so its reminder is due now by the worker's own clock (a sweep refuses a moment to come).
    start = _now_minute() - 110 * MINUTE
    case = planned_case(rep, dennis, at_time=start, item_due=20 * HOUR, eta_latest=20 * HOUR)
    own_redis.stop()

    started = time.monotonic()
    with time_machine.travel(start + 5 * MINUTE, tick=True):
        update = services.status_update_log(user=rep, case=case, summary="Restore running; mail back within 2 hours",
                                            channel="phone", client_mood="anxious")
    item = services.action_item_create(user=rep, case=case, description="Check the DNS records",
                                       assignee=teammate, due_at=_now_minute() + 10 * HOUR)
    elapsed = time.monotonic() - started

    assert update.pk and item.pk and elapsed < 10
    assert "could not reach the broker" in caplog.text
    promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert OutboxMessage.objects.get(kind="item_assigned").status == OutboxStatus.PENDING

    own_redis.start()  # Redis is back (same port)
    workers("w", broker_url=own_redis.url, smtp_port=smtp_sink.port).start().wait_ready()
    send("notifications.sweep_update_reminders", queue)
    assert smtp_sink.wait_for(2, timeout=30)  # the reminder's own commit kicks delivery on the worker

    assert sorted(smtp_sink.keys) == sorted([f"update-reminder:{promise.pk}:{int(promise.due_at.timestamp())}:{rep.pk}",
                                             f"item-assigned:{item.pk}:{teammate.pk}"])
    reminder = next(m for m in smtp_sink.messages if m["key"].startswith("update-reminder"))
    assert "Dennis Hale expects an update by" in reminder["subject"]


def _now_minute():
    from django.utils import timezone

    return timezone.now().replace(second=0, microsecond=0)
