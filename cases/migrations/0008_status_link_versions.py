# Placeholder: filled in by the work on revocable status links (issue 10); kept empty if that work needs no schema change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_event_step_seconds")]

    operations = []
