"""Who may stop working cases (cases.services.staff, through the admin's user form, cases/admin_staff.py):
a rep who owns open cases is not deactivated, nor loses the rep role, until their work is handed on; a
supervisor co-owning an irate case keeps the role until another takes it; the two role groups cannot be
edited or deleted in the admin; and an operator's superuser login without the supervisor role is never
made anyone's supervisor nor offered work."""
import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import ItemKind, Mood, PromiseKind, PromiseStatus, Step
from cases.selectors import REP_GROUP, SUPERVISOR_GROUP, supervisor_for
from cases.selectors_ui import assignable_users
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_web_support import signed_in_as
from tests.factories import RepFactory, SupervisorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _save_user(operator, user, *, active=True, groups=None):
    """POST the admin's change form for `user` back, with is_active and the groups as given."""
    names = groups if groups is not None else list(user.groups.values_list("name", flat=True))
    data = {"username": user.username, "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "groups": [Group.objects.get(name=n).pk for n in names],
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"), "date_joined_1": "00:00:00",
            "last_login_0": "", "last_login_1": ""}
    data["user_permissions"] = list(user.user_permissions.values_list("pk", flat=True))
    data.update({flag: "on" for flag in ("is_superuser", "is_staff") if getattr(user, flag)})
    if active:
        data["is_active"] = "on"
    return operator.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def test_a_rep_who_owns_an_open_case_is_not_deactivated_until_it_is_reassigned(operator, rep, other_rep,
                                                                                supervisor, dennis):
    case = open_case(rep, dennis)

    refused = _save_user(operator, rep, active=False)

    rep.refresh_from_db()
    assert refused.status_code == 200 and rep.is_active
    assert "1 open case they own." in refused.content.decode()  # an operator without the role: counted only
    services.case_reassign(user=supervisor, case=case, to_user=other_rep, reason="Sam is leaving the team",
                           client_informed=True)
    done = _save_user(operator, rep, active=False)
    rep.refresh_from_db()
    assert done.status_code == 302 and not rep.is_active


def test_a_rep_who_owns_an_open_case_keeps_the_rep_role(operator, rep, dennis):
    open_case(rep, dennis)

    refused = _save_user(operator, rep, groups=[])

    assert refused.status_code == 200 and list(rep.groups.values_list("name", flat=True)) == [REP_GROUP]


def test_a_supervisor_co_owning_an_irate_case_keeps_the_role(operator, rep, supervisor, dennis):
    case = open_case(rep, dennis, temperature=Mood.IRATE)
    case.refresh_from_db()
    assert case.co_owner == supervisor

    refused = _save_user(operator, supervisor, groups=[REP_GROUP])

    assert refused.status_code == 200 and SUPERVISOR_GROUP in supervisor.groups.values_list("name", flat=True)
    assert "co-owns 1 open case with an irate client as a supervisor" in refused.content.decode()


@pytest.fixture
def team_lead(client):
    """A supervisor who also administers the tool: they may read every case of the team."""
    user = SupervisorFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_the_refusal_names_the_cases_to_go_to_the_first_ten_and_counts_the_rest(team_lead, rep, other_rep, dennis,
                                                                               settings):
    """A team lead handing an absent rep's work on is told where it is: each kind of work with the cases
    it sits on, so an item the rep holds on a teammate's case is found without opening every case."""
    settings.REPS_SEE_OWN_CASES_ONLY = True  # a supervisor reads every case all the same
    owned = sorted((open_case(rep, dennis) for _ in range(12)), key=lambda c: c.reference)
    teammates = advance_to(open_case(other_rep, dennis), Step.PLAN, other_rep)
    services.action_item_create(user=other_rep, case=teammates, description="Check the backup of the mail server",
                                kind=ItemKind.FIX, assignee=rep, due_at=timezone.now() + dt.timedelta(hours=2))

    refused = _save_user(team_lead, rep, active=False).content.decode()

    first_ten = ", ".join(c.reference for c in owned[:10])
    assert f"12 open cases they own ({first_ten} and 2 more cases)" in refused
    assert f"1 open action item they hold ({teammates.reference})" in refused
    assert f"1 pending promise on their count ({teammates.reference})" in refused
    assert owned[10].reference not in refused


def test_the_refusal_names_no_case_to_someone_who_may_not_read_them(client, rep, dennis, settings):
    """Staff who may change users but not read the team's cases (a rep restricted to their own, an operator
    without a role) learn how much work is held, not where."""
    settings.REPS_SEE_OWN_CASES_ONLY = True
    case = open_case(rep, dennis)
    help_desk = RepFactory(is_staff=True)
    help_desk.user_permissions.add(*Permission.objects.filter(content_type__app_label="cases"),
                                   *Permission.objects.filter(content_type__app_label="auth"))
    help_desk.user_permissions.remove(*Permission.objects.filter(codename="work_any_case"))
    client.force_login(help_desk)

    refused = _save_user(client, rep, active=False).content.decode()

    assert "1 open case they own" in refused and case.reference not in refused


def test_someone_holding_nothing_is_deactivated(operator, other_rep):
    response = _save_user(operator, other_rep, active=False)

    other_rep.refresh_from_db()
    assert response.status_code == 302 and not other_rep.is_active


def test_the_role_groups_are_neither_edited_nor_deleted_in_the_admin(operator, rep):
    group = Group.objects.get(name=REP_GROUP)

    deleting = operator.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    bulk = operator.post(reverse("admin:auth_group_changelist"),
                         {"action": "delete_selected", "_selected_action": [group.pk], "post": "yes"})
    editing = operator.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "reps", "permissions": []})

    assert (deleting.status_code, bulk.status_code, editing.status_code) == (403, 403, 403)
    assert Group.objects.filter(name=REP_GROUP).exists() and rep.groups.filter(name=REP_GROUP).exists()


def test_an_operators_superuser_login_is_nobodys_supervisor_and_is_offered_no_work(rep, supervisor):
    root = UserFactory(is_staff=True, is_superuser=True)
    supervisor.groups.clear()

    assert supervisor_for(rep) is None
    assert root not in assignable_users() and supervisor not in assignable_users()


def test_a_rep_leaving_with_a_follow_up_call_to_make_hands_it_on_with_the_resolved_case(
        operator, rep, other_rep, supervisor, dennis):
    resolved = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    follow_up = resolved.promises.get(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING)
    assert _save_user(operator, rep, active=False).status_code == 200  # the call is still theirs

    page = signed_in_as(supervisor).post(
        reverse("supervisor:case_reassign", args=[resolved.reference]),
        {"to_user": other_rep.pk, "reason": "Rep is leaving the team", "client_informed": "on", "confirm": "on",
         "owner_shown": rep.pk})

    follow_up.refresh_from_db()
    assert page.status_code == 302 and follow_up.owner == other_rep
    assert _save_user(operator, rep, active=False).status_code == 302


def test_editing_a_busy_owners_email_saves_whatever_gives_them_the_right_to_own_cases(operator, dennis):
    from django.contrib.auth.models import Permission

    lead = UserFactory()  # owns cases by a permission of their own, outside the rep group
    lead.user_permissions.add(Permission.objects.get(codename="add_case", content_type__app_label="cases"))
    open_case(lead, dennis)
    lead.email = f"new-{lead.username}@example.com"

    assert _save_user(operator, lead, groups=[]).status_code == 302
