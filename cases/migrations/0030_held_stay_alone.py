"""HeldStay.alone: whether a held part is its owner's only part of the stay (the case did not come back
to them in it). The team page takes those parts' seconds as they are and adds up only the others
(cases/metrics/stays.py), each from its own partial index. The past's parts are marked here by the rule
cases.services.held.mark_alone applies from now on (a frozen copy of it: migrations do not follow code)."""
from django.db import migrations, models
from django.db.models import Exists, OuterRef


def mark_alone(apps, schema_editor):
    HeldStay = apps.get_model("cases", "HeldStay")
    others = (HeldStay.objects.filter(case_id=OuterRef("case_id"), entered_at=OuterRef("entered_at"),
                                      step=OuterRef("step"), owner_id=OuterRef("owner_id"))
              .exclude(pk=OuterRef("pk")))
    HeldStay.objects.update(alone=~Exists(others))


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0029_eta_unaccepted_not_judged"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="heldstay",
            name="held_stay_window",
        ),
        migrations.AddField(
            model_name="heldstay",
            name="alone",
            field=models.BooleanField(default=False, db_default=False),
        ),
        migrations.RunPython(mark_alone, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="heldstay",
            index=models.Index(condition=models.Q(("alone", True)), fields=["ended_at"],
                               include=("owner", "step", "seconds"), name="held_stay_alone"),
        ),
        migrations.AddIndex(
            model_name="heldstay",
            index=models.Index(condition=models.Q(("alone", False)), fields=["ended_at"],
                               include=("owner", "step", "seconds", "case", "entered_at"), name="held_stay_shared"),
        ),
    ]
