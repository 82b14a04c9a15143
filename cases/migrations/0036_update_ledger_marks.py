"""What a status update did in the ledger (StatusUpdate.kept_promise, opened_promise): an update emailed to the
client whose email is withdrawn before it leaves was never given, and both are undone
(cases.services.updates.status_update_not_given). Updates logged before the columns carry neither."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0035_stall_escalation_per_stay'),
    ]

    operations = [
        migrations.AddField(
            model_name='statusupdate',
            name='kept_promise',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='cases.promise'),
        ),
        migrations.AddField(
            model_name='statusupdate',
            name='opened_promise',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='cases.promise'),
        ),
    ]
