"""The mood at delivery is kept on the delivery when the case is resolved (the rep's reading, else the
client's temperature then: cases.services.transitions._resolve); the team page reads only that, never the
case's temperature now, which a reading after a reopen would change (cases/metrics/outcomes.py).

Here the past is filled the same way: each resolution's delivery (the latest recorded at or before it) that
has no mood gets the client's last reading at or before that resolution, from the case's records (the mood
at intake, each temperature recorded, each status update's mood, each delivery's mood: the points of the
case page's mood trend), else the case's temperature now. A delivery no resolution confirmed (sent back
with loose ends, or still waiting in deliver) is left without one."""
from django.db import migrations

RESOLVE_VERB = "Delivered and confirmed"  # Transition.COMPLETE_DELIVER's label, when this was written
TEMPERATURE_VERB = "temperature recorded"


def _readings(case, CaseEvent, StatusUpdate, Delivery):
    """(when, mood) of every reading of the client's mood on `case`, oldest first."""
    points = [(case.opened_at, case.intake_temperature)] if case.intake_temperature else []
    for at, data in CaseEvent.objects.filter(case=case, verb=TEMPERATURE_VERB).values_list("created_at", "data"):
        if isinstance(data, dict) and data.get("to"):
            points.append((at, data["to"]))
    points += [(at, mood) for at, mood in StatusUpdate.objects.filter(case=case).exclude(client_mood="")
               .values_list("given_at", "client_mood")]
    points += [(at, mood) for at, mood in Delivery.objects.filter(case=case).exclude(client_mood="")
               .values_list("created_at", "client_mood")]
    return sorted(points, key=lambda point: point[0])


def keep_moods(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Delivery = apps.get_model("cases", "Delivery")
    StatusUpdate = apps.get_model("cases", "StatusUpdate")
    blank = Delivery.objects.filter(client_mood="").values("case_id")
    resolved = CaseEvent.objects.filter(verb=RESOLVE_VERB).exclude(from_step="").values("case_id")
    for case in Case.objects.filter(pk__in=blank).filter(pk__in=resolved).order_by("pk").iterator(chunk_size=500):
        deliveries = list(Delivery.objects.filter(case=case).order_by("created_at", "id"))
        readings = _readings(case, CaseEvent, StatusUpdate, Delivery)
        for resolved_at in (CaseEvent.objects.filter(case=case, verb=RESOLVE_VERB).exclude(from_step="")
                            .order_by("created_at", "id").values_list("created_at", flat=True)):
            confirmed = [d for d in deliveries if d.created_at <= resolved_at]
            if not confirmed or confirmed[-1].client_mood:
                continue
            before = [mood for at, mood in readings if at <= resolved_at]
            confirmed[-1].client_mood = before[-1] if before else case.temperature
            confirmed[-1].save(update_fields=["client_mood"])


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0030_held_stay_alone"),
    ]

    operations = [
        migrations.RunPython(keep_moods, migrations.RunPython.noop, elidable=True),
    ]
