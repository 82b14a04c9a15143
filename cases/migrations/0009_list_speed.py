# Placeholder: filled in by the work on list and search speed (issue 9); kept empty if that work needs no schema change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_status_link_versions")]

    operations = []
