"""An email to a client that fails and is tried again (the outbox's backoff, or the admin's "retry now")
still never goes inside the client's quiet hours (notifications.outbox.earliest_send, the rule it was
queued by); the team's own notices are retried at once."""
import datetime as dt
import smtplib

import pytest
from django.urls import reverse

from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps.outbox import _record_failure
from tests.cases.helpers import open_case
from tests.factories import ClientFactory
from tests.notifications.conftest import at

LONDON_EVENING = dt.datetime(2026, 3, 2, 21, 59, 30, tzinfo=dt.UTC)  # GMT in March: 21:59:30 in London
NEXT_MORNING = dt.datetime(2026, 3, 3, 7, 0, tzinfo=dt.UTC)  # the end of quiet hours 22:00-07:00


@pytest.fixture
def quiet_client(db):
    return ClientFactory(time_zone="Europe/London", quiet_hours_start=dt.time(22), quiet_hours_end=dt.time(7))


def _row(case=None, from_email="", status=OutboxStatus.PENDING, attempts=1):
    return OutboxMessage.objects.create(key=f"k:{from_email}:{status}", kind="bulk", to=["dennis@example.com"],
                                        subject="s", body_text="t", case=case, from_email=from_email,
                                        status=status, attempts=attempts, next_attempt_at=LONDON_EVENING)


def test_a_client_email_failing_just_before_quiet_hours_is_tried_again_when_they_end(rep, quiet_client):
    row = _row(case=open_case(rep, quiet_client), from_email="Support <support@cases.example>")

    _record_failure(row, smtplib.SMTPServerDisconnected("gone"), LONDON_EVENING)

    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at == NEXT_MORNING


def test_a_team_notice_is_retried_after_its_backoff_whatever_the_hour(rep, quiet_client, settings):
    row = _row(case=open_case(rep, quiet_client))

    _record_failure(row, smtplib.SMTPServerDisconnected("gone"), LONDON_EVENING)

    row.refresh_from_db()
    assert row.next_attempt_at == LONDON_EVENING + dt.timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS * 2)


def test_retry_now_in_the_admin_waits_for_the_clients_quiet_hours_to_end(admin_client_, rep, quiet_client):
    row = _row(case=open_case(rep, quiet_client), from_email="Support <support@cases.example>",
               status=OutboxStatus.FAILED, attempts=8)

    with at(LONDON_EVENING + dt.timedelta(hours=1)):
        admin_client_.post(reverse("admin:notifications_outboxmessage_changelist"),
                           {"action": "retry_now", "_selected_action": [row.pk]})

    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 0, NEXT_MORNING)


def test_a_client_email_due_before_quiet_hours_but_sent_late_waits_for_them_to_end(rep, quiet_client, smtp_sink):
    """Found by a review: the sweep sent any due row, so one cleared at 21:58 and swept at 22:30 (the kick
    missed: the broker down, a backlog) reached the client inside their quiet hours."""
    from notifications.sweeps import sweep_outbox

    row = _row(case=open_case(rep, quiet_client), from_email="Support <support@cases.example>", attempts=0)
    notice = _row(case=row.case, attempts=0)  # the team's own notice goes whatever the hour

    with at(LONDON_EVENING + dt.timedelta(minutes=30)):
        assert sweep_outbox() == 1
    row.refresh_from_db()
    notice.refresh_from_db()
    assert notice.status == OutboxStatus.SENT
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 0, NEXT_MORNING)
    with at(NEXT_MORNING):
        assert sweep_outbox() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and len(smtp_sink.messages) == 2
