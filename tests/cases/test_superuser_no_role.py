"""The superuser flag is the operator's key to the admin and gives no role in the app (found by an audit):
the roles rest on what a person holds through their groups and their own permissions
(cases.permissions.holds), in the services, the views, the templates' `perms` and the supervisor's pages;
and the admin's user form (cases/admin_staff.py) lets nobody change their own groups, permissions or flags,
and only a superuser grant or take away the superuser flag."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import Step
from cases.permissions import (
    can_force_close, can_reassign, can_work_case, can_work_escalations, is_supervisor, may_own_cases,
)
from cases.roles import ensure_roles
from cases.selectors import REP_GROUP, SUPERVISOR_GROUP
from notifications.templatetags.health_tags import system_health_banner
from tests.cases.helpers import open_case
from tests.factories import RepFactory, SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    """An operator's own admin login, as the README has them make it."""
    ensure_roles()  # transactional tests elsewhere flush the groups the migration made
    return get_user_model().objects.create_superuser("root", "root@example.com", "a-long-pass-phrase-1")


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


def _user_form(user, **changes):
    """The admin's change form for `user` as drawn, with `changes` over it."""
    data = {"username": user.username, "email": user.email,
            "groups": list(user.groups.values_list("pk", flat=True)),
            "user_permissions": list(user.user_permissions.values_list("pk", flat=True)),
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": "00:00:00",
            "last_login_0": "", "last_login_1": ""}
    data.update({flag: "on" for flag in ("is_active", "is_staff", "is_superuser") if getattr(user, flag)})
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _post_user(client, user, **changes):
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), _user_form(user, **changes))


def test_an_operators_superuser_login_works_owns_and_force_closes_no_case(root, rep, dennis):
    case = open_case(rep, dennis)

    roles = (is_supervisor(root), may_own_cases(root), can_work_case(root, case), can_reassign(root),
             can_force_close(root), can_work_escalations(root))

    assert roles == (False,) * 6
    with pytest.raises(CaseRuleError):
        services.case_force_close(user=root, case=case, reason="Closing this one from the operator login")
    case.refresh_from_db()
    assert case.step != Step.RESOLVED


def test_an_operators_superuser_login_logs_no_case(root, dennis):
    with pytest.raises(CaseRuleError, match="Only reps and supervisors"):
        open_case(root, dennis)


def test_a_superuser_in_the_rep_group_is_a_rep_and_no_supervisor(root, rep, dennis):
    root.groups.add(Group.objects.get(name=REP_GROUP))
    root = _fresh(root)
    case = open_case(rep, dennis)

    assert may_own_cases(root) and not is_supervisor(root)
    assert not can_work_case(root, case) and not can_force_close(root) and not can_reassign(root)


def test_an_operators_superuser_login_gets_the_admin_but_no_page_or_menu_of_a_role(client, root):
    client.force_login(root)

    home = client.get(reverse("cases:my_cases"))  # an empty My cases was their home: the admin is
    search = client.get(reverse("cases:search"))  # a page of the app, drawn with its menu
    page = search.content.decode()

    assert home.status_code == 302 and home["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    assert search.status_code == 200 and 'class="topbar' in page
    assert reverse("cases:case_new") not in page and reverse("supervisor:queue") not in page
    assert [client.get(reverse(name)).status_code
            for name in ("cases:case_new", "mailin:inbox", "supervisor:queue")] == [403, 403, 403]


def test_the_supervisors_health_banner_is_not_shown_to_an_operators_superuser_login(root):
    assert system_health_banner({"user": root}) == {"health": None}


def test_a_rep_a_superuser_makes_a_superuser_gains_no_supervisor_role(client, root):
    rep = RepFactory()
    client.force_login(root)

    response = _post_user(client, rep, is_superuser="on")

    rep = _fresh(rep)
    assert response.status_code == 302 and rep.is_superuser
    assert may_own_cases(rep) and not is_supervisor(rep) and not can_force_close(rep)


def test_a_superuser_rep_who_owns_an_open_case_keeps_the_rep_role(client, root, dennis):
    rep = RepFactory(is_staff=True, is_superuser=True)
    open_case(rep, dennis)
    client.force_login(root)

    refused = _post_user(client, rep, groups=[])

    assert refused.status_code == 200 and "1 open case they own" in refused.content.decode()
    assert list(rep.groups.values_list("name", flat=True)) == [REP_GROUP]


def test_nobody_gives_themselves_a_group_in_the_admin(client, root):
    client.force_login(root)

    refused = _post_user(client, root, groups=[Group.objects.get(name=SUPERVISOR_GROUP).pk])

    assert refused.status_code == 200 and "You cannot change your own groups" in refused.content.decode()
    assert not root.groups.exists()


def test_nobody_changes_their_own_permissions_or_staff_flag_in_the_admin(client, root):
    client.force_login(root)
    add_case = Permission.objects.get(content_type__app_label="cases", codename="add_case")

    refused = _post_user(client, root, user_permissions=[add_case.pk], is_staff=False)

    page = refused.content.decode()
    assert refused.status_code == 200
    assert "You cannot change your own permissions" in page and "You cannot change your own staff status" in page
    root = _fresh(root)
    assert root.is_staff and not root.user_permissions.exists()


def test_a_superuser_does_not_drop_their_own_superuser_flag_in_the_admin(client, root):
    client.force_login(root)

    refused = _post_user(client, root, is_superuser=False)

    assert refused.status_code == 200 and "You cannot change your own superuser status" in refused.content.decode()
    assert _fresh(root).is_superuser


def _signed_in_staff(client, group, codenames):
    """A staff member (no superuser) signed in on `client`, holding the auth `codenames` through `group`."""
    ensure_roles()  # transactional tests elsewhere flush the role groups the migration made
    holders = Group.objects.create(name=group)
    holders.permissions.set(Permission.objects.filter(content_type__app_label="auth", codename__in=codenames))
    person = UserFactory(is_staff=True)
    person.groups.add(holders)
    client.force_login(person)
    return person, holders


def test_only_a_superuser_grants_the_superuser_flag(client):
    _signed_in_staff(client, "account admins", ["view_user", "change_user"])
    colleague = UserFactory(is_staff=True)

    refused = _post_user(client, colleague, is_superuser="on")

    assert refused.status_code == 200
    assert "Only a superuser may grant or remove superuser status" in refused.content.decode()
    assert not _fresh(colleague).is_superuser


@pytest.fixture
def account_admin(client):
    """Staff who may change users (a help desk resetting passwords), not a superuser."""
    _signed_in_staff(client, "account admins", ["view_user", "change_user", "delete_user"])
    return client


def test_staff_who_are_not_superusers_neither_set_a_superusers_password_nor_edit_or_delete_it(account_admin, root):
    new = "a-new-pass-phrase-2"
    password_page = reverse("admin:auth_user_password_change", args=[root.pk])

    assert account_admin.get(password_page).status_code == 403
    assert account_admin.post(password_page, {"password1": new, "password2": new,
                                              "usable_password": "true"}).status_code == 403
    edited = account_admin.post(reverse("admin:auth_user_change", args=[root.pk]),
                                _user_form(root, email="mine@example.com"))
    deleted = account_admin.post(reverse("admin:auth_user_changelist"), {
        "action": "delete_selected", "_selected_action": [root.pk], "post": "yes"})

    assert edited.status_code == 403 and deleted.status_code in (200, 403)
    root = _fresh(root)
    assert root.check_password("a-long-pass-phrase-1") and root.email == "root@example.com"
    assert account_admin.get(reverse("admin:auth_user_change", args=[root.pk])).status_code == 200  # still seen


def test_staff_reset_the_password_only_of_an_account_holding_nothing_beyond_their_own_rights(account_admin):
    """Found by a red team: a help desk with auth.change_user set a supervisor's password and signed in as
    them. An account holding a permission the editor lacks is shown, not changed."""
    help_desk = get_user_model().objects.get(groups__name="account admins")
    help_desk.groups.add(Group.objects.get(name=REP_GROUP))  # holds every permission a rep holds
    colleague, supervisor = RepFactory(), SupervisorFactory()
    new = "a-new-pass-phrase-3"

    def set_password(user):
        return account_admin.post(reverse("admin:auth_user_password_change", args=[user.pk]),
                                  {"password1": new, "password2": new, "usable_password": "true"})

    assert set_password(supervisor).status_code == 403 and not _fresh(supervisor).check_password(new)
    supervisor.is_active = False  # nor an account whose rights come back with it
    supervisor.save(update_fields=["is_active"])
    assert set_password(supervisor).status_code == 403
    assert set_password(colleague).status_code == 302 and _fresh(colleague).check_password(new)


def test_staff_give_no_group_or_permission_they_do_not_hold(account_admin):
    colleague = UserFactory(is_staff=True)
    auth_perms = Permission.objects.filter(content_type__app_label="auth")

    refused = account_admin.post(reverse("admin:auth_user_change", args=[colleague.pk]), _user_form(
        colleague, groups=[Group.objects.get(name=SUPERVISOR_GROUP).pk], user_permissions=list(
            auth_perms.values_list("pk", flat=True)))).content.decode()

    assert "You cannot give permissions you do not hold yourself" in refused
    colleague = _fresh(colleague)
    assert not colleague.groups.exists() and not colleague.user_permissions.exists()


def test_a_group_editor_adds_no_permission_they_do_not_hold_to_any_group_their_own_included(client):
    _, editors = _signed_in_staff(client, "group editors", ["view_group", "change_group"])
    everything = list(Permission.objects.filter(content_type__app_label="auth").values_list("pk", flat=True))

    refused = client.post(reverse("admin:auth_group_change", args=[editors.pk]),
                          {"name": "group editors", "permissions": everything}).content.decode()

    assert "You cannot give permissions you do not hold yourself" in refused
    assert editors.permissions.count() == 2
    kept = client.post(reverse("admin:auth_group_change", args=[editors.pk]), {
        "name": "group editors", "permissions": list(editors.permissions.values_list("pk", flat=True))})
    assert kept.status_code == 302  # what they hold may stay


def test_a_group_editor_neither_strips_renames_nor_deletes_a_group_holding_more_than_they_hold(client):
    """Found by a red team: a group editor stripped the help desk's group, and stripping a target's group
    brought the target within their reach."""
    _signed_in_staff(client, "group editors", ["view_group", "change_group", "delete_group"])
    help_desk = Group.objects.create(name="help desk")
    help_desk.permissions.set(Permission.objects.filter(content_type__app_label="auth",
                                                        codename__in=["change_user", "add_user"]))

    stripped = client.post(reverse("admin:auth_group_change", args=[help_desk.pk]),
                           {"name": "renamed", "permissions": []})
    deleted = client.post(reverse("admin:auth_group_delete", args=[help_desk.pk]), {"post": "yes"})

    assert stripped.status_code == 403 and deleted.status_code == 403
    help_desk.refresh_from_db()
    assert help_desk.name == "help desk" and help_desk.permissions.count() == 2


def test_staff_set_no_profile_of_someone_holding_more_than_they_hold(client, rep):
    """Found by a red team: staff who may change profiles moved a rep's supervisor (who co-owns their irate
    cases) without holding the rep's rights."""
    _, holders = _signed_in_staff(client, "profile admins", [])
    holders.permissions.set(Permission.objects.filter(content_type__app_label="cases", codename__in=[
        "view_staffprofile", "change_staffprofile", "add_staffprofile", "delete_staffprofile"]))
    supervisor, other_supervisor = SupervisorFactory(), SupervisorFactory()
    profile = rep.staff_profile
    assert profile.supervisor_id != other_supervisor.pk

    assert client.get(reverse("admin:cases_staffprofile_change", args=[profile.pk])).status_code == 200  # seen
    changed = client.post(reverse("admin:cases_staffprofile_change", args=[profile.pk]), {
        "user": rep.pk, "supervisor": other_supervisor.pk, "time_zone": "Europe/London"})
    added = client.post(reverse("admin:cases_staffprofile_add"), {
        "user": supervisor.pk, "supervisor": other_supervisor.pk, "time_zone": "Europe/London"})

    profile.refresh_from_db()
    assert changed.status_code == 403 and profile.supervisor_id != other_supervisor.pk
    assert "This person holds rights you do not" in added.content.decode()
