"""The case list's "By owner" filter offers the owners of the cases the viewer may see (the admin's
get_queryset, cases.selectors.visible_cases), not every account. Found by an audit: a rep restricted to
their own cases (REPS_SEE_OWN_CASES_ONLY) was shown every user of the team."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import ItemKind, Step
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_reps(settings):
    settings.REPS_SEE_OWN_CASES_ONLY = True
    me = StaffProfileFactory(user__is_staff=True, user__username="visible_me_abc").user
    other = StaffProfileFactory(user__username="hidden_teammate_xyz").user
    open_case(me, ClientFactory())
    open_case(other, ClientFactory())
    return me, other


@pytest.fixture
def shared(two_reps):
    """A teammate's case the rep holds an action item on: one they may see (can_view_case)."""
    me, _ = two_reps
    owner = StaffProfileFactory(user__username="shared_owner_def").user
    case = advance_to(open_case(owner, ClientFactory()), Step.PLAN, owner)
    services.action_item_create(user=owner, case=case, description="Check the relay logs for the bounce",
                                kind=ItemKind.FIX, assignee=me, due_at=timezone.now() + dt.timedelta(hours=3))
    return owner


def _owner_choices(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:cases_case_changelist"))
    owner = [spec for spec in response.context["cl"].filter_specs if spec.field_path == "owner"]
    return {label for spec in owner for _, label in spec.lookup_choices}  # one owner alone: no filter shown


def test_a_rep_restricted_to_their_cases_is_offered_the_owners_of_the_cases_they_see(client, two_reps, shared):
    me, _ = two_reps

    offered = _owner_choices(client, me)

    assert offered == {str(me), str(shared)}
    assert "hidden_teammate_xyz" not in client.get(reverse("admin:cases_case_changelist")).content.decode()


def test_a_supervisor_is_offered_every_owner_of_a_case(client, two_reps):
    me, other = two_reps

    offered = _owner_choices(client, SupervisorFactory(is_staff=True))

    assert offered == {str(me), str(other)}
