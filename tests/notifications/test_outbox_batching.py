"""Outbox delivery's cost and its claim: each email costs one statement (the claim that locks its rows
and marks them sent) inside its own short transaction, whatever the batch's size; the mark stays only if
the server took the email. Against the real SMTP server (aiosmtpd on 127.0.0.1)."""
import threading

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications.models import OutboxMessage, OutboxStatus
from notifications.outbox import outbox_enqueue
from notifications.sweeps import outbox as delivery
from notifications.sweeps import sweep_outbox
from tests.notifications.conftest import T0, at, queue_notice

# Per email: its transaction (a savepoint and its release inside the test's transaction; BEGIN and
# COMMIT, which are not counted, in a worker) and the one claim.
STATEMENTS_PER_EMAIL = 3


def _queue(n, prefix):
    return [queue_notice(f"{prefix}:{i}") for i in range(n)]


def _statements_to_deliver(n, prefix):
    _queue(n, prefix)
    with at(T0), CaptureQueriesContext(connection) as ctx:
        sent = sweep_outbox()
    return sent, len(ctx.captured_queries)


@pytest.mark.django_db
def test_delivery_costs_the_same_fixed_statements_per_email_for_5_and_50_emails(smtp_sink, settings):
    settings.SWEEP_BATCH_SIZE = 100
    few_sent, few = _statements_to_deliver(5, "few")

    many_sent, many = _statements_to_deliver(50, "many")

    assert (few_sent, many_sent) == (5, 50) and len(smtp_sink.messages) == 55
    assert many - few == 45 * STATEMENTS_PER_EMAIL
    # the batch's own: the claim of the batch, and who of its recipients is still on the team (two at most)
    assert few - 5 * STATEMENTS_PER_EMAIL == many - 50 * STATEMENTS_PER_EMAIL <= 5


@pytest.mark.django_db
def test_a_refused_email_keeps_no_sent_mark(smtp_sink):
    smtp_sink.refuse.add("gone@example.com")
    with at(T0):
        row = outbox_enqueue(key="refused", kind="escalation_raised", to=["gone@example.com"],
                             context={"case_ref": "C-1", "client": "Dennis", "reason": "Other", "note": "n",
                                      "raised_by": "Fran", "case_path": "/cases/C-1/"})

    with at(T0):
        sent = sweep_outbox()

    row.refresh_from_db()
    assert sent == 0
    assert (row.status, row.sent_at, row.attempts) == (OutboxStatus.PENDING, None, 1)
    assert "550" in row.last_error


@pytest.mark.django_db
def test_a_time_limit_hit_while_sending_leaves_that_email_pending_and_unmarked(smtp_sink, monkeypatch):
    rows = _queue(3, "limit")
    real_send, calls = delivery._Sender.send, []

    def send(self, msg):
        calls.append(msg)
        if len(calls) == 2:
            raise SoftTimeLimitExceeded()
        return real_send(self, msg)

    monkeypatch.setattr(delivery._Sender, "send", send)

    with at(T0), pytest.raises(SoftTimeLimitExceeded):
        sweep_outbox()

    states = [OutboxMessage.objects.values_list("status", "attempts", "sent_at").get(pk=r.pk) for r in rows]
    assert states == [(OutboxStatus.SENT, 1, T0), (OutboxStatus.PENDING, 0, None), (OutboxStatus.PENDING, 0, None)]
    assert smtp_sink.keys == ["limit:0"]


@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_holds_is_skipped_without_waiting_and_sent_by_a_later_run(smtp_sink):
    held, *others = _queue(3, "held")
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(timeout=30)
    try:
        with at(T0):
            sent = sweep_outbox()
    finally:
        release.set()
        thread.join(timeout=30)
    held.refresh_from_db()
    skipped = (held.status, held.attempts, held.sent_at)
    with at(T0):
        later = sweep_outbox()

    assert sent == 2 and skipped == (OutboxStatus.PENDING, 0, None)
    assert later == 1
    assert sorted(smtp_sink.keys) == sorted(r.key for r in [held, *others])
