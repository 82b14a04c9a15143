# Client email (issue 11, inbound): a case opened from an email waits for a rep to claim it, and a
# client's unread email makes their mood unknown until it is read.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_list_speed")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="awaiting_claim",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="case",
            name="client_wrote_at",
            field=models.DateTimeField(blank=True, help_text="Unread client email since: the client's mood is unknown.",
                                       null=True),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=models.Q(("awaiting_claim", True)), fields=["opened_at"],
                               name="case_awaiting_claim"),
        ),
    ]
