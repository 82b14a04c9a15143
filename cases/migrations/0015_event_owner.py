"""Every case event records the case's owner at that moment (CaseEvent.owner), so the team page counts a
stay, an arrival at deliver, a resolution, a reopen or an override for the rep who owned the case then.

The events written before this migration get the case's owner now: the best known (a case handed over
before it keeps its earlier events on its current owner, as the page counted them until now). One UPDATE:
a join on PostgreSQL, a correlated subquery elsewhere (SQLite for `make run`). Then the two indexes the
team page reads its transitions from carry the owner, so its scans stay index-only and no longer look up
the case for its owner; and the cases opened in a window are counted, by their owner at the opening, from
a small index of the "opened" events (event_opened_window) instead of the cases by opening time."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def owner_then(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Case = apps.get_model("cases", "Case")
    events, cases = CaseEvent._meta.db_table, Case._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"UPDATE {events} e SET owner_id = c.owner_id FROM {cases} c "
                              "WHERE c.id = e.case_id AND e.owner_id IS NULL")
    else:
        schema_editor.execute(f"UPDATE {events} SET owner_id = (SELECT c.owner_id FROM {cases} c "
                              f"WHERE c.id = {events}.case_id) WHERE owner_id IS NULL")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0014_temperature_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="owner",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(owner_then, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="caseevent", name="event_stay_window"),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("step_seconds__isnull", False)), fields=["created_at"],
                               include=("case", "from_step", "step_seconds", "owner"), name="event_stay_window"),
        ),
        migrations.RemoveIndex(model_name="caseevent", name="event_transition_verb"),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("from_step", ""), _negated=True), fields=["verb", "created_at"],
                               include=("case", "owner"), name="event_transition_verb"),
        ),
        migrations.AddIndex(
            model_name="caseevent",
            index=models.Index(condition=models.Q(("verb", "opened")), fields=["created_at"], include=("owner",),
                               name="event_opened_window"),
        ),
    ]
