"""Who gets into the supervisor's pages (the escalation queue, the team dashboard) and their actions:
only holders of cases.work_escalations. Anonymous visitors are sent to log in, reps are refused the
pages and every action on an escalation, actions take POST only, an unknown escalation is not found."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from cases.models import EscalationStatus, Step
from tests.cases.supervisor_support import url


# --- who gets in -----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name", ["queue", "dashboard"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(url(name))

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["queue", "dashboard"])
def test_a_rep_is_forbidden_the_supervisor_pages(client, rep, name):
    client.force_login(rep)

    assert client.get(url(name)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name, data", [
    ("take", {}), ("add_note", {"text": "x"}), ("resolve", {"resolution": "x"}),
    ("force_close", {"reason": "x", "confirm": "on"}),
    ("reassign", {"reason": "x", "client_informed": "on", "confirm": "on"}),
])
def test_a_rep_cannot_act_on_an_escalation(client, rep, other_rep, escalation, name, data):
    client.force_login(rep)

    response = client.post(url(name, escalation), {**data, "to_user": other_rep.pk})

    escalation.refresh_from_db()
    assert response.status_code == 403
    assert escalation.status == EscalationStatus.OPEN and escalation.notes.count() == 0
    assert (escalation.case.step, escalation.case.owner) == (Step.IDENTIFY, rep)


@pytest.mark.django_db
def test_working_any_case_is_not_enough_to_work_the_queue(client, rep):
    rep.user_permissions.add(Permission.objects.get(codename="work_any_case"))
    client.force_login(rep)

    assert client.get(url("queue")).status_code == 403


@pytest.mark.django_db
def test_actions_take_post_only(boss, escalation):
    assert boss.get(url("take", escalation)).status_code == 405


@pytest.mark.django_db
def test_an_unknown_escalation_is_not_found(boss):
    assert boss.get(reverse("supervisor:escalation", kwargs={"pk": 999999})).status_code == 404
