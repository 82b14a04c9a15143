"""The people pickers and the owner filter read their lists by frozen statements (cases.frozen: Django took
~1.5-3 ms to compile them on every page): the same people, in the same order, as the ORM's queryset, as the
team changes between calls (a rep who left, one who lost the role, a new hire)."""
import pytest

from cases.selectors_all_cases import _case_owners, case_owners
from cases.selectors_ui import assignable_list, assignable_users
from tests.factories import CaseFactory, RepFactory, SupervisorFactory

pytestmark = pytest.mark.django_db


def test_the_frozen_lists_are_the_orms_as_the_team_changes(rep, other_rep, supervisor):
    CaseFactory(owner=other_rep)
    assert assignable_list() == list(assignable_users()) and case_owners() == list(_case_owners())

    other_rep.is_active = False  # left, but still owns a case: an owner to filter by, no one to assign to
    other_rep.save()
    rep.groups.clear()  # lost the role, owns nothing
    hired = RepFactory(first_name="Aaron")
    SupervisorFactory(first_name="Zoe")

    assert assignable_list() == list(assignable_users())
    assert case_owners() == list(_case_owners())
    assert hired in assignable_list() and rep not in assignable_list() and other_rep not in assignable_list()
    assert other_rep in case_owners() and rep not in case_owners()
