# Client email (issue 11, outbound): the messages the rep sends the client from the case, and what
# became of each (queued, sent, failed, bounced).
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0011_client_word"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClientMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[
                    ("update", "Status update"), ("acknowledgement", "Acknowledgement"),
                    ("plan", "The plan and its estimate"), ("delivery", "Ask the client to confirm the fix"),
                    ("follow_up", "Follow-up")], max_length=20)),
                ("body", models.TextField(help_text="What the client reads, as the rep wrote it.", max_length=4000)),
                ("to_email", models.EmailField(help_text="The client's address when it was queued.", max_length=254)),
                ("subject", models.CharField(max_length=300)),
                ("status", models.CharField(choices=[("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed"),
                                                     ("bounced", "Bounced")], default="queued", max_length=10)),
                ("outbox_key", models.CharField(help_text="The outbox row that carries it.", max_length=200,
                                                unique=True)),
                ("message_id", models.CharField(help_text="Its Message-ID header: a bounce names it.", max_length=255,
                                                unique=True)),
                ("queued_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("send_after", models.DateTimeField(
                    help_text="Not before: the first moment outside the client's quiet hours.")),
                ("sent_at", models.DateTimeField(blank=True, help_text="When the outbox handed it to the mail server.",
                                                 null=True)),
                ("failed_at", models.DateTimeField(blank=True, help_text="When it failed or bounced.", null=True)),
                ("error", models.TextField(blank=True, default="", max_length=2000)),
                ("coach_warnings", models.JSONField(blank=True, default=list)),
                ("case", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="client_messages",
                                           to="cases.case")),
                ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                 to=settings.AUTH_USER_MODEL)),
                ("status_update", models.OneToOneField(blank=True, null=True,
                                                       on_delete=django.db.models.deletion.SET_NULL,
                                                       related_name="client_message", to="cases.statusupdate")),
            ],
            options={
                "ordering": ["queued_at", "id"],
                "indexes": [models.Index(fields=["case", "queued_at"], name="client_message_case")],
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("status__in", ["queued", "sent", "failed", "bounced"])),
                                           name="client_message_status_valid"),
                    models.CheckConstraint(condition=models.Q(("kind__in", ["update", "acknowledgement", "plan",
                                                                            "delivery", "follow_up"])),
                                           name="client_message_kind_valid"),
                ],
            },
        ),
    ]
