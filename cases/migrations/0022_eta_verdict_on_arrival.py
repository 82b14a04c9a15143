"""ETA honesty is judged once, at each arrival at deliver, and kept on the arrival's event
(CaseEvent.eta_verdict; cases/metrics/eta.py): the team page counts the kept verdicts of its window from
the index of transitions, which now carries the verdict, instead of looking up every arrival's estimate
and promises on each view.

The arrivals recorded before the column are judged here by the same rule (cases.metrics.eta.verdicts,
plain functions over a case's rows): every row it reads is older than the arrival and settled by it, so
this gives what the arrival would have recorded. Three streamed reads (the arrivals, the estimates and
the ETA promises of the cases that arrived), judged case by case, written back in batches."""
from collections import defaultdict

from django.db import migrations, models

from cases.metrics.eta import estimate_row, verdicts

ARRIVAL_VERB = "All action items closed"  # Transition.COMPLETE_MANAGE_ANXIETY's label, when this was written
ESTIMATE_VERB = "estimate given"
BATCH = 2000


def judge_arrivals(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Promise = apps.get_model("cases", "Promise")
    arrivals = CaseEvent.objects.filter(verb=ARRIVAL_VERB).exclude(from_step="").order_by("case_id", "created_at", "id")
    arrived = defaultdict(list)  # case id -> [(event id, time)]
    for pk, case_id, at in arrivals.values_list("id", "case_id", "created_at").iterator(chunk_size=BATCH):
        arrived[case_id].append((pk, at))
    if not arrived:
        return
    cases = arrivals.values("case_id")
    estimates, promises = defaultdict(list), defaultdict(list)
    for case_id, at, data in (CaseEvent.objects.filter(verb=ESTIMATE_VERB, case_id__in=cases)
                              .order_by("case_id", "created_at", "id").values_list("case_id", "created_at", "data")
                              .iterator(chunk_size=BATCH)):
        estimates[case_id].append(estimate_row(at, data))
    for case_id, at, due_at, status in (Promise.objects.filter(kind="eta", case_id__in=cases)
                                        .order_by("case_id", "created_at", "id")
                                        .values_list("case_id", "created_at", "due_at", "status")
                                        .iterator(chunk_size=BATCH)):
        promises[case_id].append((at, due_at, status))
    judged = []
    for case_id, rows in arrived.items():
        found = verdicts([at for _pk, at in rows], estimates[case_id], promises[case_id])
        judged.extend(CaseEvent(pk=pk, eta_verdict=verdict) for (pk, _at), verdict in zip(rows, found) if verdict)
    CaseEvent.objects.bulk_update(judged, ["eta_verdict"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0021_co_owner_protected"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="caseevent",
            name="event_transition_verb",
        ),
        migrations.AddField(
            model_name="caseevent",
            name="eta_verdict",
            field=models.CharField(blank=True, choices=[("early", "early"), ("within", "within"), ("late", "late")],
                                   default="", max_length=8),
        ),
        migrations.RunPython(judge_arrivals, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("from_step", ""), _negated=True), fields=["verb", "created_at"],
                               include=("case", "owner", "eta_verdict"), name="event_transition_verb"),
        ),
    ]
