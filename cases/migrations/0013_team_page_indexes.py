"""The team page's per-case lookups as index-only reads (cases/metrics/eta.py, cases/metrics/outcomes.py).
For each arrival at Deliver in the window, the case's last estimate and its last ETA promise before it; for
each case resolved in the window, its latest delivery. Each index holds a case's rows newest first in
(created_at, id) order with the columns read, so a lookup reads one index entry: no table row fetched, no
sort of the case's rows.

- event_estimate_case: now newest first and carrying the estimate's range (`data`); ETA honesty is its
  only reader.
- promise_eta_case: the ETA promises of a case, newest first, with their deadline.
- delivery_latest_case: the deliveries of a case, newest first, with the mood and the follow-up.

Plain and partial B-tree indexes: SQLite (`make run`) builds them too, without the INCLUDE columns."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0012_client_messages"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="caseevent", name="event_estimate_case"),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("verb", "estimate given")), fields=["case", "-created_at", "-id"],
                               include=("data",), name="event_estimate_case"),
        ),
        migrations.AddIndex(
            model_name="promise",
            index=models.Index(condition=models.Q(("kind", "eta")), fields=["case", "-created_at", "-id"],
                               include=("due_at",), name="promise_eta_case"),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["case", "-created_at", "-id"],
                               include=("client_mood", "follow_up_on", "follow_up_logged_at"),
                               name="delivery_latest_case"),
        ),
    ]
