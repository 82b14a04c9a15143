"""The two roles as Django groups. Migration 0002 creates them; `ensure_roles()` re-creates them
idempotently where data was flushed (transactional tests) or a database was built without it."""
from django.contrib.auth.models import Group, Permission

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
