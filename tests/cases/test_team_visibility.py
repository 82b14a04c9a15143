"""Whoever hears it, helps: any rep of the team reads any case, logs the client's call on it (the owner
is told at once) and may ask for the case; only the owner and the co-owner work the steps."""
import pytest
from django.test import Client as HttpClient
from django.test import override_settings

from cases.models import Case, CaseEvent, Handoff, HandoffStatus, Mood, Step
from cases.views.actions import ACTION_LIST, WHO
from notifications.models import OutboxMessage
from tests.cases.helpers import plan_ready
from tests.cases.views_support import in_step, page_of, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_client(other_rep):
    http = HttpClient()
    http.force_login(other_rep)
    return http


def test_another_rep_reads_the_case_without_being_able_to_work_it(other_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    response = other_client.get(page_of(case))

    assert response.status_code == 200
    assert not any(response.context["editable"].values())
    assert response.context["moves"] == []
    assert response.context["gate"]["allowed"] is False
    assert "Took Dennis's call?" in response.content.decode()


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_team_that_restricts_reps_to_their_own_cases_hides_the_others(other_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    assert other_client.get(page_of(case)).status_code == 404
    assert other_client.post(url("contact_log", case), {"said": "Where is my fix now", "client_mood": "upset",
                                                         "channel": "phone"}).status_code == 404


def test_a_teammate_logs_the_clients_call_and_the_owner_is_told_at_once(other_client, other_rep, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    response = other_client.post(url("contact_log", case), {"said": "He called asking whether payroll is safe",
                                                             "client_mood": Mood.UPSET, "channel": "phone"})

    assert response.status_code == 302
    event = case.events.get(verb="client contact logged")
    assert event.actor == other_rep and event.data == {"mood": Mood.UPSET, "channel": "phone"}
    assert Case.objects.get(pk=case.pk).temperature == Mood.UPSET
    told = OutboxMessage.objects.get(kind="client_contact_logged")
    assert told.to == [rep.email] and "payroll is safe" in told.body_text


def test_a_contact_without_substance_is_refused_beside_the_field(other_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    response = other_client.post(url("contact_log", case), {"said": "ok", "client_mood": Mood.UPSET,
                                                             "channel": "phone"})

    assert response.status_code == 422
    assert response.context["forms"]["contact_log"].errors["said"]
    assert not case.events.filter(verb="client contact logged").exists()


def test_a_teammate_asks_for_the_case_and_the_owner_accepts(other_client, other_rep, rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    other_client.post(url("ask_for_case", case), {"reason": "Fran is off today and Dennis keeps calling"})
    handoff = Handoff.objects.get(case=case, status=HandoffStatus.REQUESTED)
    response = rep_client.post(url("handoff_accept", case, handoff.pk), {"client_informed": "on"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == other_rep and rep in case.watchers.all()
    assert handoff.requested_by == other_rep
    assert OutboxMessage.objects.filter(kind="case_requested", to__contains=[rep.email]).exists()


def test_the_asker_cannot_accept_their_own_request(other_client, other_rep, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)
    other_client.post(url("ask_for_case", case), {"reason": "Fran is off today and Dennis keeps calling"})
    handoff = Handoff.objects.get(case=case, status=HandoffStatus.REQUESTED)

    other_client.post(url("handoff_accept", case, handoff.pk), {"client_informed": "on"})

    assert Case.objects.get(pk=case.pk).owner == rep
    assert Handoff.objects.get(pk=handoff.pk).status == HandoffStatus.REQUESTED


def test_a_supervisor_may_accept_a_teammates_request(other_client, other_rep, supervisor, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)
    other_client.post(url("ask_for_case", case), {"reason": "Fran is off today and Dennis keeps calling"})
    handoff = Handoff.objects.get(case=case, status=HandoffStatus.REQUESTED)
    boss = HttpClient()
    boss.force_login(supervisor)

    boss.post(url("handoff_accept", case, handoff.pk), {"client_informed": "on"})

    assert Case.objects.get(pk=case.pk).owner == other_rep


def test_the_owner_may_decline_a_request_for_the_case(other_client, rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)
    other_client.post(url("ask_for_case", case), {"reason": "Fran is off today and Dennis keeps calling"})
    handoff = Handoff.objects.get(case=case, status=HandoffStatus.REQUESTED)

    rep_client.post(url("handoff_decline", case, handoff.pk), {})

    assert Handoff.objects.get(pk=handoff.pk).status == HandoffStatus.DECLINED
    assert Case.objects.get(pk=case.pk).owner == rep


# Every action that works the case, as the declared action table lists them (not a hand-kept list):
# the ones any viewer may post (a contact, a request) and the answers to a handoff are not "working".
WORKING = [a for a in ACTION_LIST if a.who not in ("viewer", "asker", "handoff")]


def _target(case, action):
    if not action.lookup:
        return None
    return getattr(case, action.lookup).order_by("pk").first()


@pytest.mark.parametrize("action", WORKING, ids=[a.name for a in WORKING])
def test_every_working_action_is_refused_to_a_rep_who_does_not_own_the_case(action, other_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    plan_ready(case, rep)
    obj = _target(case, action)
    before = (Case.objects.filter(pk=case.pk).values().get(), CaseEvent.objects.filter(case=case).count())

    response = other_client.post(url(action.name, case, obj.pk if obj is not None else None),
                                 {"text": "Three words or more here", "name": "complete_plan",
                                  "reason": "because I can"})

    assert response.status_code == 403
    assert (Case.objects.filter(pk=case.pk).values().get(), CaseEvent.objects.filter(case=case).count()) == before


def test_the_working_actions_cover_every_permission_rule_but_the_viewers():
    assert {a.who for a in WORKING} | {"viewer", "asker", "handoff"} == set(WHO)
