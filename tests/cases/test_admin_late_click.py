"""The case list's step actions are refused as the case page refuses them: each row posts the stay it was drawn
in (Case.stay_mark) and case_transition checks it (services.transitions.ensure_stay_shown). Found by an audit:
a supervisor's list drawn during a case's first plan moved it on from a second plan they never saw."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import admin as cases_admin
from cases import services
from cases.models import ItemKind, Step
from cases.workflow import Transition
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

LIST = "admin:cases_case_changelist"


@pytest.fixture
def boss(client):
    boss = SupervisorFactory(is_staff=True)
    client.force_login(boss)
    return boss


@pytest.fixture
def rep(boss):
    return StaffProfileFactory(supervisor=boss).user


def _stays_on_the_list(client):
    """The hidden stay inputs of the case list as drawn now: {input name: stay mark}."""
    page = client.get(reverse(LIST)).content.decode()
    return dict(re.findall(r'<input type="hidden" name="(stay_\d+)" value="([^"]+)">', page))


def _click(client, action, cases, stays, **extra):
    return client.post(reverse(LIST), {"action": action, "_selected_action": [case.pk for case in cases],
                                       **stays, **extra}, follow=True)


def test_a_list_drawn_in_the_first_plan_does_not_complete_the_second(client, boss, rep):
    case = advance_to(open_case(rep, ClientFactory()), Step.PLAN, rep)
    stays = _stays_on_the_list(client)  # the supervisor's list, drawn during the first plan
    case = advance_to(case, Step.DELIVER, rep)
    case = services.case_transition(user=rep, case=case, name=Transition.LOOSE_ENDS.method,
                                    reason="The client says invoices still fail to send")
    services.action_item_create(user=rep, case=case, description="Fix the invoice mailer's relay",
                                kind=ItemKind.FIX, assignee=rep, due_at=timezone.now() + dt.timedelta(hours=3))
    case.refresh_from_db()
    assert not case.gate_gaps()

    response = _click(client, "action_complete_plan", [case], stays)

    case.refresh_from_db()
    assert case.step == Step.PLAN
    assert "come back to it since you opened this page" in response.content.decode()


def test_a_step_action_from_the_list_as_drawn_moves_the_case(client, boss, rep):
    case = open_case(rep, ClientFactory())
    stays = _stays_on_the_list(client)

    _click(client, "action_complete_identify", [case], stays)

    assert stays[f"stay_{case.pk}"] == case.stay_mark  # the row's stay, drawn with the list
    case.refresh_from_db()
    assert case.step == Step.ACKNOWLEDGE


def test_a_step_action_whose_gate_is_not_met_is_refused_in_the_services_words(client, boss, rep):
    case = open_case(rep, ClientFactory())
    stays = _stays_on_the_list(client)

    response = _click(client, "action_complete_acknowledge", [case], stays)

    assert stays[f"stay_{case.pk}"] == case.stay_mark
    case.refresh_from_db()
    assert case.step == Step.IDENTIFY
    assert "cannot be applied" in response.content.decode()


def test_a_step_action_posted_without_the_rows_stay_moves_nothing(client, boss, rep):
    case = open_case(rep, ClientFactory())

    response = _click(client, "action_complete_identify", [case], {})

    case.refresh_from_db()
    assert case.step == Step.IDENTIFY
    assert "did not show this case" in response.content.decode()


def test_a_step_action_on_more_cases_than_allowed_at_once_is_refused_whole(client, boss, rep, monkeypatch):
    monkeypatch.setattr(cases_admin, "STEP_MOVES_AT_ONCE", 2)
    cases = [open_case(rep, ClientFactory()) for _ in range(3)]
    stays = _stays_on_the_list(client)

    response = _click(client, "action_complete_identify", cases, stays, select_across="1")

    assert all(type(case).objects.get(pk=case.pk).step == Step.IDENTIFY for case in cases)
    assert "3 cases are selected" in response.content.decode() and "at most 2 at once" in response.content.decode()
