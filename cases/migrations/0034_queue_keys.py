"""The escalation queue's order kept on the case (Case.queue_since, Case.queue_broken, maintained with
open_escalation_count by services.common.refresh_counters), and an index that reads the queue as it opens
in its order: the page no longer aggregates every queued case's escalations. Existing cases are filled in
from their open and taken escalations."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, Min, OuterRef, Subquery


def fill(apps, schema_editor):
    Case, Escalation = apps.get_model("cases", "Case"), apps.get_model("cases", "Escalation")
    active = Escalation.objects.filter(case=OuterRef("pk")).exclude(status="resolved").order_by()
    Case.objects.filter(open_escalation_count__gt=0).update(
        queue_since=Subquery(active.values("case").annotate(m=Min("created_at")).values("m")),
        queue_broken=Exists(active.filter(reason="broken_promise", raised_by_system=True)))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0033_eta_owner'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='queue_broken',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='case',
            name='queue_since',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(models.Case(models.When(models.Q(('flagged_irate', True), ('temperature', 'irate'), _connector='OR'), then=models.Value(0)), models.When(models.Q(('queue_broken', True)), then=models.Value(1)), models.When(temperature__in=['angry', 'upset'], then=models.Value(2)), default=models.Value(3), output_field=models.IntegerField()), models.F('queue_since'), models.F('id'), condition=models.Q(('open_escalation_count__gt', 0)), include=('temperature', 'flagged_irate', 'queue_broken'), name='case_queue_order'),
        ),
    ]
