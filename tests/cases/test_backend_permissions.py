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


def _signed_in(user):
    """The user as AuthenticationMiddleware loads them on each request (the backend's get_user)."""
    return StaffProfileBackend().get_user(user.pk)


@pytest.mark.django_db
def test_the_signed_in_user_arrives_with_their_permissions_and_asking_costs_no_statement(rep, supervisor):
    rep.user_permissions.add(Permission.objects.get(codename="view_user"))

    for user in (rep, supervisor):
        with CaptureQueriesContext(connection) as ctx:
            loaded = _signed_in(user)
            names = loaded.get_all_permissions()
            assert loaded.has_perm("cases.add_case")
        assert names == ModelBackend().get_all_permissions(fresh(user))
        expected = 1 if connection.vendor == "postgresql" else 2
        assert len(ctx.captured_queries) == expected
    assert "auth.view_user" in _signed_in(rep).get_all_permissions()
    assert not _signed_in(rep).has_perm("cases.work_any_case")
    assert _signed_in(supervisor).has_perm("cases.work_any_case")


@pytest.mark.django_db
def test_a_changed_role_shows_on_the_next_request(rep):
    from django.contrib.auth.models import Group

    assert not _signed_in(rep).has_perm("cases.work_any_case")
    rep.groups.add(Group.objects.get(name="supervisor"))
    assert _signed_in(rep).has_perm("cases.work_any_case")
    rep.groups.clear()
    assert _signed_in(rep).get_all_permissions() == set()


@pytest.mark.django_db
def test_an_inactive_or_superuser_signed_in_user_is_answered_as_django_does(rep, supervisor):
    supervisor.is_superuser = True
    supervisor.save()

    assert _signed_in(supervisor).has_perm("auth.delete_group")  # a superuser holds every permission
    assert _signed_in(supervisor).get_all_permissions() == ModelBackend().get_all_permissions(fresh(supervisor))
    rep.is_active = False
    rep.save()
    assert _signed_in(rep) is None  # an inactive user is not signed in at all


@pytest.mark.django_db
def test_several_users_permissions_read_at_once_equal_django_s(rep, other_rep, supervisor):
    from cases.backends import load_permissions

    rep.user_permissions.add(Permission.objects.get(codename="view_user"))
    other_rep.groups.clear()  # lost the role: nothing from a group
    users = [fresh(u) for u in (rep, other_rep, supervisor)]

    with CaptureQueriesContext(connection) as ctx:
        load_permissions(users)

    assert len(ctx.captured_queries) == 1
    assert [u._perm_cache for u in users] == [ModelBackend().get_all_permissions(fresh(u)) for u in users]
    assert "auth.view_user" in users[0]._perm_cache and users[1]._perm_cache == set()
