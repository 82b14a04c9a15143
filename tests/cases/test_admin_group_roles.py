"""A group other than the two roles is a user's roles too (cases/admin_staff.py, found by a review): editing
its permissions or deleting it in the admin (one at a time or with the bulk action) is refused while it
would take the role from a member who still holds work (cases.services.staff.role_change_problems), and
supervisor-grade permissions come only with the supervisor group, never with another group nor as a user's
own."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from cases.permissions import is_supervisor, may_own_cases
from cases.roles import REP_PERMS
from tests.cases.helpers import open_case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _perms(*codenames):
    return Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)


def _group(name, codenames=REP_PERMS):
    group = Group.objects.create(name=name)
    group.permissions.set(_perms(*codenames))
    return group


def _member(*groups):
    user = UserFactory()
    user.groups.add(*groups)
    return get_user_model().objects.get(pk=user.pk)  # fresh permission cache


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def test_taking_the_rep_permissions_from_a_busy_members_group_is_refused(operator, dennis):
    contractors = _group("contractors")
    temp = _member(contractors)
    open_case(temp, dennis)

    refused = operator.post(reverse("admin:auth_group_change", args=[contractors.pk]),
                            {"name": "contractors", "permissions": []})

    assert refused.status_code == 200 and contractors.permissions.count() == len(REP_PERMS)
    assert f"{temp.username} still has 1 open case they own" in refused.content.decode()
    assert may_own_cases(_fresh(temp))


def test_deleting_a_busy_members_group_is_refused(operator, dennis):
    contractors = _group("contractors")
    temp = _member(contractors)
    open_case(temp, dennis)

    refused = operator.post(reverse("admin:auth_group_delete", args=[contractors.pk]), {"post": "yes"})

    assert refused.status_code == 200 and Group.objects.filter(pk=contractors.pk).exists()
    assert f"{temp.username} still has 1 open case they own" in refused.content.decode()


def test_bulk_deleting_the_groups_that_together_give_a_busy_member_the_role_is_refused(operator, dennis):
    contractors, temps = _group("contractors"), _group("temps")
    temp = _member(contractors, temps)  # either group alone would leave them the role
    open_case(temp, dennis)

    refused = operator.post(reverse("admin:auth_group_changelist"), {
        "action": "delete_selected", "_selected_action": [contractors.pk, temps.pk], "post": "yes"})

    assert refused.status_code == 200 and Group.objects.filter(pk__in=[contractors.pk, temps.pk]).count() == 2
    assert may_own_cases(_fresh(temp))


def test_a_group_whose_members_hold_no_work_is_edited_and_deleted(operator):
    contractors, temps = _group("contractors"), _group("temps")
    _member(contractors, temps)

    edited = operator.post(reverse("admin:auth_group_change", args=[contractors.pk]),
                           {"name": "contractors", "permissions": []})
    deleted = operator.post(reverse("admin:auth_group_changelist"), {
        "action": "delete_selected", "_selected_action": [contractors.pk, temps.pk], "post": "yes"})

    assert (edited.status_code, deleted.status_code) == (302, 302)
    assert not Group.objects.filter(pk__in=[contractors.pk, temps.pk]).exists()


def test_a_group_other_than_the_supervisors_may_not_carry_supervisor_permissions(operator):
    contractors = _group("contractors")
    member = _member(contractors)
    asked = list(_perms(*REP_PERMS, "work_any_case").values_list("pk", flat=True))

    edited = operator.post(reverse("admin:auth_group_change", args=[contractors.pk]),
                           {"name": "contractors", "permissions": asked})
    added = operator.post(reverse("admin:auth_group_add"), {"name": "leads", "permissions": asked})

    assert (edited.status_code, added.status_code) == (200, 200)
    assert "cases.work_any_case come only with the supervisor group" in edited.content.decode()
    assert not is_supervisor(_fresh(member)) and not Group.objects.filter(name="leads").exists()


def test_a_user_may_not_be_given_supervisor_permissions_of_their_own(operator):
    user = UserFactory()
    data = {"username": user.username, "email": user.email, "is_active": "on", "groups": [],
            "user_permissions": list(_perms("work_any_case").values_list("pk", flat=True)),
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": "00:00:00",
            "last_login_0": "", "last_login_1": ""}

    refused = operator.post(reverse("admin:auth_user_change", args=[user.pk]), data)

    assert refused.status_code == 200 and not is_supervisor(_fresh(user))
