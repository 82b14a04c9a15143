"""The mood at delivery is kept on the delivery when the case is resolved (the rep's reading, else the
client's temperature then: cases.services.transitions._resolve); the team page reads only that, never the
case's temperature now, which a reading after a reopen would change (cases/metrics/outcomes.py).

The deliveries resolved before this with no mood recorded get the case's temperature now: what the team page
read for them until now, fixed from here on. (For a case reopened since, that is the latest reading, not
the one at its resolution; the timeline does not record every reading's mood, so it is the best known.)"""
from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery

RESOLVE_VERB = "Delivered and confirmed"  # Transition.COMPLETE_DELIVER's label, when this was written


def keep_moods(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Delivery = apps.get_model("cases", "Delivery")
    resolved = (CaseEvent.objects.filter(case_id=OuterRef("case_id"), verb=RESOLVE_VERB,
                                         created_at__gte=OuterRef("created_at"))
                .exclude(from_step=""))
    temperature = Case.objects.filter(pk=OuterRef("case_id")).values("temperature")[:1]
    Delivery.objects.filter(Exists(resolved), client_mood="").update(client_mood=Subquery(temperature))


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0030_held_stay_alone"),
    ]

    operations = [
        migrations.RunPython(keep_moods, migrations.RunPython.noop, elidable=True),
    ]
