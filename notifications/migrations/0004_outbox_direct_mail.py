# Issue 11 (outbound client email): a row may carry its own From and extra headers (Reply-To,
# Message-ID), for an email to a client (notifications.outbox.outbox_enqueue_direct).
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0003_outbox_coalesce_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="from_email",
            field=models.CharField(blank=True, default="", max_length=300),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="headers",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
