"""The override closes a case whose gate is not met: at `deliver` with the delivery recorded, the case is
completed instead and the follow-up call it owes the client stands (transitions._check_delivery_not_complete).
Found by an audit: the override dropped the call, and its count, from a case the rep could resolve."""
import pytest
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import PromiseKind, Step
from tests.cases.helpers import advance_to, meet_gate, open_case

pytestmark = pytest.mark.django_db
REASON = "The client asked us to close it today"


def test_a_case_whose_delivery_is_recorded_is_not_closed_by_override(rep, supervisor, dennis):
    case = meet_gate(advance_to(open_case(rep, dennis), Step.DELIVER, rep), rep)
    assert case.gate_gaps() == []

    with pytest.raises(CaseRuleError, match="is met: complete the step instead"):
        services.case_transition(user=supervisor, case=case, name="force_close", reason=REASON)

    case.refresh_from_db()
    assert case.step == Step.DELIVER and not case.closed_by_override
    resolved = services.case_transition(user=rep, case=case, name="complete_deliver")
    assert resolved.promises.filter(kind=PromiseKind.FOLLOW_UP).count() == 1


def test_the_supervisors_page_says_why_instead_of_offering_it(rep, supervisor, dennis, boss):
    case = meet_gate(advance_to(open_case(rep, dennis), Step.DELIVER, rep), rep)
    services.escalation_raise(user=rep, case=case, reason="other", note="The client wants it closed today")

    page = boss.get(reverse("supervisor:case_escalations", kwargs={"reference": case.reference})).content.decode()

    assert "is met: complete the step instead" in page
    assert reverse("supervisor:case_force_close", kwargs={"reference": case.reference}) not in page


def test_a_delivery_not_yet_recorded_can_still_be_closed_by_override(rep, supervisor, dennis):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)

    closed = services.case_transition(user=supervisor, case=case, name="force_close", reason=REASON)

    assert closed.closed_by_override
