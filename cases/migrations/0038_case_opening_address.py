"""The client's rating through the address a case was opened with counts again once that address is theirs
again (cases.services.client_word.survey_answers_set_aside; found by an audit: changing the address to
another spelling and back erased the client's own rating for good). `Case.opening_address` keeps it, written
at the client's first change of address after the case was opened.

Existing cases get it from what was recorded: the old address of the first change of the client's address
on the case's timeline (every open case of the client records each change), else the address of the case's
first email to the client while it was open (not an invitation to rate us, which may have gone to an address
put in after the close). Others stay empty and take the client's address at their next change, as new cases
do. Answers set aside before are left as they are."""
from django.db import migrations, models

CHANGED = "client details updated"
INVITATION = "follow_up"


def opening_addresses(apps, schema_editor):
    Case, CaseEvent = apps.get_model("cases", "Case"), apps.get_model("cases", "CaseEvent")
    ClientMessage = apps.get_model("cases", "ClientMessage")
    found = {}
    changes = (CaseEvent.objects.filter(verb=CHANGED, data__changed__has_key="email")
               .order_by("case_id", "created_at", "id").values_list("case_id", "data"))
    for case_id, data in changes.iterator():
        if case_id not in found:
            old, new = data["changed"]["email"]
            found[case_id] = old or new
    first_mail = (ClientMessage.objects.exclude(kind=INVITATION).exclude(case_id__in=list(found))
                  .order_by("case_id", "queued_at", "id").values_list("case_id", "to_email"))
    for case_id, to_email in first_mail.iterator():
        found.setdefault(case_id, to_email)
    batch = []
    for case in Case.objects.filter(pk__in=[pk for pk, address in found.items() if address.strip()]).iterator():
        case.opening_address = found[case.pk].strip()[:254]
        batch.append(case)
    Case.objects.bulk_update(batch, ["opening_address"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0037_survey_answer_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="opening_address",
            field=models.CharField(blank=True, default="", editable=False, max_length=254,
                                   help_text="The client's address when the case was opened (the first one "
                                             "recorded after, when they had none); empty until it changes."),
        ),
        migrations.RunPython(opening_addresses, migrations.RunPython.noop),
    ]
