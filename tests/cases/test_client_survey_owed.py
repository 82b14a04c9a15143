# ruff: noqa: F811 - the tests take the imported fixture `resolved_late` by name
"""The survey is the client's word, not the rep's to withhold (found by a padding review): a follow-up call
logged while the client has no email address leaves the invitation owed, said on the timeline, and it goes
out as soon as an address is recorded while the final page shows. Blanking the address for the call, with
the client's link revoked, and putting it back afterwards no longer keeps the survey from them."""
import datetime as dt

import pytest

from cases import services
from cases.models import ClientMessageKind, ClientMessageStatus
from notifications.models import OutboxMessage
from tests.cases.test_client_survey import NOW, resolved_late  # noqa: F401 - its clock and fixture (day 30)


def details(client, email):
    return dict(name=client.name, organisation=client.organisation, email=email, phone=client.phone,
                time_zone=client.time_zone, quiet_hours_start=client.quiet_hours_start,
                quiet_hours_end=client.quiet_hours_end)


def invitations(case):
    return case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP)


@pytest.mark.django_db
def test_an_address_blanked_for_the_call_and_put_back_sends_the_invitation_then(resolved_late, rep, dennis):
    case, _ = resolved_late
    real = dennis.email
    services.status_link_revoke(user=rep, case=case)
    services.client_update(user=rep, client=dennis, case=case, **details(dennis, ""))
    services.follow_up_log(user=rep, case=case, note="Dennis is not happy with how long it took")

    assert not invitations(case).exists()
    assert case.events.filter(verb="survey not sent").exists()  # said on the timeline

    dennis.refresh_from_db()
    services.client_update(user=rep, client=dennis, case=case, **details(dennis, real))

    invitation = invitations(case).get()
    assert invitation.to_email == real
    assert OutboxMessage.objects.filter(key=invitation.outbox_key).exists()  # on its way, with its own link
    for address in ("", real):  # blanked and put back again: that address has its invitation
        dennis.refresh_from_db()
        services.client_update(user=rep, client=dennis, case=case, **details(dennis, address))
    # the one queued for the blanked address was taken back (the address changed before it left)
    assert invitations(case).exclude(status=ClientMessageStatus.WITHDRAWN).count() == 1


@pytest.mark.django_db
def test_no_invitation_is_owed_before_the_call_is_logged(resolved_late, rep, dennis):
    case, _ = resolved_late
    real = dennis.email
    services.client_update(user=rep, client=dennis, case=case, **details(dennis, ""))
    dennis.refresh_from_db()

    services.client_update(user=rep, client=dennis, case=case, **details(dennis, real))

    assert not invitations(case).exists()


@pytest.mark.django_db
def test_the_link_revoked_after_the_call_does_not_keep_the_owed_invitation_from_the_client(
        resolved_late, rep, dennis):
    case, browser = resolved_late
    real = dennis.email
    services.client_update(user=rep, client=dennis, case=case, **details(dennis, ""))
    services.follow_up_log(user=rep, case=case, note="Dennis is not happy with how long it took")
    services.status_link_revoke(user=rep, case=case)
    dennis.refresh_from_db()

    services.client_update(user=rep, client=dennis, case=case, **details(dennis, real))

    assert invitations(case).get().to_email == real
    case.refresh_from_db()
    assert case.status_link_final_until is not None  # a resolved page to rate on, reached by the emailed link


@pytest.mark.django_db
def test_an_invitation_sent_to_another_address_does_not_count_for_the_clients(resolved_late, rep, dennis):
    """A teammate's address is refused as a client's (test_survey_not_withheld); any other the rep typed
    for the call (their own private one, say) does not stand for the client's either."""
    case, _ = resolved_late
    real, other = dennis.email, "someone.else@example.net"
    services.client_update(user=rep, client=dennis, case=case, **details(dennis, other))
    services.follow_up_log(user=rep, case=case, note="Dennis is not happy with how long it took")
    dennis.refresh_from_db()

    services.client_update(user=rep, client=dennis, case=case, **details(dennis, real))

    assert sorted(invitations(case).values_list("to_email", flat=True)) == sorted([other, real])


@pytest.mark.django_db
def test_no_invitation_is_owed_for_a_case_closed_again_by_override_after_a_reopen(
        resolved_late, rep, dennis, supervisor, frozen):
    case, _ = resolved_late
    real = dennis.email
    services.client_update(user=rep, client=dennis, case=case, **details(dennis, ""))
    services.follow_up_log(user=rep, case=case, note="Dennis is not happy with how long it took")
    frozen.shift(dt.timedelta(hours=2))
    case = services.case_reopen(user=rep, case=case, reason="The problem came back this morning")
    case = services.case_force_close(user=supervisor, case=case, reason="Client moved to another supplier")
    dennis.refresh_from_db()

    services.client_update(user=rep, client=dennis, case=case, **details(dennis, real))

    assert not invitations(case).exists()
