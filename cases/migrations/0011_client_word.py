"""The client's own word (issue 11): who gave a delivery's client confirmation (the client on their
status page, or the rep) and when; the client's "It works" / "Not yet" at delivery, one per delivery
attempt; and the satisfaction survey after the follow-up call, one per case."""
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0010_client_mail"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="delivery",
            name="confirmed_by",
            field=models.CharField(blank=True, default="", max_length=10,
                                   choices=[("client", "The client, on their status page"), ("rep", "The rep")]),
        ),
        migrations.CreateModel(
            name="ClientAnswer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("attempt_started_at", models.DateTimeField(
                    help_text="When the case entered deliver: one answer per stay there.")),
                ("answer", models.CharField(choices=[("works", "It works"), ("not_yet", "Not yet")], max_length=10)),
                ("text", models.CharField(blank=True, default="", max_length=500)),
                ("given_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("case", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="client_answers",
                                           to="cases.case")),
                ("delivery", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                               related_name="+", to="cases.delivery")),
            ],
            options={
                "ordering": ["given_at", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("case", "attempt_started_at"),
                                            name="client_answer_once_per_attempt"),
                    models.CheckConstraint(condition=models.Q(("answer__in", ["works", "not_yet"])),
                                           name="client_answer_valid"),
                    models.CheckConstraint(
                        condition=models.Q(models.Q(("answer", "not_yet"), _negated=True),
                                           models.Q(("text", ""), _negated=True), _connector="OR"),
                        name="client_not_yet_has_words"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ClientSurvey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("score", models.PositiveSmallIntegerField(choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")])),
                ("comment", models.TextField(blank=True, default="", max_length=1000)),
                ("given_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("case", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="client_survey",
                                              to="cases.case")),
            ],
            options={
                "ordering": ["given_at", "id"],
                "indexes": [models.Index(fields=["given_at"], include=("score",), name="client_survey_given")],
                "constraints": [models.CheckConstraint(condition=models.Q(("score__gte", 1), ("score__lte", 5)),
                                                       name="client_survey_score_1_to_5")],
            },
        ),
    ]
