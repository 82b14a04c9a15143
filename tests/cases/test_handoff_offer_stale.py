"""A handoff offer drawn before the case changed hands does nothing and says so, like a reassignment
(services.handoff_request `owner_shown`, forms.moves.HandoffRequestForm): found by an audit, a supervisor
opened Dana's case to offer it to Omar while a colleague reassigned it to Lee; the offer went through "on
Lee's behalf", and Omar's accepting took from Lee the case just given to them. The form drawn again names
the owner now and can be sent."""
import pytest
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import Handoff, HandoffStatus, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import signed_in_as
from tests.cases.views_support import url
from tests.factories import RepFactory, StaffProfileFactory, SupervisorFactory

pytestmark = pytest.mark.django_db
WHY = "Omar covers this region for the team now"


@pytest.fixture
def omar(supervisor):
    return StaffProfileFactory(user=RepFactory(first_name="Omar", last_name="Haddad"), supervisor=supervisor).user


@pytest.fixture
def reassigned_meanwhile(rep, other_rep, dennis):
    """Dana's (rep's) case, reassigned to Lee (other_rep) by another supervisor after the page was drawn."""
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)
    services.case_reassign(user=SupervisorFactory(), case=case, to_user=other_rep, client_informed=True,
                           reason="Dana is on leave from tomorrow")
    return case


def test_an_offer_drawn_for_the_previous_owner_is_refused(rep, other_rep, supervisor, omar, reassigned_meanwhile):
    case = reassigned_meanwhile

    with pytest.raises(CaseRuleError, match="passed to .* check that handing it over is still right") as refused:
        services.handoff_request(user=supervisor, case=case, to_user=omar, reason=WHY, owner_shown=rep.pk)

    assert refused.value.field == "to_user"
    assert not Handoff.objects.filter(case=case, status=HandoffStatus.REQUESTED).exists()


def test_the_case_pages_stale_offer_is_refused_beside_the_person_and_drawn_again_for_the_owner_now(
        rep, other_rep, supervisor, omar, reassigned_meanwhile):
    case = reassigned_meanwhile
    http = signed_in_as(supervisor)
    data = {"to_user": omar.pk, "reason": WHY, "owner_shown": rep.pk}

    refused = http.post(url("handoff_request", case), data)

    page = refused.content.decode()
    assert refused.status_code == 422
    assert not Handoff.objects.filter(case=case, status=HandoffStatus.REQUESTED).exists()
    assert '_to_user_error">Since this page was opened the case passed to' in page
    assert f'name="owner_shown" value="{other_rep.pk}"' in page and WHY in page  # what was typed is kept
    again = http.post(url("handoff_request", case), {**data, "owner_shown": other_rep.pk})
    offered = Handoff.objects.get(case=case, status=HandoffStatus.REQUESTED)
    assert again.status_code == 302 and (offered.from_user, offered.to_user) == (other_rep, omar)


def test_the_offer_form_names_the_owner_it_was_drawn_for(rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)

    part = signed_in_as(rep).get(reverse("cases:case_part", args=[case.reference, "handoff_request"]),
                                 HTTP_HX_REQUEST="true").content.decode()

    assert f'name="owner_shown" value="{rep.pk}"' in part


def test_an_offer_drawn_for_the_owner_now_goes_through(rep, omar, dennis):
    case = advance_to(open_case(rep, dennis), Step.GATHER, rep)

    response = signed_in_as(rep).post(url("handoff_request", case),
                                      {"to_user": omar.pk, "reason": WHY, "owner_shown": rep.pk})

    assert response.status_code == 302
    assert Handoff.objects.get(case=case, status=HandoffStatus.REQUESTED).to_user == omar
