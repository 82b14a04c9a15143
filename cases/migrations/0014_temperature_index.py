"""The temperatures recorded on a case, as their own small index (with the recorded value): the case
page's mood trend and the client page's moods read them without walking every event of the cases.
A partial B-tree index: SQLite (`make run`) builds it too, without the INCLUDE column."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0013_team_page_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("verb", "temperature recorded")), fields=["case", "created_at"],
                               include=("data",), name="event_temperature_case"),
        ),
    ]
