"""The admin's users and groups (registered from cases/admin.py). A user's account and roles change only
here; the form refuses deactivating someone, or taking away the role they work cases with, while they
still hold work (cases.services.staff.role_change_problems), so the work is handed on first. The two role
groups are defined in code (cases.roles.ensure_roles): the admin shows them but neither renames, edits nor
deletes them (deleting "rep" took the role from every rep at once)."""
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from .selectors import REP_GROUP, SUPERVISOR_GROUP
from .services.staff import role_change_problems

User = get_user_model()
ROLE_GROUPS = (REP_GROUP, SUPERVISOR_GROUP)


class StaffChangeForm(UserAdmin.form):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or self.errors:
            return cleaned
        user = self.instance

        def after(name, current):
            return cleaned[name] if name in cleaned and cleaned[name] is not None else current()

        active = after("is_active", lambda: user.is_active)
        problems = role_change_problems(
            user, active=active, groups=list(after("groups", user.groups.all)),
            user_permissions=list(after("user_permissions", user.user_permissions.select_related("content_type"))),
            superuser=after("is_superuser", lambda: user.is_superuser))
        for problem in problems:
            self.add_error("is_active" if not active else "groups", problem)
        return cleaned


class StaffUserAdmin(UserAdmin):
    form = StaffChangeForm


class RoleGroupAdmin(GroupAdmin):
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.name not in ROLE_GROUPS)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.name not in ROLE_GROUPS)


def register():
    for model, model_admin in ((User, StaffUserAdmin), (Group, RoleGroupAdmin)):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, model_admin)
