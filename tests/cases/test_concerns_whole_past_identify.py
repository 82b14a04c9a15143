"""Past identify's gate a concern is added and kept whole: what is wrong, its impact and how the client feels
(workflow.StepPolicy.concerns_whole, cases.services.intake). Found by an audit: a forged edit emptied a
concern's impact in any later step (the case then resolved with it), and one added in gather with a description
alone was never gated."""
import pytest

from cases import services
from cases.errors import CaseRuleError
from cases.models import Concern, Step
from tests.cases.views_support import in_step, url

pytestmark = pytest.mark.django_db

WHOLE = {"description": "The shop's checkout rejects every card payment",
         "impact": "No orders have come in since Monday morning", "feeling": "Worried about the weekend sales"}


def test_identify_still_keeps_a_concern_that_is_not_whole_yet(rep, dennis):
    case = in_step(rep, dennis, Step.IDENTIFY)

    concern = services.concern_add(user=rep, case=case, description=WHOLE["description"])

    assert concern.missing_parts() == ["how this affects the client's life or business", "how the client feels"]


@pytest.mark.parametrize("step", [Step.ACKNOWLEDGE, Step.GATHER, Step.PLAN, Step.DELIVER])
def test_a_concern_cannot_be_emptied_of_a_part_after_identify(rep, dennis, step):
    case = in_step(rep, dennis, step)
    concern = case.concerns.first()
    before = (concern.description, concern.impact, concern.feeling)

    with pytest.raises(CaseRuleError) as refused:
        services.concern_update(user=rep, concern=concern, description=concern.description, impact="",
                                feeling=concern.feeling)

    assert refused.value.field == "impact"
    stored = Concern.objects.get(pk=concern.pk)
    assert (stored.description, stored.impact, stored.feeling) == before


def test_a_concern_that_surfaces_in_gather_is_added_whole(rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    with pytest.raises(CaseRuleError) as refused:
        services.concern_add(user=rep, case=case, description=WHOLE["description"], impact=WHOLE["impact"])
    assert refused.value.field == "feeling" and case.concerns.count() == 1

    services.concern_add(user=rep, case=case, **WHOLE)
    assert case.concerns.count() == 2


def test_a_forged_edit_emptying_a_concern_is_refused_beside_the_field_keeping_what_was_typed(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)
    concern = case.concerns.first()
    typed = "The checkout still fails for every card on the shop"

    response = rep_client.post(url("concern_edit", case, concern.pk),
                               {"description": typed, "impact": "", "feeling": concern.feeling})

    assert response.status_code == 422
    page = response.content.decode()
    assert "a concern here needs how this affects the client" in page and typed in page
    assert Concern.objects.get(pk=concern.pk).impact == concern.impact
