"""The admin's users and groups (registered from cases/admin.py). A user's account and roles change only
here; the form refuses deactivating someone, or taking away the role they work cases with, while they
still hold work (cases.services.staff.role_change_problems), so the work is handed on first. The two role
groups are defined in code (cases.roles.ensure_roles): the admin shows them but neither renames, edits nor
deletes them (deleting "rep" took the role from every rep at once).

Any other group is a user's roles too: editing its permissions or deleting it (one at a time or with the
bulk action) runs the same role_change_problems for each member, as the user form would for losing that
group, and is refused while it would take the role from someone who still holds work. Supervisor-grade
permissions (cases.roles.SUPERVISOR_EXTRA) come only with the supervisor group: neither another group nor a
user's own permissions may carry them, since the supervisor's duties (co-owning irate cases, hearing of
broken promises, the co-owner check above) follow the group, and such a permission made a supervisor by
permission that nothing checked. Found by a review.

The superuser flag gives no role in the app (cases.permissions.holds), so the role checks here leave it
aside. Nobody changes their own groups, own permissions or own superuser and staff flags (a second person
does), and only a superuser grants or takes away the superuser flag. Found by an audit.

Nobody but a superuser reaches beyond their own rights here (found by a red team: staff with
auth.change_user set a supervisor's password and signed in as them, gave others permissions they did not
hold, and a group editor added every permission to their own group): a superuser's account, and an account
holding a permission the editor does not, are shown but neither changed (its password included) nor
deleted (beyond_reach), and neither a user's groups and permissions nor a group's permissions may grant one the
editor does not hold (_not_held). Operators (superusers) do all of it."""
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Prefetch, Q

from .roles import SUPERVISOR_EXTRA
from .selectors import REP_GROUP, SUPERVISOR_GROUP
from .services.staff import role_change_problems

User = get_user_model()
ROLE_GROUPS = (REP_GROUP, SUPERVISOR_GROUP)


def supervisor_grade_problems(permissions):
    """Why `permissions` (Permission rows, outside the supervisor group) may not be given: [] when none of
    them is the supervisor's (cases.roles.SUPERVISOR_EXTRA)."""
    grade = sorted(f"{p.content_type.app_label}.{p.codename}" for p in permissions
                   if p.content_type.app_label == "cases" and p.codename in SUPERVISOR_EXTRA)
    if not grade:
        return []
    return [f"{', '.join(grade)} come only with the {SUPERVISOR_GROUP} group: add the person to that group "
            "instead (it keeps them on the supervisors' duties)."]


def group_loss_problems(groups, permissions=(), *, viewer=None):
    """Why the members of `groups` may not keep only `permissions` (Permission rows) from them (none: the
    groups are deleted): role_change_problems of every member, as the user form would check the same
    change, told to `viewer`."""
    permissions, gone = list(permissions), {g.pk for g in groups}
    members = (User.objects.filter(groups__in=list(gone)).distinct().order_by("username")
               .prefetch_related("groups", Prefetch("user_permissions",
                                                    queryset=Permission.objects.select_related("content_type"))))
    problems = []
    for member in members:
        problems += role_change_problems(
            member, active=member.is_active, groups=[g for g in member.groups.all() if g.pk not in gone],
            user_permissions=list(member.user_permissions.all()) + permissions, viewer=viewer)
    return problems


def _granted(user):
    """What `user` holds through their groups and their own permissions ("app_label.codename"), active or
    not (an account made active again holds it again), leaving the superuser flag aside."""
    rows = Permission.objects.filter(Q(user=user) | Q(group__user=user)).values_list("content_type__app_label",
                                                                                    "codename")
    return {f"{app}.{codename}" for app, codename in rows}


def beyond_reach(editor, user):
    """Whether `user`'s account is out of `editor`'s reach: a superuser's, or one holding a permission the
    editor does not, unless the editor is a superuser (the account could otherwise be signed in as). Read
    for the user's account, their staff profile (cases/admin.py) and, through _group_beyond_reach, groups."""
    if user is None or editor is None or editor.is_superuser:
        return False
    return user.is_superuser or not _granted(user) <= _granted(editor)


def _not_held(editor, permissions):
    """The permissions among `permissions` (Permission rows) that `editor` does not hold and so may not
    give, sorted as "app_label.codename"; none for a superuser."""
    if editor is None or editor.is_superuser:
        return []
    held = _granted(editor)
    return sorted({f"{p.content_type.app_label}.{p.codename}" for p in permissions} - held)


def _grant_problem(names):
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return (f"You cannot give permissions you do not hold yourself ({shown}): a superuser gives them, or "
            "someone who holds them.")


SELF_CHANGE = {
    "groups": "You cannot change your own groups: another administrator does that.",
    "user_permissions": "You cannot change your own permissions: another administrator does that.",
    "is_superuser": "You cannot change your own superuser status: another superuser does that.",
    "is_staff": "You cannot change your own staff status: another administrator does that.",
}
SUPERUSER_ONLY = "Only a superuser may grant or remove superuser status."
NO_EDITOR = "Change this in the admin's user form, signed in as another administrator."


class StaffChangeForm(UserAdmin.form):
    request_user = None  # who edits: set by the admin (KnowsEditor)

    def _editor_problems(self):
        """(field, message) for what the person editing may not change here: their own groups, permissions
        and flags, and, unless a superuser, anyone's superuser flag. Without a known editor (the form used
        outside the admin) none of these changes."""
        editor = self.request_user
        for name in (n for n in SELF_CHANGE if n in self.fields and n in self.changed_data):
            if editor is None:
                yield name, NO_EDITOR
            elif editor.pk == self.instance.pk:
                yield name, SELF_CHANGE[name]
            elif name == "is_superuser" and not editor.is_superuser:
                yield name, SUPERUSER_ONLY

    def clean(self):
        cleaned = super().clean()
        for name, problem in list(self._editor_problems()):
            self.add_error(name, problem)
        self._check_grants(cleaned)
        if self.instance.pk is None or self.errors:
            return cleaned
        user = self.instance

        def after(name, current):
            return cleaned[name] if name in cleaned and cleaned[name] is not None else current()

        active = after("is_active", lambda: user.is_active)
        problems = role_change_problems(
            user, active=active, groups=list(after("groups", user.groups.all)),
            user_permissions=list(after("user_permissions", user.user_permissions.select_related("content_type"))),
            viewer=self.request_user)
        for problem in problems:
            self.add_error("is_active" if not active else "groups", problem)
        if "user_permissions" in cleaned:
            for problem in supervisor_grade_problems(cleaned["user_permissions"].select_related("content_type")):
                self.add_error("user_permissions", problem)
        return cleaned

    def _check_grants(self, cleaned):
        """The groups and permissions given here grant nothing the editor does not hold (_not_held)."""
        if self.request_user is None or self.request_user.is_superuser:
            return
        if "groups" in self.changed_data and cleaned.get("groups") is not None:
            given = Permission.objects.filter(group__in=list(cleaned["groups"])).select_related("content_type")
            missing = _not_held(self.request_user, given)
            if missing:
                self.add_error("groups", _grant_problem(missing))
        if "user_permissions" in self.changed_data and cleaned.get("user_permissions") is not None:
            missing = _not_held(self.request_user, cleaned["user_permissions"].select_related("content_type"))
            if missing:
                self.add_error("user_permissions", _grant_problem(missing))


class KnowsEditor:
    """An admin whose form's rules depend on who edits: the form class it hands out carries them
    (`request_user`), for the user, group and staff-profile admins."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request_user": request.user})


class StaffUserAdmin(KnowsEditor, UserAdmin):
    """An account beyond the editor's reach (beyond_reach) is shown, not changed nor deleted: Django's admin
    asked only for auth.change_user, so staff with it (a help desk resetting passwords) set a superuser's
    or a supervisor's password on its password page and signed in as them. Found by an audit and a red team."""
    form = StaffChangeForm

    def has_change_permission(self, request, obj=None):  # the password page asks this too
        return not beyond_reach(request.user, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not beyond_reach(request.user, obj) and super().has_delete_permission(request, obj)


class GroupChangeForm(forms.ModelForm):
    request_user = None  # who edits: set by the admin (KnowsEditor)

    class Meta:
        model = Group
        fields = ["name", "permissions"]

    def clean(self):
        cleaned = super().clean()
        if "permissions" not in cleaned:
            return cleaned
        permissions = list(cleaned["permissions"].select_related("content_type"))
        problems = supervisor_grade_problems(permissions)
        had = set(self.instance.permissions.values_list("pk", flat=True)) if self.instance.pk else set()
        missing = _not_held(self.request_user, [p for p in permissions if p.pk not in had])
        if missing:
            problems.append(_grant_problem(missing))
        if self.instance.pk is not None:
            problems += group_loss_problems([self.instance], permissions, viewer=self.request_user)
        for problem in problems:
            self.add_error("permissions", problem)
        return cleaned


def _group_beyond_reach(editor, group):
    """Whether `group` holds a permission `editor` does not (and the editor is no superuser): they may not
    change or delete it (found by a red team: a group editor stripped a help desk's group, and stripping a
    target's group brought the target within reach)."""
    if group is None or editor is None or editor.is_superuser:
        return False
    return bool(_not_held(editor, group.permissions.select_related("content_type")))


class RoleGroupAdmin(KnowsEditor, GroupAdmin):
    form = GroupChangeForm

    def has_change_permission(self, request, obj=None):
        return (super().has_change_permission(request, obj) and (obj is None or obj.name not in ROLE_GROUPS)
                and not _group_beyond_reach(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return (super().has_delete_permission(request, obj) and (obj is None or obj.name not in ROLE_GROUPS)
                and not _group_beyond_reach(request.user, obj))

    def get_deleted_objects(self, objs, request):
        """The delete page and the bulk action both ask here: a member's work, listed as protected, refuses
        the delete and says why."""
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        problems = group_loss_problems([group for group in objs if group.name not in ROLE_GROUPS], viewer=request.user)
        return to_delete, counts, perms_needed, list(protected) + problems


def register():
    for model, model_admin in ((User, StaffUserAdmin), (Group, RoleGroupAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)
