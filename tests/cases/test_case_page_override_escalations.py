"""The override posted from the case page's moves (or forged to either step URL) resolves every open
escalation of the case, so it is held to what the page showed of them, as the escalation page's close is
(services.case_close_by_override). Found by an audit: the case page's override closed the case over an
escalation raised since the page was drawn, and over a colleague's take."""
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from cases.models import EscalationReason, EscalationStatus, Step
from cases import services
from cases.selectors import REP_GROUP, SUPERVISOR_GROUP
from tests.cases.helpers import advance_to, open_case
from tests.cases.test_supervisor_stale_forms import CLOSE_REASON, escalate, signed_in

pytestmark = pytest.mark.django_db


def _override_form(http, case):
    """The hidden inputs of the case page's override form, as the browser would send them."""
    page = http.get(reverse("cases:case_detail", args=[case.reference])).content.decode()
    block = re.search(r'<details class="move move--force_close".*?</details>', page, re.S).group(0)
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', block):
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture
def stuck(rep, dennis):
    return advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)


def _move(case):
    return reverse("cases:move", args=[case.reference])


def test_the_case_page_override_posts_the_escalations_it_shows(al, bea, rep, stuck):
    taken = escalate(rep, stuck, EscalationReason.LIABILITY)
    services.case_escalations_take(user=bea, case=stuck, shown={taken.pk})
    waiting = escalate(rep, stuck)

    data = _override_form(signed_in(al), stuck)

    assert sorted(data["shown"]) == sorted([str(waiting.pk), str(taken.pk)])
    assert data["taken"] == [f"{taken.pk}:{bea.pk}"]


def test_an_override_from_the_case_page_drawn_before_an_escalation_was_raised_is_refused(al, rep, stuck):
    http = signed_in(al)
    data = _override_form(http, stuck)
    later = escalate(rep, stuck, EscalationReason.LIABILITY)

    response = http.post(_move(stuck), {**data, "reason": CLOSE_REASON})

    later.refresh_from_db()
    stuck.refresh_from_db()
    assert response.status_code == 422 and "since you opened this page" in response.content.decode()
    assert CLOSE_REASON in response.content.decode()  # what the supervisor typed is kept
    assert later.status == EscalationStatus.OPEN and stuck.step == Step.MANAGE_ANXIETY


def test_an_override_from_the_case_page_drawn_before_a_colleague_took_the_escalation_is_refused(al, bea, rep, stuck):
    escalation = escalate(rep, stuck, EscalationReason.LIABILITY)
    http = signed_in(al)
    data = _override_form(http, stuck)
    services.case_escalations_take(user=bea, case=stuck, shown={escalation.pk})

    response = http.post(_move(stuck), {**data, "reason": CLOSE_REASON})

    escalation.refresh_from_db()
    stuck.refresh_from_db()
    assert response.status_code == 422
    assert "Bea Kahn has taken this escalation since you opened this page" in response.content.decode()
    assert escalation.status == EscalationStatus.TAKEN and not stuck.closed_by_override


@pytest.mark.parametrize("url", ["cases:move", "cases:transition"])
def test_a_forged_override_that_names_no_escalation_is_refused_while_one_is_open(al, rep, stuck, url):
    escalation = escalate(rep, stuck)

    response = signed_in(al).post(reverse(url, args=[stuck.reference]),
                                  {"name": "force_close", "reason": CLOSE_REASON, "step_shown": stuck.stay_mark})

    escalation.refresh_from_db()
    stuck.refresh_from_db()
    assert response.status_code == 422 and escalation.status == EscalationStatus.OPEN
    assert stuck.step == Step.MANAGE_ANXIETY


def test_an_override_from_the_case_page_that_showed_the_take_closes_the_case(al, bea, rep, stuck):
    escalation = escalate(rep, stuck, EscalationReason.LIABILITY)
    services.case_escalations_take(user=bea, case=stuck, shown={escalation.pk})
    http = signed_in(al)

    response = http.post(_move(stuck), {**_override_form(http, stuck), "reason": CLOSE_REASON})

    stuck.refresh_from_db()
    escalation.refresh_from_db()
    assert response.status_code in (200, 302) and stuck.closed_by_override
    assert escalation.status == EscalationStatus.RESOLVED


def test_an_override_from_a_case_page_that_showed_the_take_as_waiting_is_refused_once_the_taker_is_back(
        al, bea, rep, stuck):
    """The page drew the escalation as held by nobody (its taker had left the role), as the escalation page
    does (selectors_ui.escalations_held); Al back in the role before the close: the close is refused."""
    escalation = escalate(rep, stuck, EscalationReason.LIABILITY)
    services.case_escalations_take(user=al, case=stuck, shown={escalation.pk})
    al.groups.set([Group.objects.get(name=REP_GROUP)])
    http = signed_in(bea)
    data = _override_form(http, stuck)
    assert "taken" not in data
    al.groups.set([Group.objects.get(name=SUPERVISOR_GROUP)])

    response = http.post(_move(stuck), {**data, "reason": CLOSE_REASON})

    escalation.refresh_from_db()
    assert response.status_code == 422 and "since you opened this page" in response.content.decode()
    assert escalation.status == EscalationStatus.TAKEN
