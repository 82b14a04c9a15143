"""seed_demo's guard (found by a review): a database is the demo's only when the seeding marked it so
(the "opened" event of a case it made). A client with a demo client's address proves nothing, since mail-in
creates clients from any sender: one email from Dennis's address let seed_demo add invented cases to a
team's figures and give its own "sam" the published password."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cases.models import Case, Client
from mailin.services import mail_receive
from tests.cases.helpers import open_case

pytestmark = pytest.mark.django_db

FROM_DENNIS = (b"From: Dennis <dennis@hale-online.example>\r\nTo: support@reply.example.com\r\n"
               b"Subject: hello\r\nMessage-ID: <x1@hale-online.example>\r\n\r\n"
               b"Just saying hello to the support team today.\r\n")


def test_an_email_from_the_demo_clients_address_leaves_a_teams_database_refused(rep, dennis):
    open_case(rep, dennis)
    sam = get_user_model().objects.create_user("sam", "sam@team.example", "the-teams-own-password-1")
    mail_receive(FROM_DENNIS, provider="imap")
    assert Client.objects.filter(email="dennis@hale-online.example").exists()
    before = (Case.objects.count(), sam.password)

    with pytest.raises(CommandError, match="holds a team's own cases"):
        call_command("seed_demo")

    sam.refresh_from_db()
    assert (Case.objects.count(), sam.password) == before


def test_the_demo_seeds_again_after_the_team_used_it(rep, dennis):
    call_command("seed_demo", "--password", "pw-demo-3-long")
    open_case(rep, dennis)
    mail_receive(FROM_DENNIS, provider="imap")
    before = Case.objects.count()

    call_command("seed_demo", "--password", "pw-demo-3-long")

    assert Case.objects.count() == before
