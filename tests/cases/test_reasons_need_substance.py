"""A reason the timeline audits needs two words of substance (cases.text.REASON_WORDS), as the loose-ends,
reopen, override and cancel reasons do: "." as the reason a teammate hands an item back (which passes its
promise to the owner), a case is handed over or reassigned, or an escalation is resolved, is refused beside
its field and changes nothing (found by a padding review)."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Escalation, EscalationReason, EscalationStatus, Handoff, Step
from tests.cases.helpers import advance_to, open_case

pytestmark = pytest.mark.django_db
FILLER = (".", "ok", "x y")


@pytest.mark.parametrize("reason", FILLER)
def test_a_handoff_or_a_reassignment_needs_a_reason_of_substance(rep, other_rep, supervisor, dennis, reason):
    case = open_case(rep, dennis)

    with pytest.raises(CaseRuleError, match="Write at least 2 words") as refused:
        services.handoff_request(user=rep, case=case, to_user=other_rep, reason=reason)
    assert refused.value.field == "reason"
    with pytest.raises(CaseRuleError, match="Write at least 2 words") as refused:
        services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason=reason, client_informed=True)
    assert refused.value.field == "reason"

    case.refresh_from_db()
    assert case.owner == rep and not Handoff.objects.exists()
    services.handoff_request(user=rep, case=case, to_user=other_rep, reason="On leave tomorrow")


@pytest.mark.parametrize("note", FILLER)
def test_an_item_handed_back_needs_a_reason_of_substance_and_its_promise_stays_put(rep, other_rep, dennis, note):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    item = services.action_item_create(user=rep, case=case, description="Restore the mailboxes from backup",
                                       kind="fix", assignee=other_rep)

    with pytest.raises(CaseRuleError, match="Write at least 2 words") as refused:
        services.action_item_hand_back(user=other_rep, item=item, note=note)

    assert refused.value.field == "note"
    item.refresh_from_db()
    assert item.handback_at is None and item.assignee == other_rep


@pytest.mark.parametrize("resolution", FILLER)
def test_an_escalation_is_resolved_with_a_resolution_of_substance(supervisor, rep, dennis, resolution):
    case = open_case(rep, dennis)
    services.escalation_raise(user=rep, case=case, reason=EscalationReason.OTHER, note="The client wants a refund")

    with pytest.raises(CaseRuleError, match="Write at least 2 words") as refused:
        services.case_escalations_resolve(user=supervisor, case=case, resolution=resolution)

    assert refused.value.field == "resolution"
    assert Escalation.objects.get().status == EscalationStatus.OPEN
