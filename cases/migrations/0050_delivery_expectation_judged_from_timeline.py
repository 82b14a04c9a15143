"""Each judged delivery's expectation as it read when it was judged, from the case's timeline. Found by a
migration audit: 0049 gave every delivery judged before it the case's expectation as it reads now, so a delivery
judged before a reopen (or loose ends) and a new expectation showed "expectation met" against the new one, which
was never its target. The expectation then is on the timeline: every "root problem recorded" event holds it
(data "expected_resolution"), and every "delivery recorded" event names its delivery and whether it was judged
(data "delivery", "expectation_met"). A delivery whose judging save has no such event before it keeps what it
has. Reads the two kinds of events once; writes in batches, each its own transaction."""
from django.db import migrations, transaction

BATCH = 1000


def _by_case(events):
    by_case = {}
    for case_id, created_at, pk, data in events:
        by_case.setdefault(case_id, []).append((created_at, pk, data or {}))
    return by_case


def judged_against_the_expectation_then(apps, schema_editor):
    Delivery, CaseEvent = apps.get_model("cases", "Delivery"), apps.get_model("cases", "CaseEvent")
    fields = ("case_id", "created_at", "pk", "data")
    recorded = _by_case(CaseEvent.objects.filter(verb="root problem recorded").order_by("created_at", "id")
                        .values_list(*fields).iterator(chunk_size=5000))
    judged_at = {}  # delivery pk -> (created_at, pk) of its last save that judged the expectation
    for _case_id, created_at, pk, data in (CaseEvent.objects.filter(verb="delivery recorded")
                                           .order_by("created_at", "id").values_list(*fields)
                                           .iterator(chunk_size=5000)):
        data = data or {}
        if isinstance(data.get("delivery"), int) and data.get("expectation_met") is not None:
            judged_at[data["delivery"]] = (created_at, pk)
    changed = []
    for delivery in Delivery.objects.filter(expectation_met__isnull=False).only(
            "pk", "case_id", "expectation_judged").iterator(chunk_size=BATCH):
        moment = judged_at.get(delivery.pk)
        if moment is None:
            continue
        then = [data["expected_resolution"] for created_at, pk, data in recorded.get(delivery.case_id, ())
                if (created_at, pk) < moment and isinstance(data.get("expected_resolution"), str)]
        if then and then[-1] != delivery.expectation_judged:
            delivery.expectation_judged = then[-1]
            changed.append(delivery)
    for start in range(0, len(changed), BATCH):
        with transaction.atomic(using=schema_editor.connection.alias):
            Delivery.objects.bulk_update(changed[start:start + BATCH], ["expectation_judged"])


class Migration(migrations.Migration):
    atomic = False  # each batch commits on its own: no case's deliveries stay locked for the whole refill

    dependencies = [
        ("cases", "0049_delivery_expectation_judged"),
    ]

    operations = [
        migrations.RunPython(judged_against_the_expectation_then, migrations.RunPython.noop, elidable=True),
    ]
