"""A supervisor's reassignment closes the handoffs waiting on the case one by one, on the timeline, and
tells the teammate who asked for the case (or was offered it) that it went elsewhere; a reassign form
drawn before the case changed hands does nothing and says so (services.case_reassign `owner_shown`),
from the case page and from the supervisor's escalation page, and the form drawn again can be sent."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import CaseEvent, HandoffStatus, Step
from notifications.models import OutboxMessage
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import signed_in_as
from tests.cases.supervisor_support import url as supervisor_url
from tests.cases.views_support import url
from tests.factories import RepFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db
WHY = "Dana is on leave from tomorrow"


@pytest.fixture
def third_rep(supervisor):
    return StaffProfileFactory(user=RepFactory(first_name="Omar", last_name="Haddad", email="omar@example.com"),
                               supervisor=supervisor).user


def _reassign(supervisor, case, to_user, **extra):
    return services.case_reassign(user=supervisor, case=case, to_user=to_user, reason=WHY, client_informed=True,
                                  **extra)


def test_a_teammates_request_closed_by_a_reassignment_is_on_the_timeline_and_they_are_told(
        rep, other_rep, third_rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    asked = services.case_ask_for(user=third_rep, case=case, reason="I know this client's setup well")
    OutboxMessage.objects.all().delete()

    _reassign(supervisor, case, other_rep)

    asked.refresh_from_db()
    assert asked.status == HandoffStatus.CANCELLED
    closed = CaseEvent.objects.get(case=case, verb="request for the case closed", data__handoff=asked.pk)
    assert closed.actor == supervisor and other_rep.get_full_name() in closed.note
    told = OutboxMessage.objects.get(kind="handoff_overtaken", to=[third_rep.email])
    assert "you asked for" in told.body_text and other_rep.get_full_name() in told.subject
    assert not OutboxMessage.objects.filter(kind="handoff_overtaken", to=[other_rep.email]).exists()


def test_a_handoff_offered_to_a_teammate_closes_and_both_sides_but_the_new_owner_are_told(
        rep, other_rep, third_rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    offered = services.handoff_request(user=rep, case=case, to_user=third_rep, reason="Omar covers this region")
    OutboxMessage.objects.all().delete()

    _reassign(supervisor, case, other_rep)

    offered.refresh_from_db()
    assert offered.status == HandoffStatus.CANCELLED
    assert CaseEvent.objects.filter(case=case, verb="handoff cancelled", data__handoff=offered.pk).exists()
    assert sorted(m.to[0] for m in OutboxMessage.objects.filter(kind="handoff_overtaken")) == sorted(
        [rep.email, third_rep.email])


def test_a_reassignment_from_a_page_drawn_before_the_case_changed_hands_is_refused(
        rep, other_rep, third_rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    shown = case.owner_id
    _reassign(supervisor, case, other_rep)  # another supervisor got there first

    with pytest.raises(CaseRuleError, match="passed to") as refused:
        _reassign(supervisor, case, third_rep, owner_shown=shown)

    case.refresh_from_db()
    assert refused.value.field == "to_user" and case.owner == other_rep


def test_the_case_pages_stale_reassign_form_is_refused_and_drawn_again_for_the_new_owner(
        rep, other_rep, third_rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    http = signed_in_as(supervisor)
    data = {"to_user": third_rep.pk, "reason": WHY, "client_informed": "on", "owner_shown": rep.pk}
    _reassign(supervisor, case, other_rep)

    refused = http.post(url("reassign", case), data)

    case.refresh_from_db()
    assert refused.status_code == 422 and case.owner == other_rep
    page = refused.content.decode()
    assert "passed to" in page and f'name="owner_shown" value="{other_rep.pk}"' in page
    again = http.post(url("reassign", case), {**data, "owner_shown": other_rep.pk})
    case.refresh_from_db()
    assert again.status_code == 302 and case.owner == third_rep


def test_the_supervisor_pages_stale_reassign_form_is_refused(rep, other_rep, third_rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    escalation = services.escalation_raise(user=rep, case=case, reason="other", note="Dennis wants a manager")
    boss = signed_in_as(supervisor)
    assert f'name="owner_shown" value="{rep.pk}"' in boss.get(
        supervisor_url("escalation", escalation), follow=True).content.decode()
    _reassign(supervisor, case, other_rep)

    response = boss.post(supervisor_url("reassign", escalation), {
        "to_user": third_rep.pk, "reason": WHY, "client_informed": "on", "confirm": "on", "owner_shown": rep.pk})

    case.refresh_from_db()
    assert case.owner == other_rep and "passed to" in response.content.decode()
    assert f'name="owner_shown" value="{other_rep.pk}"' in response.content.decode()


@pytest.mark.parametrize("where", ["case", "supervisor"])
def test_a_stale_reassign_form_is_refused_first_even_when_something_else_is_wrong_with_it(
        where, rep, other_rep, third_rep, supervisor, dennis):
    """Otherwise the page drawn again for the new owner, with only the other error shown, goes through
    on the next send without anyone reading that the case changed hands."""
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    escalation = services.escalation_raise(user=rep, case=case, reason="other", note="Dennis wants a manager")
    http = signed_in_as(supervisor)
    _reassign(supervisor, case, other_rep)
    data = {"to_user": third_rep.pk, "reason": WHY, "owner_shown": rep.pk}  # the client-informed box forgotten
    target = url("reassign", case) if where == "case" else supervisor_url("reassign", escalation)

    response = http.post(target, data)

    assert "passed to" in response.content.decode()
    case.refresh_from_db()
    assert case.owner == other_rep


def test_a_late_click_after_the_case_changed_hands_says_why_and_what_was_typed(rep, other_rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    _reassign(supervisor, case, other_rep)  # while the rep was typing

    response = signed_in_as(rep).post(url("fact_add", case), {"question": "When did the mail stop?",
                                                               "answer": "Monday at seven in the morning"})

    page = response.content.decode()
    assert response.status_code == 403 and case.facts.count() == 0
    assert f"The case is {other_rep.get_full_name()}" in page and "Monday at seven in the morning" in page
