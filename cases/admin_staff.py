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
does), and only a superuser grants or takes away the superuser flag. Found by an audit."""
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Prefetch

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


def group_loss_problems(groups, permissions=()):
    """Why the members of `groups` may not keep only `permissions` (Permission rows) from them (none: the
    groups are deleted): role_change_problems of every member, as the user form would check the same
    change."""
    permissions, gone = list(permissions), {g.pk for g in groups}
    members = (User.objects.filter(groups__in=list(gone)).distinct().order_by("username")
               .prefetch_related("groups", Prefetch("user_permissions",
                                                    queryset=Permission.objects.select_related("content_type"))))
    problems = []
    for member in members:
        problems += role_change_problems(
            member, active=member.is_active, groups=[g for g in member.groups.all() if g.pk not in gone],
            user_permissions=list(member.user_permissions.all()) + permissions)
    return problems


SELF_CHANGE = {
    "groups": "You cannot change your own groups: another administrator does that.",
    "user_permissions": "You cannot change your own permissions: another administrator does that.",
    "is_superuser": "You cannot change your own superuser status: another superuser does that.",
    "is_staff": "You cannot change your own staff status: another administrator does that.",
}
SUPERUSER_ONLY = "Only a superuser may grant or remove superuser status."
NO_EDITOR = "Change this in the admin's user form, signed in as another administrator."


class StaffChangeForm(UserAdmin.form):
    request_user = None  # who edits: set by StaffUserAdmin.get_form

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
        if self.instance.pk is None or self.errors:
            return cleaned
        user = self.instance

        def after(name, current):
            return cleaned[name] if name in cleaned and cleaned[name] is not None else current()

        active = after("is_active", lambda: user.is_active)
        problems = role_change_problems(
            user, active=active, groups=list(after("groups", user.groups.all)),
            user_permissions=list(after("user_permissions", user.user_permissions.select_related("content_type"))))
        for problem in problems:
            self.add_error("is_active" if not active else "groups", problem)
        if "user_permissions" in cleaned:
            for problem in supervisor_grade_problems(cleaned["user_permissions"].select_related("content_type")):
                self.add_error("user_permissions", problem)
        return cleaned


class StaffUserAdmin(UserAdmin):
    """Only a superuser changes or deletes a superuser's account: Django's admin asked only for
    auth.change_user, so staff with it (a help desk resetting passwords) could set a superuser's password
    on its password page, or its email, and sign in as it. They still see the account. Found by an audit."""
    form = StaffChangeForm

    def has_change_permission(self, request, obj=None):  # the password page asks this too
        return not _above(request.user, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _above(request.user, obj) and super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if issubclass(form, StaffChangeForm):
            form = type(form.__name__, (form,), {"request_user": request.user})
        return form


def _above(editor, user):
    """Whether `user` is a superuser and `editor` is not."""
    return user is not None and user.is_superuser and not editor.is_superuser


class GroupChangeForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "permissions"]

    def clean(self):
        cleaned = super().clean()
        if "permissions" not in cleaned:
            return cleaned
        permissions = list(cleaned["permissions"].select_related("content_type"))
        problems = supervisor_grade_problems(permissions)
        if self.instance.pk is not None:
            problems += group_loss_problems([self.instance], permissions)
        for problem in problems:
            self.add_error("permissions", problem)
        return cleaned


class RoleGroupAdmin(GroupAdmin):
    form = GroupChangeForm

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.name not in ROLE_GROUPS)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.name not in ROLE_GROUPS)

    def get_deleted_objects(self, objs, request):
        """The delete page and the bulk action both ask here: a member's work, listed as protected, refuses
        the delete and says why."""
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        problems = group_loss_problems([group for group in objs if group.name not in ROLE_GROUPS])
        return to_delete, counts, perms_needed, list(protected) + problems


def register():
    for model, model_admin in ((User, StaffUserAdmin), (Group, RoleGroupAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)
