"""promise_eta_case carries the promise's status too: ETA honesty looks for the ETA promises of a case
that broke before each arrival (cases/metrics/eta.py), and read them from the table for their status."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0015_event_owner"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="promise", name="promise_eta_case"),
        migrations.AddIndex(
            model_name="promise",
            index=models.Index(condition=models.Q(("kind", "eta")), fields=["case", "-created_at", "-id"],
                               include=("due_at", "status"), name="promise_eta_case"),
        ),
    ]
