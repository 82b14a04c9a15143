"""The two roles as Django groups: `rep` works their own cases and the items assigned to them;
`supervisor` also works any case, the escalation queue, reassignment and the closing override."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

# The role definitions live in cases/roles.py (plain lists of permission codenames).
from cases.roles import REP_PERMS, SUPERVISOR_EXTRA  # noqa: E402


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions are normally made after migrate
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(codenames):
        return Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)

    rep, _ = Group.objects.get_or_create(name="rep")
    rep.permissions.set(perms(REP_PERMS))
    supervisor, _ = Group.objects.get_or_create(name="supervisor")
    supervisor.permissions.set(perms(REP_PERMS + SUPERVISOR_EXTRA))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["rep", "supervisor"]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
