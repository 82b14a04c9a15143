"""The cases a rep may see (selectors.visible_cases) hold each case once however many ways it is theirs
(owned, watched by several people, several items held), without a DISTINCT (which sorts the whole
visible set, and which PostgreSQL refuses beside search's ORDER BY on a computed rank once the rank's
values travel apart from the SQL)."""
import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from cases.models import ActionItem, ItemStatus
from cases.search import search_page, search_refresh
from cases.selectors import visible_cases
from tests.factories import CaseFactory, ClientFactory, RepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    rep, other, third = RepFactory(), RepFactory(), RepFactory()
    client = ClientFactory(name="Ottoline Quarrington")
    owned = CaseFactory(owner=rep, client=client)
    owned.watchers.add(rep, other, third)
    for title in ("Call the carrier", "Check the invoice"):
        ActionItem.objects.create(case=owned, description=title, assignee=rep, created_by=rep, status=ItemStatus.OPEN,
                                  due_at=timezone.now() + dt.timedelta(days=1))
    watched = CaseFactory(owner=other, client=client)
    watched.watchers.add(rep, third)
    unseen = CaseFactory(owner=other, client=client)
    unseen.watchers.add(third)
    search_refresh(client.cases.all())
    return rep, owned, watched, unseen


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_each_case_is_listed_once_however_many_ways_it_is_the_reps(world):
    rep, owned, watched, unseen = world

    listed = list(visible_cases(rep).order_by("pk").values_list("pk", flat=True))

    assert listed == sorted([owned.pk, watched.pk])
    assert "DISTINCT" not in str(visible_cases(rep).query)


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_restricted_rep_s_search_ranks_its_matches_and_lists_each_once(world):
    rep, owned, watched, unseen = world

    page = search_page(rep, "Quarrington", 1, 25)

    assert sorted(case.pk for case in page.object_list) == sorted([owned.pk, watched.pk])
    assert page.paginator.count == 2
