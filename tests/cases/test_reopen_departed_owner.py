"""A resolved case whose owner has since left the team or lost the role is not reopened on them: the reopen
would put the update promise on their count and the client's emails in their inbox (found by a review).
A supervisor gives the case to someone who works cases first, where a resolved case may still be
reassigned (its follow-up call pending); otherwise the refusal says what to do instead."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.errors import CaseRuleError
from cases.models import PromiseKind, PromiseStatus, Step
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db

REASON = "The problem came back this morning for the client"


@pytest.fixture
def resolved(rep, dennis):
    return advance_to(open_case(rep, dennis), Step.RESOLVED, rep)


def leave(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


@pytest.fixture
def called_then_left(resolved, rep):
    """The follow-up call logged a week later, then the owner left the team (nothing of theirs was open)."""
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, hours=1), tick=False):
        services.follow_up_log(user=rep, case=resolved, note="Client says the site has held up all week")
    leave(rep)
    resolved.refresh_from_db()
    return resolved


def test_a_case_whose_owner_left_is_not_reopened_on_them(supervisor, rep, called_then_left):
    with pytest.raises(CaseRuleError) as refused:
        services.case_reopen(user=supervisor, case=called_then_left, reason=REASON)

    called_then_left.refresh_from_db()
    assert called_then_left.step == Step.RESOLVED
    assert f"{rep.get_full_name() or rep.username} no longer works cases" in refused.value.message
    assert "open a new case for the client" in refused.value.message
    assert not called_then_left.promises.filter(status=PromiseStatus.PENDING).exists()


def test_a_case_whose_owner_lost_the_role_is_not_reopened_on_them(supervisor, rep, resolved):
    rep.groups.clear()

    with pytest.raises(CaseRuleError, match="no longer works cases"):
        services.case_reopen(user=supervisor, case=resolved, reason=REASON)


def test_the_refusal_shows_next_to_the_reopen_form_with_the_reason_kept(client, supervisor, rep, called_then_left):
    client.force_login(supervisor)

    response = client.post(reverse("cases:move", args=[called_then_left.reference]),
                           {"name": "reopen", "reason": REASON})

    page = response.content.decode()
    assert response.status_code == 422
    assert "no longer works cases" in page
    assert f">{REASON}</textarea>" in page
    assert page.index("no longer works cases") > page.index('class="move move--reopen"')


def test_with_the_follow_up_pending_the_refusal_says_to_reassign_and_the_reopen_then_goes_to_the_new_owner(
        supervisor, rep, other_rep, resolved):
    leave(rep)
    with pytest.raises(CaseRuleError, match="a supervisor reassigns the case first"):
        services.case_reopen(user=supervisor, case=resolved, reason=REASON)

    services.case_reassign(user=supervisor, case=resolved, to_user=other_rep, client_informed=True,
                           reason="Her owner has left the team this week")
    case = services.case_reopen(user=supervisor, case=resolved, reason=REASON)

    assert case.step == Step.PLAN and case.owner == other_rep
    assert case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).owner == other_rep


def test_a_case_whose_owner_still_works_cases_reopens(supervisor, called_then_left, rep):
    rep.is_active = True
    rep.save(update_fields=["is_active"])

    case = services.case_reopen(user=supervisor, case=called_then_left, reason=REASON)

    assert case.step == Step.PLAN
