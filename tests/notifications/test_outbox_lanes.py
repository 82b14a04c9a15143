"""Outbox lanes: on PostgreSQL, outside a transaction, one run sends over OUTBOX_CONNECTIONS SMTP
connections side by side (a thread and a database connection each), every recipient's emails through one
of them in the queue's order; each email is still claimed and marked in its own transaction, so nothing
is sent twice or lost. Inside a transaction the run stays in the calling thread. A real SMTP server
(aiosmtpd on 127.0.0.1) and real PostgreSQL connections."""
import signal
import time
from types import SimpleNamespace

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection, transaction

from notifications import tasks
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps import outbox as outbox_sweep
from notifications.sweeps import sweep_outbox
from tests.notifications.conftest import T0, at, queue_notice

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = [f"rep{i}@example.com" for i in range(6)]


def _queue(per_recipient=5, recipients=RECIPIENTS):
    """Emails to each recipient in turn (rep0, rep1, ..., rep0, ...), keyed by recipient and number."""
    return [queue_notice(f"{to}:{n}", to) for n in range(per_recipient) for to in recipients]


def _backends():
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cur.fetchone()[0]


def _settles_at(expected, timeout=5.0):
    """The database's connection count once the server has let closed ones go (their exit is not instant)."""
    deadline = time.monotonic() + timeout
    while (count := _backends()) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def test_lanes_keep_each_recipient_in_one_lane_in_order_and_share_the_work():
    units = [[SimpleNamespace(to=[to], n=n)] for n, to in enumerate(["A@x", "b@x", "a@x", "c@x", "b@x", "d@x", "a@x"])]

    dealt = outbox_sweep.lanes(units, 2)

    assert len(dealt) == 2
    assert sorted(u[0].n for lane in dealt for u in lane) == list(range(7))  # every email, once
    for lane in dealt:
        assert [u[0].n for u in lane] == sorted(u[0].n for u in lane)  # the queue's order
    lane_of = {u[0].to[0].lower(): i for i, lane in enumerate(dealt) for u in lane}
    assert all(lane_of[u[0].to[0].lower()] == i for i, lane in enumerate(dealt) for u in lane)  # "A@x" is "a@x"
    assert sorted(len(lane) for lane in dealt) == [3, 4]
    assert len(outbox_sweep.lanes(units, 9)) == 4  # no more lanes than recipients
    assert len(outbox_sweep.lanes(units, 1)) == 1


def test_an_email_to_several_people_goes_in_the_lane_of_each_ones_other_emails():
    """A notice to the owner and the co-owner joins both their lanes' groups: neither gets two emails at once,
    out of the order they were queued."""
    tos = [["owner@x"], ["co@x"], ["owner@x", "CO@x"], ["other@x"], ["co@x"], ["third@x"]]
    units = [[SimpleNamespace(to=to, n=n)] for n, to in enumerate(tos)]

    dealt = outbox_sweep.lanes(units, 3)

    lane_of = {n: i for i, lane in enumerate(dealt) for n in (u[0].n for u in lane)}
    assert lane_of[0] == lane_of[1] == lane_of[2] == lane_of[4]  # owner's, co-owner's and the shared one
    assert [u[0].n for u in dealt[lane_of[0]]] == [0, 1, 2, 4]
    assert len(dealt) == 3


def test_a_run_sends_over_several_connections_each_email_once_each_recipient_in_order(smtp_sink, settings):
    settings.OUTBOX_CONNECTIONS = 3
    rows = _queue()
    before = _backends()

    with at(T0):
        sent = sweep_outbox()

    assert sent == len(rows) == 30
    assert sorted(smtp_sink.keys) == sorted(r.key for r in rows)  # each once
    assert len({m["peer"] for m in smtp_sink.messages}) == 3
    for to in RECIPIENTS:
        mine = [m for m in smtp_sink.messages if m["to"] == [to]]
        assert [m["key"] for m in mine] == [f"{to}:{n}" for n in range(5)]
        assert len({m["peer"] for m in mine}) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert _settles_at(before) == before  # the lanes' database connections were closed


def test_the_delivery_task_sends_a_backlog_over_its_lanes(smtp_sink, settings):
    """What beat's task runs (notifications.tasks.drain, outside any transaction) uses the lanes too."""
    settings.OUTBOX_CONNECTIONS = 2
    settings.SWEEP_BATCH_SIZE = 20
    rows = _queue()

    with at(T0):
        sent = tasks.drain("outbox")

    assert sent == len(rows) == 30
    assert sorted(smtp_sink.keys) == sorted(r.key for r in rows)
    assert len({m["peer"] for m in smtp_sink.messages}) == 3  # two lanes for the first 20, one for the last 10


def test_a_refused_email_in_one_lane_blocks_nothing_in_any_lane(smtp_sink, settings):
    settings.OUTBOX_CONNECTIONS = 3
    smtp_sink.refuse.add("rep2@example.com")
    rows = _queue()

    with at(T0):
        sent = sweep_outbox()

    assert sent == 25
    refused = OutboxMessage.objects.filter(to=["rep2@example.com"])
    assert [(r.status, r.attempts) for r in refused] == [(OutboxStatus.PENDING, 1)] * 5
    assert all("550" in r.last_error for r in refused)
    assert sorted(smtp_sink.keys) == sorted(r.key for r in rows if r.to != ["rep2@example.com"])


def test_a_few_emails_go_in_the_calling_thread_over_one_connection(smtp_sink, settings):
    settings.OUTBOX_CONNECTIONS = 3
    rows = _queue(per_recipient=1, recipients=RECIPIENTS[:3])  # three emails, three recipients
    before = _backends()

    with at(T0):
        sent = sweep_outbox()

    assert sent == len(rows) == 3
    assert len({m["peer"] for m in smtp_sink.messages}) == 1
    # No lane opened a database connection of its own (one more would show). Not "==": a connection an earlier
    # test's lane left may end meanwhile (a fresh-clone CI run saw 2 before, 1 after).
    assert _backends() <= before


def test_a_server_down_loses_nothing_in_any_lane(smtp_sink, settings):
    settings.OUTBOX_CONNECTIONS = 3
    smtp_sink.stop()
    _queue()

    with at(T0):
        sent = sweep_outbox()

    assert sent == 0
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {(OutboxStatus.PENDING, 1)}


def test_inside_a_transaction_the_run_stays_in_its_thread_and_sees_its_own_rows(smtp_sink, settings):
    settings.OUTBOX_CONNECTIONS = 3
    with transaction.atomic():
        rows = _queue()  # not yet visible to any other connection
        with at(T0):
            sent = sweep_outbox()

    assert sent == len(rows) == 30
    assert len({m["peer"] for m in smtp_sink.messages}) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}


def test_a_lane_that_fails_stops_the_others_and_leaves_their_emails_queued(smtp_sink, settings, monkeypatch):
    """A fault injected into one lane (a database error, say): the run raises it, the other lanes stop after
    the email in hand, and whatever was not sent is still pending for the next run."""
    settings.OUTBOX_CONNECTIONS = 2
    deliver = outbox_sweep._deliver

    def failing(unit, sender, now):
        if unit[0].key == "rep0@example.com:1":
            raise RuntimeError("injected")
        time.sleep(0.02)  # the other lane is mid-way when this one fails
        return deliver(unit, sender, now)

    monkeypatch.setattr(outbox_sweep, "_deliver", failing)
    _queue(per_recipient=10, recipients=RECIPIENTS[:2])

    with at(T0), pytest.raises(RuntimeError, match="injected"):
        sweep_outbox()

    sent = set(OutboxMessage.objects.filter(status=OutboxStatus.SENT).values_list("key", flat=True))
    assert sorted(smtp_sink.keys) == sorted(sent)  # marked sent exactly when the server took it
    assert "rep0@example.com:0" in sent and "rep0@example.com:1" not in sent
    assert len([k for k in sent if k.startswith("rep1@")]) < 10  # the other lane stopped early
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 20 - len(sent)

    monkeypatch.setattr(outbox_sweep, "_deliver", deliver)
    with at(T0):
        assert sweep_outbox() == 20 - len(sent)  # the next run sends the rest
    assert sorted(smtp_sink.keys) == sorted(OutboxMessage.objects.values_list("key", flat=True))


def test_a_time_limit_stops_every_lane_after_the_email_in_hand(smtp_sink, settings):
    """Celery's soft time limit is an exception raised in the task's own thread by a signal handler: the run
    raises it, each lane ends with the email it is sending, and nothing else leaves until the next run."""
    settings.OUTBOX_CONNECTIONS = 2
    smtp_sink.delay = 0.05  # each email takes a while, so the limit falls mid-run
    _queue(per_recipient=10, recipients=RECIPIENTS[:2])

    def limit(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, limit)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    try:
        with at(T0), pytest.raises(SoftTimeLimitExceeded):
            sweep_outbox()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    accepted = len(smtp_sink.messages)
    time.sleep(0.3)
    assert len(smtp_sink.messages) == accepted < 20  # the lanes stopped, and stay stopped
    sent = set(OutboxMessage.objects.filter(status=OutboxStatus.SENT).values_list("key", flat=True))
    assert sorted(smtp_sink.keys) == sorted(sent)
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 20 - len(sent)
