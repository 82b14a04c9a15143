"""The outbox in the admin lists every email (an operator retries them after an outage) but shows an
email's words only to whoever may open its case, and never a client's status link: with it, anyone
could answer "It works" or score the survey in the client's name."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from notifications.admin import HIDDEN, masked
from notifications.models import OutboxMessage, OutboxStatus
from tests.factories import UserFactory
from tests.notifications.conftest import planned_case

TOKEN = "eyJjIjoxLCJ2IjoxfQ:1vQx2b:Zk3-mT_abc"
BODY = f"Your case is being worked on.\nSee where it stands: https://cases.example/status/{TOKEN}/\n"


@pytest.fixture
def client_email(rep, dennis):
    case = planned_case(rep, dennis)
    return OutboxMessage.objects.create(
        key="client-message:1", kind="client_update", to=["dennis@example.com"], subject="Update on your case",
        body_text=BODY, body_html=f'<p><a href="https://cases.example/status/{TOKEN}/">Where it stands</a></p>',
        case=case, status=OutboxStatus.FAILED, attempts=8, last_error="SMTP outage")


@pytest.fixture
def operator(db):
    """Staff with the outbox only (as seed_demo's `ops`): not a rep, not a supervisor."""
    ops = UserFactory(username="ops", is_staff=True)
    ops.user_permissions.set(Permission.objects.filter(
        content_type__app_label="notifications", codename__in=["view_outboxmessage", "change_outboxmessage"]))
    return ops


def _change_page(client, user, row):
    client.force_login(user)
    response = client.get(reverse("admin:notifications_outboxmessage_change", args=[row.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_operator_who_may_not_open_the_case_sees_the_row_but_not_its_words(client, operator, client_email):
    page = _change_page(client, operator, client_email)

    assert "SMTP outage" in page  # what they need to retry it
    assert HIDDEN in page and "Update on your case" not in page and "dennis@example.com" not in page
    assert "being worked on" not in page and TOKEN not in page


def test_the_listing_still_offers_the_row_to_retry(client, operator, client_email):
    client.force_login(operator)
    listing = client.get(reverse("admin:notifications_outboxmessage_changelist")).content.decode()

    assert f"#{client_email.pk}" in listing and HIDDEN in listing
    assert "Update on your case" not in listing and TOKEN not in listing


def test_a_supervisor_reads_the_email_without_the_clients_status_link(client, supervisor, client_email):
    supervisor.is_staff = True
    supervisor.save()
    supervisor.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))

    page = _change_page(client, supervisor, client_email)

    assert "being worked on" in page and "/status/…/" in page
    assert TOKEN not in page


def test_masking_leaves_the_rest_of_the_words_as_they_are():
    assert masked(BODY) == BODY.replace(TOKEN, "…")
    assert masked("No link here: /statusbar/x/") == "No link here: /statusbar/x/"
