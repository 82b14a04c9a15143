# Placeholder: filled in by the work on client email (issue 11); kept empty if that work needs no schema change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_list_speed")]

    operations = []
