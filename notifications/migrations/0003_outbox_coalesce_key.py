from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_sweepheartbeat_outboxmessage_outbox_failed'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboxmessage',
            name='coalesce_key',
            field=models.CharField(blank=True, default='', max_length=300),
        ),
        migrations.AddIndex(
            model_name='outboxmessage',
            index=models.Index(condition=models.Q(('coalesce_key', ''), _negated=True), fields=['coalesce_key', 'next_attempt_at'], name='outbox_coalesce'),
        ),
    ]
