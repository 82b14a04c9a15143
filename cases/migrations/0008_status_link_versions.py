# Revocable client status links (issue 10): a per-case link version (a link opens the case only while it
# carries the current version), when the live link was issued, the link allowed to show a final "resolved"
# page after closing and until when; and the client-facing line of a status update.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_event_step_seconds")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="status_link_version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="case",
            name="status_link_issued_at",
            field=models.DateTimeField(blank=True, editable=False, null=True,
                                       help_text="When the link the client holds now was issued."),
        ),
        migrations.AddField(
            model_name="case",
            name="status_link_final_version",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="status_link_final_until",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="statusupdate",
            name="client_line",
            field=models.CharField(blank=True, default="", max_length=280,
                                   help_text="What the client will read on their status page."),
        ),
    ]
