"""Each transition event records how long the case stayed in the step it left (CaseEvent.step_seconds),
so the team page aggregates the window's transitions instead of pairing them with the whole history;
and the indexes the team page's window queries start from (cases/metrics/dashboard.py): the stays, the
settled promises by due time, cases by opening time, escalations by raising time.

The backfill pairs each transition event with the case's previous one, as the team page did before this
column: when the event leaves the step the previous transition entered, the stay is the time between
the two events. It runs in batches of cases; reversing it is a no-op (the column goes with the field)."""
from django.db import migrations, models

CASES_PER_BATCH = 2000
ROWS_PER_UPDATE = 1000


def stays(events):
    """(event id, seconds) for each transition in `events`: (id, case_id, from_step, to_step, created_at)
    rows of transition events, ordered by case, time and id."""
    previous = None
    for pk, case_id, from_step, to_step, at in events:
        if previous and previous[0] == case_id and from_step and from_step == previous[1]:
            yield pk, (at - previous[2]).total_seconds()
        previous = (case_id, to_step, at)


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    db = schema_editor.connection.alias
    last = 0
    while True:
        ids = list(Case.objects.using(db).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)
                   [:CASES_PER_BATCH])
        if not ids:
            return
        last = ids[-1]
        events = (CaseEvent.objects.using(db).filter(case_id__gte=ids[0], case_id__lte=last).exclude(to_step="")
                  .order_by("case_id", "created_at", "id")
                  .values_list("id", "case_id", "from_step", "to_step", "created_at"))
        rows = [CaseEvent(pk=pk, step_seconds=seconds) for pk, seconds in stays(events.iterator(chunk_size=5000))]
        CaseEvent.objects.using(db).bulk_update(rows, ["step_seconds"], batch_size=ROWS_PER_UPDATE)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_search")]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="step_seconds",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("step_seconds__isnull", False)), fields=["created_at"],
                               include=("case", "from_step", "step_seconds"), name="event_stay_window"),
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("from_step", ""), _negated=True), fields=["verb", "created_at"],
                               include=("case",), name="event_transition_verb"),
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("verb", "estimate given")), fields=["case", "created_at"],
                               name="event_estimate_case"),
        ),
        migrations.AddIndex(
            model_name="promise",
            index=models.Index(condition=models.Q(("status__in", ["kept", "broken", "renegotiated"])),
                               fields=["due_at"], include=("owner", "status"), name="promise_settled_due"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["opened_at"], include=("owner",), name="case_opened_window"),
        ),
        migrations.AddIndex(
            model_name="escalation",
            index=models.Index(fields=["created_at"], name="escalation_created"),
        ),
    ]
