"""The client's rating is their word only while it came through their address (cases.services.client_word
.survey_answers_set_aside): each answer keeps the address it came through (`address`) and, once the client's
address changes away from it, is set aside (`set_aside_at`), kept for the record; the client may then answer
again, so a case has one standing answer (no longer one-to-one). The team page's index covers the standing
answers only. Answers given before carry the client's address on file now: every invitation went to an
address on file."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def address_on_file(apps, schema_editor):
    ClientSurvey, Client = apps.get_model("cases", "ClientSurvey"), apps.get_model("cases", "Client")
    ClientSurvey.objects.update(address=Subquery(Client.objects.filter(cases=OuterRef("case")).values("email")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0036_update_ledger_marks'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='clientsurvey',
            name='client_survey_given',
        ),
        migrations.AddField(
            model_name='clientsurvey',
            name='address',
            field=models.CharField(blank=True, default='', help_text="The client's address when they answered: the invitation's link went there.", max_length=254),
        ),
        migrations.AddField(
            model_name='clientsurvey',
            name='set_aside_at',
            field=models.DateTimeField(blank=True, help_text="When the client's address changed away from `address`: no longer the client's word, kept for the record.", null=True),
        ),
        migrations.RunPython(address_on_file, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='clientsurvey',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='client_surveys', to='cases.case'),
        ),
        migrations.AddIndex(
            model_name='clientsurvey',
            index=models.Index(condition=models.Q(('set_aside_at__isnull', True)), fields=['given_at'], include=('score',), name='client_survey_given'),
        ),
        migrations.AddConstraint(
            model_name='clientsurvey',
            constraint=models.UniqueConstraint(condition=models.Q(('set_aside_at__isnull', True)), fields=('case',), name='client_survey_one_standing'),
        ),
    ]
