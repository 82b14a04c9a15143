"""The client's email address, found by a review:

- Correcting it takes back every email to the client still waiting to leave (they were written to the old
  address, which may be a stranger's: a typo), and on an open case stops the live status link an email
  already took to the old address (cases.services.intake.client_update). A change of letter case only is
  the same mailbox: nothing is taken back.
- It is never a mailbox of the team's (cases.selectors.is_team_address): a teammate's address in any letter
  case, quoted or with a +tag, the team's own From addresses, or one of our reply addresses; otherwise the
  survey meant for the client reaches the rep."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, ClientMessageStatus
from cases.selectors import is_team_address
from cases.status_links import LinkRevoked, LinkState, read_link
from notifications.models import OutboxStatus
from tests.cases.test_client_messages import UTC, at, deliver_at, emailed_case, row_of, send
from tests.factories import RepFactory

pytestmark = pytest.mark.django_db

EVENING = dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
THREE_AM = dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
SEVEN_AM = dt.datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # the end of the client's quiet hours
TYPO = "dennis@hale-onlien.example"  # a stranger's mailbox
RIGHT = "dennis@hale-online.example"


def _details(client, **changes):
    fields = ("name", "organisation", "email", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end")
    return {**{f: getattr(client, f) for f in fields}, **changes}


def _set_email(user, case, email):
    client = case.client
    client.refresh_from_db()
    return services.client_update(user=user, client=client, case=case, **_details(client, email=email))


@pytest.fixture
def typo_client(dennis):
    dennis.email, dennis.time_zone = TYPO, "UTC"
    dennis.quiet_hours_start, dennis.quiet_hours_end = dt.time(22), dt.time(7)
    dennis.save()
    return dennis


@pytest.fixture
def held(rep, typo_client):
    case = emailed_case(rep, typo_client, when=EVENING, cadence=12 * 60)
    return case, send(rep, case, THREE_AM)


def _token(body):
    return next(w for w in body.split() if "/status/" in w).rstrip("/").rsplit("/", 1)[1]


# --- a corrected address ----------------------------------------------------------------------------
def test_correcting_the_address_takes_back_the_email_held_for_the_old_one(held, rep):
    case, message = held

    with at(THREE_AM + dt.timedelta(minutes=20)):
        _set_email(rep, case, RIGHT)

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.WITHDRAWN and row_of(message).status == OutboxStatus.WITHDRAWN
    assert "the client's address changed before it left" in CaseEvent.objects.get(
        case=case, verb="message to the client withdrawn").note


def test_nothing_reaches_the_old_address_when_the_quiet_hours_end(held, rep):
    case, message = held
    with at(THREE_AM + dt.timedelta(minutes=20)):
        _set_email(rep, case, RIGHT)

    deliver_at(SEVEN_AM + dt.timedelta(minutes=1))

    assert not [m for m in mail.outbox if TYPO in m.to]


def test_a_link_already_emailed_to_the_old_address_stops_working(rep, typo_client):
    case = emailed_case(rep, typo_client, when=EVENING, cadence=12 * 60)
    token = _token(row_of(send(rep, case, EVENING + dt.timedelta(minutes=5))).body_text)
    deliver_at(EVENING + dt.timedelta(minutes=6))
    assert [m for m in mail.outbox if TYPO in m.to]

    with at(EVENING + dt.timedelta(minutes=30)):
        _set_email(rep, case, RIGHT)
        with pytest.raises(LinkRevoked):
            read_link(token)
    assert CaseEvent.objects.filter(case=case, verb="client status link revoked",
                                    note__contains=TYPO).exists()


def test_a_link_no_email_took_to_the_old_address_keeps_working(rep, typo_client):
    case = emailed_case(rep, typo_client, when=EVENING, cadence=12 * 60)
    with at(EVENING):
        issued = services.status_link_issue(user=rep, case=case)

    with at(EVENING + dt.timedelta(minutes=30)):
        _set_email(rep, case, RIGHT)
        assert read_link(issued.path.rstrip("/").rsplit("/", 1)[1]).state == LinkState.LIVE


def test_the_same_address_in_other_letters_takes_nothing_back(held, rep):
    case, message = held

    with at(THREE_AM + dt.timedelta(minutes=20)):
        _set_email(rep, case, TYPO.upper())

    message.refresh_from_db()
    assert message.status == ClientMessageStatus.QUEUED


# --- never the team's mailbox -----------------------------------------------------------------------
@pytest.fixture
def team(settings):
    settings.DEFAULT_FROM_EMAIL = "Case tracker <cases@team.example>"
    settings.CLIENT_MAIL_FROM = "Hale support <support@team.example>"
    settings.MAILIN_DOMAIN = "reply.team.example"
    settings.MAILIN_UNCLAIMED_NOTIFY = ["unclaimed@team.example"]
    return RepFactory(username="fran", email="fran@team.example")


@pytest.mark.parametrize("address", [
    "fran+client@team.example", '"fran"@team.example', "FRAN+x@Team.Example", '"fran+c"@team.example',
    "cases@team.example", "support+x@team.example", "unclaimed@team.example",
    "case+C-000001.abcdefgh@reply.team.example", "anyone@REPLY.team.example",
])
def test_a_teams_mailbox_in_any_form_is_refused_as_the_clients_address(team, case, rep, address):
    with pytest.raises(CaseRuleError, match="address of someone on the team") as refused:
        _set_email(rep, case, address)

    assert refused.value.field == "email"
    case.client.refresh_from_db()
    assert case.client.email != address


def test_a_former_teammates_sub_address_is_refused_too(team, case, rep):
    get_user_model().objects.filter(pk=team.pk).update(is_active=False)

    with pytest.raises(CaseRuleError, match="address of someone on the team"):
        _set_email(rep, case, "fran+old@team.example")


@pytest.mark.parametrize("address", ["franz@team.example", "fran@team.example.org", "fran@client.example"])
def test_a_clients_own_address_near_a_teammates_is_kept(team, case, rep, address):
    _set_email(rep, case, address)

    case.client.refresh_from_db()
    assert case.client.email == address


def test_the_check_is_one_query_however_large_the_team(team, django_assert_num_queries):
    RepFactory.create_batch(30)

    with django_assert_num_queries(1):
        assert is_team_address("fran+survey@team.example")
