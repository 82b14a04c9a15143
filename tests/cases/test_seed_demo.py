from django.core.management import call_command
import pytest

from cases.models import Case, CaseEvent, Promise, Step
from notifications.models import OutboxMessage


@pytest.mark.django_db
def test_seed_demo_puts_a_case_in_every_step():
    call_command("seed_demo", "--password", "pw-demo-1-long")

    steps = set(Case.objects.values_list("step", flat=True))
    assert steps == set(Step.values)


@pytest.mark.django_db
def test_seed_demo_advances_dennis_to_manage_anxiety_with_an_hourly_cadence():
    call_command("seed_demo")

    dennis = Case.objects.get(client__name="Dennis Hale", step=Step.MANAGE_ANXIETY)
    assert dennis.cadence_minutes == 60
    assert dennis.promises.filter(kind="status_update", status="pending").count() == 1


@pytest.mark.django_db
def test_seed_demo_twice_creates_the_same_data_once():
    call_command("seed_demo")
    counts = (Case.objects.count(), Promise.objects.count(), CaseEvent.objects.count(), OutboxMessage.objects.count())

    call_command("seed_demo")

    assert (Case.objects.count(), Promise.objects.count(), CaseEvent.objects.count(),
            OutboxMessage.objects.count()) == counts


@pytest.mark.django_db
def test_seed_demo_logins_work_with_the_given_password(client):
    call_command("seed_demo", "--password", "pw-demo-2-long")

    # Through the login page: django-axes needs the request (Client.login passes none).
    for username in ("fran", "sam"):
        response = client.post("/login/", {"username": username, "password": "pw-demo-2-long"})
        assert response.status_code == 302 and client.session["_auth_user_id"], username


@pytest.mark.django_db
def test_seed_demo_leaves_the_supervisor_an_irate_escalation_to_work():
    call_command("seed_demo")

    assert Case.objects.filter(escalations__reason="irate", escalations__status="open").count() == 1


@pytest.mark.django_db
def test_seed_demo_refuses_a_database_with_a_teams_own_cases_and_changes_nothing(rep, dennis):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError

    from tests.cases.helpers import open_case

    open_case(rep, dennis)  # a client of the team's own: not the demo's
    sam = get_user_model().objects.create_user("sam", "sam@team.example", "the-teams-own-password-1")
    before = (Case.objects.count(), sam.password)

    with pytest.raises(CommandError, match="holds a team's own cases"):
        call_command("seed_demo")

    sam.refresh_from_db()
    assert (Case.objects.count(), sam.password) == before


@pytest.mark.django_db
def test_seed_demo_into_live_data_seeds_when_told_to(rep, dennis):
    from tests.cases.helpers import open_case

    open_case(rep, dennis)

    call_command("seed_demo", "--into-live-data")

    assert Case.objects.filter(client__email="dennis@hale-online.example").exists()
