"""Who held a case in a step, and for how long (cases.models.HeldStay): the team page's per-rep times in
each step count each rep's part of a stay, so handing a case stuck for days to a teammate who moves it on
at once no longer gives the teammate the days.

The stays before this table are cut into parts here from each case's timeline, by the same rule the
services follow as it happens (cases.services.held.parts_from_timeline): the opening, the transitions and
the changes of owner, streamed in case order. The events carry the owner then (CaseEvent.owner; for events
older than migration 0015, the owner at that migration, the best known); a part without one is left out."""
from collections import namedtuple

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q

from cases.services.held import OPENED, OWNER_CHANGES, parts_from_timeline

BATCH = 2000
Event = namedtuple("Event", "case_id created_at verb from_step to_step owner_id")


def cut_stays(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    HeldStay = apps.get_model("cases", "HeldStay")
    rows = (CaseEvent.objects.filter(~Q(from_step="") | Q(verb=OPENED) | Q(verb__in=sorted(OWNER_CHANGES)))
            .order_by("case_id", "created_at", "id").values_list(*Event._fields).iterator(chunk_size=BATCH))
    batch, timeline = [], []

    def cut():
        for owner_id, step, started, ended in parts_from_timeline(timeline):
            if owner_id is not None and ended >= started:
                batch.append(HeldStay(case_id=timeline[0].case_id, owner_id=owner_id, step=step, started_at=started,
                                      ended_at=ended, seconds=(ended - started).total_seconds()))

    for row in map(Event._make, rows):
        if timeline and row.case_id != timeline[0].case_id:
            cut()
            timeline = []
            if len(batch) >= BATCH:
                HeldStay.objects.bulk_create(batch)
                batch = []
        timeline.append(row)
    if timeline:
        cut()
    HeldStay.objects.bulk_create(batch, batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0025_eta_lookup_indexes_dropped'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HeldStay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('step', models.CharField(choices=[('identify', 'Identify the concerns'), ('acknowledge', 'Acknowledge'), ('recommit', 'Recommit'), ('gather', 'Gather information'), ('plan', 'Plan the action'), ('manage_anxiety', 'Manage anxiety'), ('deliver', 'Deliver'), ('resolved', 'Resolved')], max_length=20)),
                ('started_at', models.DateTimeField()),
                ('ended_at', models.DateTimeField()),
                ('seconds', models.FloatField()),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='held_stays', to='cases.case')),
                ('owner', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['ended_at', 'id'],
                'indexes': [models.Index(fields=['ended_at'], include=('owner', 'step', 'seconds'), name='held_stay_window'), models.Index(fields=['case', 'ended_at'], name='held_stay_case')],
                'constraints': [models.CheckConstraint(condition=models.Q(('seconds__gte', 0), ('ended_at__gte', models.F('started_at'))), name='held_stay_forward')],
            },
        ),
        migrations.RunPython(cut_stays, migrations.RunPython.noop),
    ]
