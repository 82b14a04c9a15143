# Who moved a renegotiated promise (Promise.moved_by): the renegotiated share counts the move for them
# (cases.metrics.dashboard). Promises moved before this migration get it from the timeline event that
# recorded the move (its actor); one the timeline does not name stays with its holder.
from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVE_VERBS = ["promise renegotiated", "promise dropped with the client's agreement", "follow-up call moved by a reopen"]
BATCH = 2000


def moved_by_from_the_timeline(apps, schema_editor):
    CaseEvent, Promise = apps.get_model("cases", "CaseEvent"), apps.get_model("cases", "Promise")
    by_actor = defaultdict(list)
    events = CaseEvent.objects.filter(verb__in=MOVE_VERBS, actor__isnull=False).values_list("actor_id", "data")
    for actor_id, data in events.iterator(chunk_size=BATCH):
        promise = (data or {}).get("promise") if isinstance(data, dict) else None
        if isinstance(promise, int):
            by_actor[actor_id].append(promise)
    for actor_id, promises in by_actor.items():
        for start in range(0, len(promises), BATCH):
            Promise.objects.filter(pk__in=promises[start:start + BATCH], status="renegotiated",
                                   moved_by__isnull=True).update(moved_by_id=actor_id)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0043_client_phone_digits'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='promise',
            name='promise_settled_due',
        ),
        migrations.AddField(
            model_name='promise',
            name='moved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='promise',
            index=models.Index(condition=models.Q(('status__in', ['kept', 'broken', 'renegotiated'])),
                               fields=['due_at'], include=('owner', 'status', 'moved_by'),
                               name='promise_settled_due'),
        ),
        migrations.RunPython(moved_by_from_the_timeline, migrations.RunPython.noop),
    ]
