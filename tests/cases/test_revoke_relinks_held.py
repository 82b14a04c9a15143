"""A status link revoked by hand while an email to the client waits for their quiet hours (found by a review:
the held update reached the client with the revoked link, which no longer opened). A new link is made for the
waiting emails, which go only to the client's address: the update leaves once, with a link that opens, and
the revoked one stays revoked."""
import datetime as dt

import pytest
from django.core import mail

from cases import services
from cases.models import CaseEvent, ClientMessageStatus
from tests.cases.test_client_messages import at, deliver_at
from tests.cases.test_links_after_address_fix import RIGHT, SEVEN_AM, THREE_AM, _emailed_token, _opens, held_at_three

pytestmark = pytest.mark.django_db


def test_a_held_update_leaves_with_a_link_that_opens_after_the_link_was_revoked_by_hand(rep, dennis):
    case, message = held_at_three(rep, dennis)
    revoked = message.body  # the email as queued, with the link live then
    with at(THREE_AM + dt.timedelta(minutes=10)):
        services.status_link_revoke(user=rep, case=case)

    deliver_at(SEVEN_AM + dt.timedelta(minutes=1))

    sent = [m for m in mail.outbox if RIGHT in m.to]
    assert len(sent) == 1
    with at(SEVEN_AM + dt.timedelta(minutes=2)):
        token = _emailed_token(RIGHT)
        assert _opens(token) == 200
    assert token not in revoked
    message.refresh_from_db()
    assert message.status == ClientMessageStatus.WITHDRAWN
    assert CaseEvent.objects.filter(case=case, verb="waiting emails given the new link").exists()


def test_a_revoke_with_nothing_waiting_makes_no_new_link(rep, dennis):
    case, _ = held_at_three(rep, dennis)
    deliver_at(SEVEN_AM + dt.timedelta(minutes=1))  # the held email left
    with at(SEVEN_AM + dt.timedelta(minutes=5)):
        services.status_link_revoke(user=rep, case=case)

    case.refresh_from_db()
    assert case.status_link_issued_at is None
    assert not CaseEvent.objects.filter(case=case, verb="waiting emails given the new link").exists()
