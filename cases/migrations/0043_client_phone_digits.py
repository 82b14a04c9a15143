# The digits of each client's phone number, computed by the database (cases.models.people._phone_digits): intake
# finds a client on file by their number however it was typed (found by an audit: duplicates split a history).
from django.db import migrations, models
from django.db.models.functions import Replace


def _phone_digits():
    """The expression as it stood when this migration was written (a migration does not follow the model)."""
    expression = models.F("phone")
    for character in " +()-./xXeEtT":
        expression = Replace(expression, models.Value(character), models.Value(""))
    return expression


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0042_not_yet_takes_back_the_arrival'),
    ]

    operations = [
        migrations.AddField(
            model_name='client',
            name='phone_digits',
            field=models.GeneratedField(db_persist=True, expression=_phone_digits(),
                                        output_field=models.CharField(max_length=50)),
        ),
        migrations.AddIndex(
            model_name='client',
            index=models.Index(fields=['phone_digits'], name='client_phone_digits'),
        ),
    ]
