"""A button the page offers is one whose click would be taken. The moves between steps (reopen, loose ends, a
supervisor's override) read what holds them beyond their gate (cases.services.transitions.held_by_checks, as
the gate does): a held move is not offered; its reasons are shown instead, in the refusal's words. A post sent
anyway (a forged one, or a page opened before the hold) is refused by case_transition, and the reason the
person typed comes back with the refusal."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from cases.models import PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import HTMX, page_of, url

pytestmark = pytest.mark.django_db

REASON = "The problem came back this morning for the client"
REOPEN_FORM = '<input type="hidden" name="name" value="reopen">'
HELD = "no longer works cases"


@pytest.fixture
def resolved(rep, dennis):
    return advance_to(open_case(rep, dennis), Step.RESOLVED, rep)  # its follow-up call a week ahead


def _lose_the_role(user):
    user.groups.clear()


def _leave(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


@pytest.mark.parametrize("gone", [_lose_the_role, _leave], ids=["lost-the-role", "left"])
def test_a_resolved_case_whose_owner_no_longer_works_cases_offers_no_reopen_only_why(
        client, supervisor, rep, resolved, gone):
    client.force_login(supervisor)
    assert REOPEN_FORM in client.get(page_of(resolved)).content.decode()

    gone(rep)
    page = client.get(page_of(resolved)).content.decode()

    assert REOPEN_FORM not in page
    assert HELD in page and "a supervisor reassigns the case first" in page
    assert "Reopen: the problem came back" in page  # which move is held, beside why


def test_on_the_follow_up_day_the_owner_is_told_to_log_the_call_rather_than_offered_a_reopen(rep_client, resolved):
    call = resolved.promises.get(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING)

    with time_machine.travel(call.due_at - dt.timedelta(hours=2), tick=False):
        page = rep_client.get(page_of(resolved)).content.decode()

    assert REOPEN_FORM not in page
    assert "The follow-up call is due today: log it" in page


def test_a_reopen_sent_anyway_is_refused_and_the_reason_typed_comes_back(client, supervisor, rep, resolved):
    client.force_login(supervisor)
    _leave(rep)

    response = client.post(url("move", resolved), {"name": "reopen", "reason": REASON, "step_shown": Step.RESOLVED})

    page = response.content.decode()
    resolved.refresh_from_db()
    assert response.status_code == 422
    assert resolved.step == Step.RESOLVED
    assert HELD in page
    assert f">{REASON}</textarea>" in page
    assert REOPEN_FORM not in page


def test_an_htmx_reopen_refused_shows_the_hold_with_the_reason_typed_in_place_of_the_form(
        client, supervisor, rep, resolved):
    client.force_login(supervisor)
    _lose_the_role(rep)

    response = client.post(url("move", resolved), {"name": "reopen", "reason": REASON, "step_shown": Step.RESOLVED},
                           headers=HTMX)

    page = response.content.decode()
    resolved.refresh_from_db()
    assert response.status_code == 422
    assert resolved.step == Step.RESOLVED
    assert "HX-Reswap" not in response  # the moves region is swapped for the hold, the text kept in it
    assert page.index(HELD) > page.index('id="blk-moves"')
    assert f">{REASON}</textarea>" in page
    assert REOPEN_FORM not in page


def test_the_escalation_page_says_why_a_resolved_case_cannot_be_reopened(client, supervisor, rep, resolved):
    client.force_login(supervisor)
    _leave(rep)

    page = client.get(reverse("supervisor:case_escalations", args=[resolved.reference])).content.decode()

    assert HELD in page
    assert "reopen it from the" not in page


def test_a_held_reopen_sent_with_too_short_a_reason_hears_what_holds_it_not_to_say_more(client, supervisor, rep,
                                                                                        resolved):
    client.force_login(supervisor)
    _leave(rep)

    response = client.post(url("move", resolved), {"name": "reopen", "reason": "ok", "step_shown": Step.RESOLVED})

    page = response.content.decode()
    assert response.status_code == 422
    assert HELD in page
    assert "Give a reason for this step change" not in page
