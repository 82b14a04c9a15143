"""The team page's per-rep time in a step counts a rep's stay in full, in the window their last part of it
ended in (cases/metrics/stays.py): each stay named by one of the window's shared parts (index
held_stay_shared) has all its parts read, whenever they ended, from this index alone. Found by an audit: a
stay handed away and straight back before the window lost its first part from the rep's time."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0038_case_opening_address"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="heldstay",
            index=models.Index(condition=models.Q(("alone", False)), fields=["case", "entered_at", "step", "owner"],
                               include=("seconds", "ended_at"), name="held_stay_shared_stay"),
        ),
    ]
