"""The two roles as Django groups. Migration 0002 creates them; `ensure_roles()` re-creates them
idempotently where data was flushed (transactional tests) or a database was built without it.

The templates' `perms` (the context processor held_perms below) reads the roles as cases.permissions.holds
does: a superuser's flag gives no role in the app."""
from django.contrib.auth.context_processors import PermLookupDict, PermWrapper
from django.contrib.auth.models import AnonymousUser, Group, Permission

from .backends import held_permissions
from .permissions import holds

REP_PERMS = [
    "add_case", "change_case", "view_case", "add_client", "change_client", "view_client",
    "add_concern", "add_actionitem", "change_actionitem", "add_statusupdate", "add_escalation",
    "add_handoff",
]
SUPERVISOR_EXTRA = ["work_any_case", "override_gate", "reassign_case", "work_escalations", "change_escalation"]


def ensure_roles(group_model=Group, permission_model=Permission):
    """Create or update both groups. Migration 0002 passes its historical models."""

    def perms(codenames):
        return permission_model.objects.filter(content_type__app_label="cases", codename__in=codenames)

    rep, _ = group_model.objects.get_or_create(name="rep")
    rep.permissions.set(perms(REP_PERMS))
    supervisor, _ = group_model.objects.get_or_create(name="supervisor")
    supervisor.permissions.set(perms(REP_PERMS + SUPERVISOR_EXTRA))
    return rep, supervisor


# --- the roles in the templates ---------------------------------------------------------------------
class _HeldPerms(PermLookupDict):
    def __repr__(self):
        return str(held_permissions(self.user))

    def __getitem__(self, perm_name):
        return holds(self.user, f"{self.app_label}.{perm_name}")

    def __bool__(self):
        return any(perm.startswith(f"{self.app_label}.") for perm in held_permissions(self.user))


class HeldPermWrapper(PermWrapper):
    """Django's `perms`, answered by what the user holds (cases.permissions.holds): a superuser's flag,
    which makes Django's has_perm say yes to everything, shows no menu or button of a role they do not
    hold."""

    def __getitem__(self, app_label):
        return _HeldPerms(self.user, app_label)


def held_perms(request):
    """Context processor, after Django's auth one (settings TEMPLATES): `perms` in every template reads the
    app's roles. The admin asks Django's has_perm itself and keeps working for a superuser."""
    return {"perms": HeldPermWrapper(request.user if hasattr(request, "user") else AnonymousUser())}
