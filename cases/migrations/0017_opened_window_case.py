"""event_opened_window carries the case too: the team page credits a case opened from email to the rep
who claimed it, and looks the claim up by the case, still from the index alone (cases/metrics/dashboard.py)."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0016_eta_status_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="caseevent", name="event_opened_window"),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("verb", "opened")), fields=["created_at"],
                               include=("owner", "case"), name="event_opened_window"),
        ),
    ]
