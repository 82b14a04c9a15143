"""The two roles as Django groups: `rep` works their own cases and the items assigned to them;
`supervisor` also works any case, the escalation queue, reassignment and the closing override."""
from django.contrib.auth.management import create_permissions
from django.db import migrations

# The role definitions live in cases/roles.py (lists of permission codenames and one function).
from cases.roles import ensure_roles  # noqa: E402


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():  # permissions are normally made after migrate
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["rep", "supervisor"]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, remove_roles)]
