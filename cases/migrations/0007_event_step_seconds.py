# Placeholder: filled in by the work on the team page (issue 9); kept empty if that work needs no schema change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_search")]

    operations = []
