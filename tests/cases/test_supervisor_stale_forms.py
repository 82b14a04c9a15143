"""Forms of the supervisor's pages sent after the world moved on (found by a review): an override drawn for
a step the case has since left, a resolve over a colleague's take made since the page was opened, the
Take button for an escalation whose taker has left the role, and a status link form sent twice."""
import datetime as dt
import html
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, EscalationReason, EscalationStatus, Step
from cases.once import ALREADY
from cases.selectors import REP_GROUP, SUPERVISOR_GROUP
from tests.cases.helpers import advance_to, meet_gate, open_case

pytestmark = pytest.mark.django_db


def case_url(name, case):
    return reverse(f"supervisor:{name}", kwargs={"reference": case.reference})


def form_data(page, action):
    """The hidden inputs of the page's form posting to `action`, as the browser would send them."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S).group(0)
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form):
        data.setdefault(name, []).append(html.unescape(value))
    return data


def signed_in(user):
    http = HttpClient()
    http.force_login(user)
    return http


def escalate(rep, case, reason=EscalationReason.NO_PLAN):
    return services.escalation_raise(user=rep, case=case, reason=reason, note="The vendor will not commit to a time")


# --- the override, from a page drawn for an earlier step ------------------------------------------------
CLOSE_REASON = "The vendor will not commit so we close it here"


@pytest.fixture
def stuck(rep, dennis):
    """A case in manage_anxiety with an escalation: what the supervisor's page is opened on."""
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    escalate(rep, case)
    return case


def test_an_override_drawn_for_an_earlier_step_is_refused_next_to_the_form_with_the_reason_kept(boss, rep, stuck):
    close = case_url("case_force_close", stuck)
    data = form_data(boss.get(case_url("case_escalations", stuck)).content.decode(), close)
    case = services.case_transition(user=rep, case=meet_gate(stuck, rep), name="complete_manage_anxiety")

    response = boss.post(close, {**data, "reason": CLOSE_REASON, "confirm": "on"})

    case.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 422
    assert case.step == Step.DELIVER and not case.closed_by_override
    assert "has moved on to “Deliver” since you opened this page" in page
    assert CLOSE_REASON in page
    assert data["step_shown"] == [stuck.stay_mark] and stuck.stay_mark.startswith("manage_anxiety@")
    assert form_data(page, close)["step_shown"] == [case.stay_mark]  # drawn again for the stay it is in


def test_a_move_from_the_case_page_drawn_for_an_earlier_step_is_refused_too(boss, rep, stuck):
    """The case page's own moves (the override among them) post the step they were drawn for as well."""
    page = boss.get(reverse("cases:case_detail", args=[stuck.reference])).content.decode()
    move = reverse("cases:move", args=[stuck.reference])
    assert f'<input type="hidden" name="step_shown" value="{stuck.stay_mark}">' in page
    case = services.case_transition(user=rep, case=meet_gate(stuck, rep), name="complete_manage_anxiety")
    meet_gate(case, rep)

    response = boss.post(move, {"name": "force_close", "reason": CLOSE_REASON, "step_shown": "manage_anxiety"})

    case.refresh_from_db()
    assert response.status_code == 422 and case.step == Step.DELIVER and not case.closed_by_override
    assert CLOSE_REASON in response.content.decode()


def test_an_override_drawn_in_an_earlier_stay_of_the_same_step_is_refused(boss, rep, dennis):
    """Sent back from deliver with loose ends, the case is in the plan again, but in a new stay of it: an
    override drawn in the first stay never showed the plan's new work (its move names the stay it was drawn
    in, Case.stay_mark). The step's name alone would have let it through."""
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    page = boss.get(reverse("cases:case_detail", args=[case.reference])).content.decode()
    move = reverse("cases:move", args=[case.reference])
    shown = case.stay_mark
    assert f'<input type="hidden" name="step_shown" value="{shown}">' in page
    case = advance_to(case, Step.DELIVER, rep)
    case = services.case_transition(user=rep, case=case, name="loose_ends",
                                    reason="The client still cannot print their invoices from the portal")
    assert case.step == Step.PLAN and case.stay_mark != shown

    stale = boss.post(move, {"name": "force_close", "reason": CLOSE_REASON, "step_shown": shown})

    case.refresh_from_db()
    assert stale.status_code == 422 and case.step == Step.PLAN and not case.closed_by_override
    assert f"has left “{Step.PLAN.label}” and come back to it since you opened this page" in stale.content.decode()
    assert CLOSE_REASON in stale.content.decode()  # what the supervisor typed is kept

    fresh = boss.post(move, {"name": "force_close", "reason": CLOSE_REASON, "step_shown": case.stay_mark})

    case.refresh_from_db()
    assert fresh.status_code in (200, 302) and case.step == Step.RESOLVED and case.closed_by_override


def test_an_override_from_a_page_of_the_current_step_closes_the_case(boss, stuck):
    close = case_url("case_force_close", stuck)
    data = form_data(boss.get(case_url("case_escalations", stuck)).content.decode(), close)

    response = boss.post(close, {**data, "reason": CLOSE_REASON, "confirm": "on"})

    stuck.refresh_from_db()
    assert response.status_code == 302
    assert stuck.step == Step.RESOLVED and stuck.closed_by_override


def test_the_transition_service_refuses_a_step_shown_that_is_not_the_cases(supervisor, stuck):
    with pytest.raises(CaseRuleError, match="since you opened this page"):
        services.case_transition(user=supervisor, case=stuck, name="force_close", reason=CLOSE_REASON,
                                 step_shown=Step.PLAN.value)

    stuck.refresh_from_db()
    assert stuck.step == Step.MANAGE_ANXIETY


# --- resolving over a colleague's take ----------------------------------------------------------------
RESOLUTION = "No refund; liability stays with the hosting vendor contract"


def test_a_resolve_from_a_page_opened_before_a_colleague_took_the_escalation_is_refused(al, bea, rep, dennis):
    case = open_case(rep, dennis)
    escalation = escalate(rep, case, EscalationReason.LIABILITY)
    resolve = case_url("case_resolve", case)
    al_http = signed_in(al)
    data = form_data(al_http.get(case_url("case_escalations", case)).content.decode(), resolve)
    services.case_escalations_take(user=bea, case=case, shown={escalation.pk})

    response = al_http.post(resolve, {**data, "resolution": RESOLUTION})

    escalation.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 422
    assert escalation.status == EscalationStatus.TAKEN and escalation.supervisor == bea
    assert "Bea Kahn has taken this escalation since you opened this page" in page
    assert RESOLUTION in page


def test_a_resolve_over_a_take_the_page_showed_names_the_resolver(al, bea, rep, dennis):
    case = open_case(rep, dennis)
    escalation = escalate(rep, case, EscalationReason.LIABILITY)
    services.case_escalations_take(user=bea, case=case, shown={escalation.pk})
    resolve = case_url("case_resolve", case)
    al_http = signed_in(al)
    data = form_data(al_http.get(case_url("case_escalations", case)).content.decode(), resolve)

    response = al_http.post(resolve, {**data, "resolution": RESOLUTION})

    escalation.refresh_from_db()
    page = signed_in(bea).get(case_url("case_escalations", case)).content.decode()
    assert response.status_code == 302
    assert escalation.status == EscalationStatus.RESOLVED and escalation.supervisor == al
    assert "Resolved · Al Berg" in page and "Resolved · Bea" not in page


# --- an escalation whose taker has left the role ------------------------------------------------------
@pytest.fixture
def left_the_role(al, bea, rep, dennis):
    """Al took the case's escalation, then became a rep."""
    case = open_case(rep, dennis)
    escalation = escalate(rep, case, EscalationReason.LIABILITY)
    services.case_escalations_take(user=al, case=case, shown={escalation.pk})
    al.groups.set([Group.objects.get(name=REP_GROUP)])
    return case


def test_the_escalation_page_offers_to_take_an_escalation_whose_taker_left_the_role(bea, left_the_role):
    page = signed_in(bea).get(case_url("case_escalations", left_the_role)).content.decode()

    assert f'action="{case_url("case_take", left_the_role)}"' in page
    assert "Al Berg no longer works escalations" in page


def test_the_queue_offers_to_take_an_escalation_whose_taker_left_the_role(bea, left_the_role):
    page = signed_in(bea).get(reverse("supervisor:queue")).content.decode()

    assert f'action="{case_url("case_take", left_the_role)}"' in page
    assert "taken by Al Berg" not in page


def test_the_take_button_takes_it_over(bea, left_the_role):
    http = signed_in(bea)
    take = case_url("case_take", left_the_role)
    data = form_data(http.get(case_url("case_escalations", left_the_role)).content.decode(), take)

    http.post(take, data)

    assert left_the_role.escalations.get().supervisor == bea


def test_a_resolve_from_a_page_that_showed_the_take_as_waiting_is_refused_once_the_taker_is_back(
        al, bea, left_the_role):
    """The page said "no longer works escalations: it waits to be taken"; Al gets the role back before the
    resolve: the form names no take, so the resolve is refused over Al's (found by a review)."""
    resolve = case_url("case_resolve", left_the_role)
    bea_http = signed_in(bea)
    data = form_data(bea_http.get(case_url("case_escalations", left_the_role)).content.decode(), resolve)
    al.groups.set([Group.objects.get(name=SUPERVISOR_GROUP)])

    response = bea_http.post(resolve, {**data, "resolution": RESOLUTION})

    assert response.status_code == 422 and "since you opened this page" in response.content.decode()
    assert left_the_role.escalations.get().status == EscalationStatus.TAKEN


# --- the status link, sent twice ----------------------------------------------------------------------
def link_in(response):
    return re.search(r'value="https?://[^/"]+(/status/[^"]+)"', response.content.decode()).group(1)


def test_a_status_link_form_sent_twice_makes_one_link_and_shows_it_again(boss, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    url = case_url("status_link", case)
    data = dict(re.findall(r'name="(once)" value="([0-9a-f]{32})"', boss.get(url).content.decode()))
    first = link_in(boss.post(url, data))
    client_http = HttpClient()

    again = boss.post(url, data)

    assert client_http.get(first).status_code == 200
    assert CaseEvent.objects.filter(case=case, verb="client status link issued").count() == 1
    assert again.status_code == 200
    assert ALREADY in html.unescape(again.content.decode())
    assert client_http.get(link_in(again)).status_code == 200


def test_the_gates_button_drawn_in_an_earlier_stay_of_the_step_is_refused(rep, dennis):
    """The rep's own "Complete" button names its stay as well: a click kept from the plan's first stay, sent
    after the case came back to the plan, does not complete the new stay unseen."""
    owner = signed_in(rep)
    case = meet_gate(advance_to(open_case(rep, dennis), Step.PLAN, rep), rep)
    gate = reverse("cases:transition", args=[case.reference])
    data = form_data(owner.get(reverse("cases:case_detail", args=[case.reference])).content.decode(), gate)
    assert data["name"] == ["complete_plan"] and data["step_shown"] == [case.stay_mark]
    case = advance_to(services.case_transition(user=rep, case=case, name="complete_plan"), Step.DELIVER, rep)
    case = services.case_transition(user=rep, case=case, name="loose_ends",
                                    reason="The client still cannot print their invoices from the portal")
    services.action_item_create(user=rep, case=case, description="Fix the invoice printing in the portal",
                                assignee=rep, due_at=timezone.now() + dt.timedelta(hours=2))
    case.refresh_from_db()
    assert case.step == Step.PLAN and not case.gate_gaps()  # its gate is met again: only the stay differs

    response = owner.post(gate, {k: v[0] for k, v in data.items()})

    case.refresh_from_db()
    assert response.status_code == 422 and case.step == Step.PLAN
    assert "come back to it since you opened this page" in response.content.decode()
