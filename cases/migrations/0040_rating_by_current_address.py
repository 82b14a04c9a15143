"""A case's standing rating is the latest that came through the address the client has now
(cases.client_word.standing_choice; cases.services.client_word.survey_answers_set_aside keeps it so at every
change of the address). Found by an audit: the rule of the case's opening address (0038) could be walked (a
rep made the opening address their own) and erased the client's own rating for good (a typo corrected during
the case, then any round trip of the address). `Case.opening_address` is no longer read: removed.

Existing answers are put to the rule once: on each case, the latest answer through the client's address now
stands and every other is set aside (now), whatever the old rule had left; nothing is written on the
timelines."""
from collections import defaultdict

from django.db import migrations
from django.utils import timezone


def _same(a, b):
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def standing_follows_address(apps, schema_editor):
    ClientSurvey = apps.get_model("cases", "ClientSurvey")
    now = timezone.now()
    by_case = defaultdict(list)
    for survey in ClientSurvey.objects.select_related("case__client").order_by("case_id", "-given_at", "-id"):
        by_case[survey.case_id].append(survey)
    for surveys in by_case.values():
        address = (surveys[0].case.client.email or "").strip()
        standing = next((s for s in surveys if address and _same(s.address, address)), None)
        for survey in surveys:  # set aside first: one standing answer per case (client_survey_one_standing)
            if survey.pk != getattr(standing, "pk", None) and survey.set_aside_at is None:
                survey.set_aside_at = now
                survey.save(update_fields=["set_aside_at"])
        if standing is not None and standing.set_aside_at is not None:
            standing.set_aside_at = None
            standing.save(update_fields=["set_aside_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0039_held_stay_shared_stay"),
    ]

    operations = [
        migrations.RunPython(standing_follows_address, migrations.RunPython.noop),
        migrations.RemoveField(model_name="case", name="opening_address"),
    ]
