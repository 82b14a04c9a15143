"""A notice of the team's goes only to people still on the team when it is sent
(cases.services.automation.addresses_off_the_team): an address whose person left the team (deactivated) or
lost the role since the notice was queued is taken off it, and a notice left with nobody is withdrawn. Found
by an audit: retrying a failed notice after its recipient had left still sent them the case's details.
Emails to clients are not the team's and are left alone; an address no user has is left alone too."""
import pytest
from django.core import mail

from notifications.models import OutboxStatus
from notifications.sweeps import sweep_outbox
from tests.notifications.conftest import MIN, T0, at, queue_notice

pytestmark = pytest.mark.django_db


def _sent_later():
    with at(T0 + 5 * MIN):
        sweep_outbox()


@pytest.mark.parametrize("leaves", ["deactivated", "role taken away"])
def test_a_notice_to_someone_who_left_the_team_since_it_was_queued_is_withdrawn(rep, leaves):
    row = queue_notice("escalation-raised:1:fran", to=rep.email)
    if leaves == "deactivated":
        rep.is_active = False
        rep.save(update_fields=["is_active"])
    else:
        rep.groups.clear()

    _sent_later()

    row.refresh_from_db()
    assert row.status == OutboxStatus.WITHDRAWN
    assert mail.outbox == []


def test_a_notice_to_two_goes_to_the_one_still_on_the_team(rep, supervisor):
    from notifications.outbox import outbox_enqueue

    with at(T0):
        row = outbox_enqueue(key="escalation-raised:2", kind="escalation_raised", to=[rep.email, supervisor.email],
                             context={"case_ref": "C-000001", "client": "Dennis Hale", "reason": "Irate client",
                                      "note": "Needs a call", "raised_by": "Fran", "case_path": "/cases/C-000001/"})
    rep.is_active = False
    rep.save(update_fields=["is_active"])

    _sent_later()

    row.refresh_from_db()
    assert (row.status, row.to) == (OutboxStatus.SENT, [supervisor.email])
    assert [m.to for m in mail.outbox] == [[supervisor.email]]


def test_a_notice_to_someone_still_on_the_team_goes(rep):
    row = queue_notice("escalation-raised:3:fran", to=rep.email.upper())  # addresses compare without case

    _sent_later()

    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and len(mail.outbox) == 1
