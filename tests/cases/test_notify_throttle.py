"""Email volume (issue 10): the actions that email other people are limited per person
(NOTIFY_OTHERS_RATES, cases/throttle.py). Over the limit the action is refused with a message on the
page, nothing is saved and nobody is emailed; actions that email nobody else are never counted."""
import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client as HttpClient

from cases.models import EscalationReason, Mood, Step
from notifications.models import OutboxMessage
from tests.cases.views_support import in_step, page_of, url

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def three_a_minute(settings):
    settings.NOTIFY_OTHERS_RATES = ["3/m", "20/h"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def teammate(other_rep):
    http = HttpClient()
    http.force_login(other_rep)
    return http


def _contact(http, case, said="He called asking whether payroll is safe", **headers):
    return http.post(url("contact_log", case), {"said": said, "client_mood": Mood.UPSET, "channel": "phone"},
                     **headers)


def _contacts_logged(case):
    return case.events.filter(verb="client contact logged").count()


def test_a_teammate_logging_calls_too_often_is_refused_with_a_message_and_nothing_is_saved(teammate, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    with time_machine.travel(T0, tick=False):
        allowed = [_contact(teammate, case).status_code for _ in range(3)]
        refused = _contact(teammate, case, said="He called a fourth time about payroll")

    assert allowed == [302, 302, 302]
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "You have notified teammates 3 times in the last minute" in page
    assert "Nothing was saved and nobody was emailed" in page
    assert _contacts_logged(case) == 3
    assert OutboxMessage.objects.filter(kind="client_contact_logged").count() == 3


def test_the_refusal_comes_back_in_the_partial_for_htmx(teammate, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            _contact(teammate, case, HTTP_HX_REQUEST="true")
        refused = _contact(teammate, case, HTTP_HX_REQUEST="true")

    assert refused.status_code == 422
    assert "You have notified teammates 3 times" in refused.content.decode()


def test_the_budget_comes_back_once_the_window_has_passed(teammate, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            _contact(teammate, case)
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        again = _contact(teammate, case)

    assert again.status_code == 302
    assert _contacts_logged(case) == 4


def test_the_limit_is_each_persons_own(teammate, rep, dennis, supervisor):
    case = in_step(rep, dennis, Step.GATHER)
    boss = HttpClient()
    boss.force_login(supervisor)

    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            _contact(teammate, case)
        other = _contact(boss, case, said="Sam took his call about the payroll too")

    assert other.status_code == 302
    assert _contacts_logged(case) == 4


def test_escalating_counts_too(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)
    escalate = {"reason": EscalationReason.OTHER, "note": "The host will not say when the server is back"}

    with time_machine.travel(T0, tick=False):
        statuses = [rep_client.post(url("escalate", case), escalate).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 422]
    assert case.escalations.count() == 3


def test_actions_that_email_nobody_else_are_never_counted(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    with time_machine.travel(T0, tick=False):
        statuses = [_contact(rep_client, case, said=f"Dennis called again, call number {i} today").status_code
                    for i in range(6)]

    assert statuses == [302] * 6  # the owner took the calls: nobody else is emailed
    assert _contacts_logged(case) == 6
    assert rep_client.get(page_of(case)).status_code == 200
