"""Whose estimate an arrival's ETA verdict judges (CaseEvent.eta_owner), carried by the index the team page
counts verdicts from. Arrivals judged before it keep NULL and are counted for the case's owner then, as before."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0032_item_assigned_by'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='caseevent',
            name='event_transition_verb',
        ),
        migrations.AddField(
            model_name='caseevent',
            name='eta_owner',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(('from_step', ''), _negated=True), fields=['verb', 'created_at'], include=('case', 'owner', 'eta_verdict', 'eta_owner'), name='event_transition_verb'),
        ),
    ]
