"""A stall escalation is about one stay of the case in a step (Escalation.stay_entered_at, the case's
step_entered_at when raised): one per stay, where it was one open per case, which swallowed every later stall
of the case while it stayed open (found by a review). Stall escalations raised before keep NULL: each was
about a stay already flagged, which the sweep never flags again, so none needs its stay to be known."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0034_queue_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='escalation',
            name='one_open_stall_escalation_per_case',
        ),
        migrations.AddField(
            model_name='escalation',
            name='stay_entered_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name='escalation',
            constraint=models.UniqueConstraint(condition=models.Q(('reason', 'stalled')),
                                               fields=('case', 'stay_entered_at'),
                                               name='one_stall_escalation_per_stay'),
        ),
    ]
