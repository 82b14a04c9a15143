"""The sign-in backend reads a user's permissions in one statement (their own and their groups'), and
answers exactly what Django's ModelBackend answers."""
import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.backends import StaffProfileBackend


def fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.mark.django_db
def test_permissions_equal_django_s_for_a_rep_a_supervisor_and_a_direct_grant(rep, supervisor):
    direct = Permission.objects.get(codename="view_user")
    rep.user_permissions.add(direct)

    for user in (rep, supervisor):
        assert StaffProfileBackend().get_all_permissions(fresh(user)) == ModelBackend().get_all_permissions(fresh(user))
    assert "auth.view_user" in StaffProfileBackend().get_all_permissions(fresh(rep))
    assert "cases.work_any_case" in StaffProfileBackend().get_all_permissions(fresh(supervisor))
    assert "cases.work_any_case" not in StaffProfileBackend().get_all_permissions(fresh(rep))


@pytest.mark.django_db
def test_an_inactive_user_has_no_permission(rep):
    rep.is_active = False
    rep.save()

    assert StaffProfileBackend().get_all_permissions(fresh(rep)) == set()


@pytest.mark.django_db
def test_permissions_cost_one_query_per_request_however_often_a_page_asks(supervisor):
    user = fresh(supervisor)
    with CaptureQueriesContext(connection) as ctx:
        for perm in ("cases.add_case", "cases.work_any_case", "cases.no_such_thing"):
            user.has_perm(perm)

    assert len(ctx.captured_queries) == 1
