"""Sweep 6, outbox delivery: every email is a row written with the change that caused it, sent later
with retries and exponential backoff; a failing row never blocks the others, and an SMTP outage
loses nothing. Uses a real SMTP server (aiosmtpd on 127.0.0.1) where SMTP behaviour matters."""
import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from cases import services
from notifications import outbox
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps import sweep_outbox
from notifications.sweeps.outbox import backoff
from tests.notifications.conftest import HOUR, T0, at, planned_case, queue_notice

SECOND = dt.timedelta(seconds=1)


def _queue(n=1, to="fran@example.com", prefix="test"):
    return [queue_notice(f"{prefix}:{i}", to) for i in range(n)]


@pytest.mark.django_db
def test_a_queued_email_is_sent_with_its_text_and_html_and_marked_sent():
    row, = _queue()

    with at(T0):
        sent = sweep_outbox()

    assert sent == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.sent_at == T0 and row.attempts == 1
    message, = mail.outbox
    assert message.to == ["fran@example.com"] and message.subject == row.subject
    assert message.body == row.body_text
    assert message.alternatives[0][0] == row.body_html and message.alternatives[0][1] == "text/html"
    assert message.extra_headers["X-Casetracker-Key"] == "test:0"


@pytest.mark.django_db
def test_delivery_run_twice_sends_once():
    _queue(3)

    with at(T0):
        first, second = sweep_outbox(), sweep_outbox()

    assert (first, second) == (3, 0)
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_the_same_notification_cannot_be_queued_twice():
    first = _queue(1)
    second = _queue(1)

    assert first[0] is not None and second == [None]
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_row_not_yet_due_for_retry_is_left_alone():
    row, = _queue()
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=T0 + HOUR)

    with at(T0):
        sent = sweep_outbox()

    assert sent == 0 and not mail.outbox


def test_backoff_doubles_from_the_base_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS = 30, 3600

    assert [backoff(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]


@pytest.mark.django_db
def test_a_refused_email_records_the_error_and_backs_off_exponentially(smtp_sink):
    smtp_sink.refuse.add("gone@example.com")
    row, = _queue(to="gone@example.com")

    with at(T0):
        sweep_outbox()
    row.refresh_from_db()
    first = (row.attempts, row.next_attempt_at, row.status)
    with at(row.next_attempt_at):
        sweep_outbox()
    row.refresh_from_db()

    assert first == (1, T0 + 30 * SECOND, OutboxStatus.PENDING)
    assert (row.attempts, row.next_attempt_at) == (2, T0 + 30 * SECOND + 60 * SECOND)
    assert "550" in row.last_error and "No such mailbox" in row.last_error


@pytest.mark.django_db
@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_after_the_last_attempt_the_row_is_marked_failed_and_no_longer_tried(smtp_sink, caplog):
    smtp_sink.refuse.add("gone@example.com")
    row, = _queue(to="gone@example.com")
    moment = T0
    for _ in range(3):
        with at(moment):
            sweep_outbox()
        row.refresh_from_db()
        moment = row.next_attempt_at

    with at(T0 + 24 * HOUR):
        again = sweep_outbox()

    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.attempts == 3 and again == 0
    assert "gave up on test:0" in caplog.text


@pytest.mark.django_db
def test_one_bad_row_never_blocks_the_others(smtp_sink):
    smtp_sink.refuse.add("gone@example.com")
    bad, = _queue(to="gone@example.com", prefix="bad")
    good = _queue(2, prefix="good")

    with at(T0):
        sent = sweep_outbox()

    assert sent == 2
    assert sorted(smtp_sink.keys) == ["good:0", "good:1"]
    bad.refresh_from_db()
    assert bad.status == OutboxStatus.PENDING and bad.attempts == 1
    assert all(OutboxMessage.objects.get(pk=r.pk).status == OutboxStatus.SENT for r in good)


@pytest.mark.django_db
def test_a_batch_is_sent_through_one_smtp_connection(smtp_sink):
    _queue(5)

    with at(T0):
        sent = sweep_outbox()

    assert sent == 5 and len(smtp_sink.messages) == 5
    assert len({m["peer"] for m in smtp_sink.messages}) == 1


@pytest.mark.django_db
def test_smtp_down_loses_nothing_rows_back_off_and_all_go_once_it_is_up(smtp_sink):
    rows = _queue(3)
    smtp_sink.stop()

    with at(T0):
        during_outage = sweep_outbox()
    backed_off = list(OutboxMessage.objects.order_by("id").values_list("status", "attempts", "next_attempt_at"))
    errors = set(OutboxMessage.objects.values_list("last_error", flat=True))
    with at(T0 + 10 * SECOND):
        too_soon = sweep_outbox()
    smtp_sink.start()  # the same port: the server is back
    with at(T0 + 30 * SECOND):
        after = sweep_outbox()
    with at(T0 + 40 * SECOND):
        again = sweep_outbox()

    assert during_outage == 0 and too_soon == 0
    assert backed_off == [(OutboxStatus.PENDING, 1, T0 + 30 * SECOND)] * 3
    assert errors == {"ConnectionRefusedError: [Errno 111] Connection refused"}
    assert (after, again) == (3, 0)
    assert sorted(smtp_sink.keys) == sorted(r.key for r in rows)  # each exactly once


@pytest.mark.django_db
@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_an_outage_longer_than_every_attempt_loses_nothing_and_the_health_check_says_so(smtp_sink):
    """Found by a review: an outage outlasting OUTBOX_MAX_ATTEMPTS failed the emails queued in its first part
    for good. A server that cannot be reached is not a bad email: the row waits, one short of giving up."""
    from notifications.health import system_health

    row, = _queue()
    smtp_sink.stop()
    moment = T0
    for _ in range(6):  # twice the attempts allowed
        with at(moment):
            sweep_outbox()
        row.refresh_from_db()
        assert row.status == OutboxStatus.PENDING
        moment = row.next_attempt_at
    health = system_health(now=moment)

    assert row.attempts == 2 and row.last_error.startswith("ConnectionRefusedError")
    assert not health.ok and health.checks()["outbox"]["waiting_on_mail_server"] == 1
    assert any("1 email is waiting for the mail server" in problem for problem in health.problems)
    smtp_sink.start()
    with at(moment):
        assert sweep_outbox() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and smtp_sink.keys == [row.key]
    assert system_health(now=moment).checks()["outbox"]["waiting_on_mail_server"] == 0


@pytest.mark.django_db
def test_a_message_id_derived_from_the_key_marks_a_resend_as_the_same_email(smtp_sink):
    row, = _queue()

    with at(T0):
        sweep_outbox()

    received, = smtp_sink.messages
    assert received["message_id"].startswith(f"<outbox-{row.pk}-") and received["message_id"].endswith("@example.com>")
    assert received["msg"].is_multipart()


@pytest.mark.django_db
def test_an_unreachable_broker_never_fails_the_change_that_queued_an_email(
        rep, teammate, dennis, monkeypatch, django_capture_on_commit_callbacks, caplog):
    from notifications import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", broker_down)
    case = planned_case(rep, dennis)

    with at(T0), django_capture_on_commit_callbacks(execute=True):
        item = services.action_item_create(user=rep, case=case, description="Check the DNS records",
                                           assignee=teammate, due_at=T0 + 30 * HOUR)

    assert item.pk is not None
    assert OutboxMessage.objects.filter(kind="item_assigned", to=[teammate.email]).exists()
    assert "could not reach the broker" in caplog.text


@pytest.mark.django_db
def test_a_transaction_that_queues_several_emails_kicks_delivery_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            _queue(3)

    assert [cb for cb in callbacks if cb is outbox.kick_delivery] == [outbox.kick_delivery]


@pytest.mark.django_db(transaction=True)
def test_a_sweep_that_queues_many_emails_kicks_delivery_once(rep, dennis, monkeypatch):
    from notifications.sweeps import sweep_broken_promises

    kicks = []
    monkeypatch.setattr(outbox, "kick_delivery", lambda: kicks.append(1))
    for _ in range(3):
        planned_case(rep, dennis, item_due=20 * HOUR, eta_latest=20 * HOUR)
    kicks.clear()

    with at(T0 + 2 * HOUR):
        broken = sweep_broken_promises()

    assert broken == 3
    assert OutboxMessage.objects.filter(kind__startswith="promise_broken").count() == 6
    assert kicks == [1]


@pytest.mark.django_db
def test_a_full_batch_of_many_emails_shares_one_smtp_connection(smtp_sink, settings):
    settings.SWEEP_BATCH_SIZE = 60
    _queue(150)

    with at(T0):
        runs = [sweep_outbox() for _ in range(4)]

    assert runs == [60, 60, 30, 0]
    assert len(smtp_sink.messages) == 150
    assert len({m["peer"] for m in smtp_sink.messages}) == 3  # one connection per run, not per email
