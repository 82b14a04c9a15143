"""Forged step changes, posted straight to the web layer: every (state, transition) pair of
cases.workflow.Transition, by the case owner and by a supervisor, to each URL that takes a step
change (the case page's step/ and step/back/ forms, and the supervisor's override page for
force_close), with the current step's gate met. The result is exactly what the workflow declares:
applied (the case is in the target step and the timeline says so) when the case is in one of the
transition's sources and the user holds its permission; otherwise refused, and a refusal changes
nothing (the case row and its promises, items, events, escalations, handoffs, records, watchers).

tests/cases/test_transitions.py checks the same pairs through the service; this is the HTTP layer."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from cases.models import Case, CaseEvent, Step
from cases.workflow import Transition
from tests.cases.helpers import advance_to, meet_gate, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory
from tests.security.support import snapshot, undone

pytestmark = pytest.mark.django_db

REASON = "The client asked us to take this route for the case"


def _ready_to_leave(step, owner):
    """A case of `owner`'s in `step`, with everything the step's own gate asks for recorded."""
    return meet_gate(advance_to(open_case(owner, ClientFactory()), step, owner), owner)


def _posts(transition, reference):
    """(label, URL, data) for every way the web layer takes this step change."""
    data = {"name": transition.method, "reason": REASON}
    posts = [("step/", reverse("cases:transition", args=[reference]), data),
             ("step/back/", reverse("cases:move", args=[reference]), data)]
    if transition is Transition.FORCE_CLOSE:
        posts.append(("supervisor close", reverse("supervisor:case_force_close", args=[reference]),
                      {"reason": REASON, "confirm": "on"}))
    return posts


def _declared(transition, state, actor):
    """What the workflow says: the state is a source, and the actor holds the transition's permission; but
    the override of a case at `deliver` whose gate is met is refused (the case is completed instead:
    transitions._check_delivery_not_complete), and every case here has its gate met."""
    permitted = actor == "supervisor" or transition.permission == "work"
    if transition is Transition.FORCE_CLOSE and state == Step.DELIVER:
        return False
    return state in transition.sources and permitted


@pytest.mark.parametrize("actor", ["owner", "supervisor"])
@pytest.mark.parametrize("state", list(Step), ids=[s.value for s in Step])
def test_every_forged_step_change_is_applied_or_refused_as_the_workflow_declares(state, actor):
    supervisor = SupervisorFactory()
    owner = StaffProfileFactory(supervisor=supervisor).user
    case = _ready_to_leave(state, owner)
    http = HttpClient()
    http.force_login(supervisor if actor == "supervisor" else owner)
    wrong = []

    for transition in Transition:
        for label, url, data in _posts(transition, case.reference):
            with undone():
                before = snapshot(case)
                response = http.post(url, data)
                after = Case.objects.get(pk=case.pk)
                applied = after.step == transition.target and CaseEvent.objects.filter(
                    case=case, from_step=state, to_step=transition.target,
                    data__transition=transition.method).exists()
                unchanged = snapshot(case) == before
            if _declared(transition, state, actor):
                if not applied or response.status_code != 302:
                    wrong.append(f"{transition.method} via {label}: not applied ({response.status_code})")
            elif not unchanged or response.status_code not in (200, 403, 422):
                wrong.append(f"{transition.method} via {label}: refusal changed something or answered "
                             f"{response.status_code}")

    assert wrong == []


@pytest.mark.parametrize("forged", [
    {"name": "delete"}, {"name": "step"}, {"name": ""}, {"name": "resolved"},
    {"name": "complete_identify", "step": "resolved"},
], ids=["delete", "field-name", "empty", "a-state", "extra-step-field"])
def test_a_step_change_the_workflow_does_not_know_is_refused_and_changes_nothing(forged):
    owner = StaffProfileFactory().user
    case = _ready_to_leave(Step.ACKNOWLEDGE, owner)  # complete_identify no longer applies here
    http = HttpClient()
    http.force_login(owner)
    before = snapshot(case)

    response = http.post(reverse("cases:transition", args=[case.reference]), forged)

    assert response.status_code == 422
    assert snapshot(case) == before


def test_a_refused_step_change_says_why_on_the_page():
    owner = StaffProfileFactory().user
    case = _ready_to_leave(Step.IDENTIFY, owner)
    http = HttpClient()
    http.force_login(owner)

    response = http.post(reverse("cases:transition", args=[case.reference]), {"name": "complete_deliver"},
                         follow=True)

    assert response.status_code == 422
    assert "cannot be applied" in response.content.decode()
