"""A teammate's mailbox spelled with a quoted pair (RFC 5321: '"r\\ep"' is the mailbox rep) is still the
team's, found by a review: Django's validator accepts it as a client's address, and the survey meant for
the client reached the rep."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.selectors import is_team_address
from tests.factories import RepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fran(settings):
    settings.MAILIN_DOMAIN = "reply.team.example"
    return RepFactory(username="fran", email="fran@team.example")


@pytest.mark.parametrize("address", ['"fr\\an"@team.example', '"\\f\\r\\a\\n"@Team.example', '"fr\\an+c"@team.example'])
def test_a_quoted_pair_spelling_of_a_teammates_mailbox_is_the_team_s(fran, address):
    assert is_team_address(address)


def test_an_escaped_character_that_changes_the_mailbox_is_not_the_team_s(fran):
    assert not is_team_address('"fr\\an\\z"@team.example')


def test_a_quoted_pair_spelling_is_refused_as_the_clients_address(fran, case, rep):
    client = case.client
    fields = ("name", "organisation", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end")

    with pytest.raises(CaseRuleError, match="address of someone on the team"):
        services.client_update(user=rep, client=client, case=case, email='"fr\\an"@team.example',
                               **{f: getattr(client, f) for f in fields})

    client.refresh_from_db()
    assert client.email != '"fr\\an"@team.example'
