"""An email to the client still waiting to leave (held for their quiet hours) is taken back when the
case is closed (by override, or resolved), or when the case changes hands: it was written for a case still
being worked, or by the previous handler with a status link that no longer opens. It is marked withdrawn on
the card and the timeline, and the outbox never sends it; one already sent stays sent."""
import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, ClientMessageStatus
from notifications.models import OutboxStatus
from notifications.sweeps.outbox import _record_failure
from cases.models import ClientMessageKind, Step
from tests.cases.helpers import advance_to
from tests.cases.test_client_messages import UTC, at, deliver_at, emailed_case, row_of, send

pytestmark = pytest.mark.django_db

EVENING = dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
THREE_AM = dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
SEVEN_AM = dt.datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # the end of Dennis's quiet hours


@pytest.fixture
def held(rep, dennis):
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    case = emailed_case(rep, dennis, when=EVENING, cadence=12 * 60)
    return case, send(rep, case, THREE_AM)


def _withdrawn(case, message):
    message.refresh_from_db()
    return (message.status == ClientMessageStatus.WITHDRAWN and row_of(message).status == OutboxStatus.WITHDRAWN
            and CaseEvent.objects.filter(case=case, verb="message to the client withdrawn").exists())


def test_a_force_close_takes_back_the_held_email_and_nothing_leaves_at_seven(held, supervisor, client):
    case, message = held
    with at(THREE_AM + dt.timedelta(minutes=30)):
        services.case_force_close(user=supervisor, case=case, reason="The client went elsewhere for good")

    assert _withdrawn(case, message)
    deliver_at(SEVEN_AM)  # the team's own notices of the close go; nothing to the client
    assert not [m for m in mail.outbox if case.client.email in m.to]
    client.force_login(supervisor)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Withdrawn" in page and "closed by a supervisor" in page


def test_resolving_takes_back_the_held_is_it_fixed_email(rep, dennis, client):
    """Found by a review: "Is it fixed? Please confirm", held for the night, left at seven after the case
    was resolved, asking the client for an answer their page then refused."""
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    case = emailed_case(rep, dennis, when=EVENING, cadence=12 * 60)
    with at(THREE_AM):
        case = advance_to(case, Step.DELIVER, rep)
    message = send(rep, case, THREE_AM + dt.timedelta(minutes=5), kind=ClientMessageKind.DELIVERY,
                   text="The mail server is restored and your orders flow again: does it work for you now?")
    assert message.send_after == SEVEN_AM

    with at(THREE_AM + dt.timedelta(minutes=30)):
        advance_to(case, Step.RESOLVED, rep)

    assert _withdrawn(case, message)
    deliver_at(SEVEN_AM)
    assert not [m for m in mail.outbox if case.client.email in m.to]
    client.force_login(rep)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Withdrawn" in page and "the case was resolved before it left" in page


def test_a_handoff_takes_back_the_previous_handlers_held_email(held, rep, other_rep):
    case, message = held
    with at(THREE_AM + dt.timedelta(minutes=30)):
        offered = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Covers the morning shift")
        services.handoff_accept(user=other_rep, handoff=offered, client_informed=True)

    assert _withdrawn(case, message)
    deliver_at(SEVEN_AM)
    assert not [m for m in mail.outbox if case.client.email in m.to]


def test_an_email_already_sent_stays_sent(rep, dennis, supervisor):
    case = emailed_case(rep, dennis, when=EVENING)
    message = send(rep, case, EVENING + dt.timedelta(minutes=10))
    assert deliver_at(EVENING + dt.timedelta(minutes=11)) == 1

    with at(EVENING + dt.timedelta(hours=1)):
        services.case_force_close(user=supervisor, case=case, reason="The client went elsewhere for good")

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.SENT and row_of(message).status == OutboxStatus.SENT


def test_the_admins_retry_now_leaves_a_withdrawn_email_withdrawn(held, supervisor, client):
    case, message = held
    with at(THREE_AM + dt.timedelta(minutes=30)):
        services.case_force_close(user=supervisor, case=case, reason="The client went elsewhere for good")
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1234"))

    client.post(reverse("admin:notifications_outboxmessage_changelist"),
                {"action": "retry_now", "_selected_action": [row_of(message).pk]})

    assert row_of(message).status == OutboxStatus.WITHDRAWN
    deliver_at(SEVEN_AM)
    assert not [m for m in mail.outbox if case.client.email in m.to]


def _gave_up(message, when):
    """The outbox's last attempt failed (an SMTP outage): the row and the message are marked failed, as the
    delivery sweep marks them, and wait for the admin's "retry now"."""
    row = row_of(message)
    row.attempts = settings.OUTBOX_MAX_ATTEMPTS - 1
    _record_failure(row, ConnectionRefusedError("the mail server is down"), when)
    message.refresh_from_db()
    assert message.status == ClientMessageStatus.FAILED and row_of(message).status == OutboxStatus.FAILED


@pytest.mark.parametrize("move", ["force close", "handoff"])
def test_an_email_that_gave_up_is_taken_back_too_and_retry_now_does_not_send_it(held, supervisor, rep, other_rep,
                                                                                client, move):
    case, message = held
    _gave_up(message, SEVEN_AM)
    with at(SEVEN_AM + dt.timedelta(minutes=30)):
        if move == "force close":
            services.case_force_close(user=supervisor, case=case, reason="The client went elsewhere for good")
        else:
            offered = services.handoff_request(user=rep, case=case, to_user=other_rep, reason="Covers the day shift")
            services.handoff_accept(user=other_rep, handoff=offered, client_informed=True)

    assert _withdrawn(case, message)
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1234"))
    client.post(reverse("admin:notifications_outboxmessage_changelist"),
                {"action": "retry_now", "_selected_action": [row_of(message).pk]})
    deliver_at(SEVEN_AM + dt.timedelta(hours=1))
    assert row_of(message).status == OutboxStatus.WITHDRAWN
    assert not [m for m in mail.outbox if case.client.email in m.to]
