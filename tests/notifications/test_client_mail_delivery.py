"""Email to the client, end to end with the real pieces: the outbox, a Celery worker as a separate
process (`celery -A config worker`) on the test database and the Redis under test, and a real SMTP
server (aiosmtpd). The worker cannot share the test's frozen clock, and delivery sends as of the real clock
whatever `now` it is told (sending is a wall-clock act: notifications.sweeps.outbox.sending_moment), so what is
held for the quiet hours is checked where the email is queued, and the quiet hours are lifted before the
worker delivers, whatever the hour the suite runs at; nothing sleeps to let time pass, the test only polls
for what the worker does."""
import datetime as dt
import email.policy
import uuid
from email.utils import parseaddr

import pytest
from django.conf import settings

from cases import services
from cases.models import CaseEvent, Channel, ClientMessageKind, ClientMessageStatus, ItemKind, Step
from cases.services.client_messages import client_message_send
from cases.status_links import LinkState, read_link
from config.celery import app
from mailin.addresses import verify_reply_address
from notifications.models import OutboxMessage, OutboxStatus
from tests.cases.helpers import advance_to, open_case
from tests.notifications.conftest import HOUR, MIN, at
from tests.notifications.processes import Worker, other_backends, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK = "notifications.deliver_outbox"
EVENING = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.timezone.utc)  # Monday 18:00 in London (GMT)
THREE_AM = dt.datetime(2026, 3, 3, 3, 0, tzinfo=dt.timezone.utc)
SEVEN_AM = dt.datetime(2026, 3, 3, 7, 0, tzinfo=dt.timezone.utc)  # Dennis's quiet hours end
UPDATE = "The mail server is restored and orders are flowing; the website is back within 2 hours."


@pytest.fixture
def queue():
    return f"cm-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker(redis_url, queue, tmp_path, smtp_sink):
    started = []

    def make(**env):
        w = Worker(broker_url=redis_url, queue=queue, log_dir=tmp_path, smtp_port=smtp_sink.port, name="cm")
        base_env = w.env
        w.env = lambda: {**base_env(), **env}  # e.g. OUTBOX_MAX_ATTEMPTS for this worker only
        started.append(w.start().wait_ready())
        return w

    yield make
    for w in started:
        w.kill()
    wait_until(lambda: other_backends() == 0, timeout=30, what="worker connections to close")


@pytest.fixture
def quiet_dennis(dennis):
    dennis.email = "dennis@hale-online.example"
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    return dennis


def emailed_case(rep, client):
    """Planned at 18:00 with updates every 12 hours by email: the next falls due at 06:00, inside
    Dennis's quiet hours, so at 07:00."""
    with at(EVENING):
        case = advance_to(open_case(rep, client), Step.PLAN, rep)
        services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                    kind=ItemKind.FIX, assignee=rep, due_at=EVENING + 20 * HOUR)
        services.cadence_set(user=rep, case=case, minutes=12 * 60, channel=Channel.EMAIL)
        services.eta_set(user=rep, case=case, earliest=EVENING + 14 * HOUR, latest=EVENING + 30 * HOUR)
        return services.case_transition(user=rep, case=case, name="complete_plan")


def quiet_hours_lifted(client):
    """The worker sends as of today's clock, which may fall inside the client's quiet hours when the suite runs
    at night: they are lifted (an email held by them keeps the time it was held to)."""
    type(client).objects.filter(pk=client.pk).update(quiet_hours_start=None, quiet_hours_end=None)


def deliver(queue, worker, now, runs):
    app.send_task(TASK, args=[now.isoformat() if now else None], queue=queue)
    wait_until(lambda: worker.finished(TASK) >= runs, timeout=60, what=f"delivery run {runs}")


def test_an_email_update_written_at_3am_reaches_the_client_at_7_with_the_right_headers(
        rep, quiet_dennis, smtp_sink, worker, queue):
    case = emailed_case(rep, quiet_dennis)
    with at(THREE_AM):
        message = client_message_send(user=rep, case=case, kind=ClientMessageKind.UPDATE, text=UPDATE,
                                      client_mood="anxious")
    w = worker()
    assert message.send_after == OutboxMessage.objects.get(key=message.outbox_key).next_attempt_at == SEVEN_AM
    quiet_hours_lifted(quiet_dennis)  # never at 3 am the client's time: held until 07:00, which has passed

    deliver(queue, w, None, runs=1)

    assert smtp_sink.wait_for(1)
    got = smtp_sink.messages[0]["msg"]
    assert smtp_sink.messages[0]["to"] == [quiet_dennis.email]
    assert parseaddr(got["From"])[1] == parseaddr(settings.CLIENT_MAIL_FROM)[1]
    assert verify_reply_address(parseaddr(got["Reply-To"])[1]) == case.reference
    assert got["Message-ID"] == message.message_id and case.reference in got["Subject"]
    assert got["X-Casetracker-Key"] is None  # nothing internal in mail to the client
    parsed = email.message_from_bytes(got.as_bytes(), policy=email.policy.default)
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert UPDATE in text
    token = next(w for w in text.split() if "/status/" in w).rstrip("/").rsplit("/", 1)[1]
    with at(SEVEN_AM):
        assert read_link(token).state is LinkState.LIVE and read_link(token).case == case
    message.refresh_from_db()
    assert message.status == ClientMessageStatus.SENT and message.sent_at > SEVEN_AM  # when it really went
    assert message.status_update.given_at == THREE_AM  # logged when written: the 07:00 promise was kept
    assert case.promises.get(status="kept", kind="status_update").kept_at == THREE_AM


def test_a_message_the_mail_server_refuses_fails_shows_on_the_case_and_the_owner_is_told(
        rep, quiet_dennis, smtp_sink, worker, queue):
    case = emailed_case(rep, quiet_dennis)
    with at(EVENING + 10 * MIN):
        message = client_message_send(user=rep, case=case, kind=ClientMessageKind.UPDATE, text=UPDATE,
                                      client_mood="anxious")
    smtp_sink.refuse = {quiet_dennis.email}
    quiet_hours_lifted(quiet_dennis)
    w = worker(OUTBOX_MAX_ATTEMPTS="1")

    deliver(queue, w, None, runs=1)
    message.refresh_from_db()
    assert message.status == ClientMessageStatus.FAILED and "No such mailbox" in message.error
    assert OutboxMessage.objects.get(key=message.outbox_key).status == OutboxStatus.FAILED
    assert CaseEvent.objects.filter(case=case, verb="message to the client failed").count() == 1
    app.send_task(TASK, args=[None], queue=queue)  # the owner's notice was queued by the worker, just now

    assert smtp_sink.wait_for(1)
    told = smtp_sink.messages[0]
    assert told["to"] == [rep.email] and "could not be sent" in told["subject"]
