"""The client's "Not yet" on their status page now takes back the arrival it answers at once: the arrival is not
judged unless it was late, and the estimate it kept stands again (cases.services.transitions.arrival_not_accepted;
cases.metrics.eta.arrival_rows reads the answer). Before, that waited for the case to leave `deliver`.

The cases still in `deliver` in the stay a "Not yet" answered are put to the rule here: the arrival's verdict is
cleared unless it was late, and the estimate promise it kept is pending again with its deadline; the
broken-promise sweep, which now watches the estimate in `deliver`, breaks it at its next run if that has passed,
with its escalation and emails. Cases that left `deliver` since were already put right by their move."""
from django.db import migrations

ARRIVAL_VERB = "All action items closed"  # Transition.COMPLETE_MANAGE_ANXIETY's label, when this was written
NOT_YET_VERB = "client says it does not work yet"  # cases.client_word.SAID_NOT_YET


def take_back(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Promise = apps.get_model("cases", "Promise")
    for case in Case.objects.filter(step="deliver").only("pk", "step_entered_at").iterator(chunk_size=500):
        if not CaseEvent.objects.filter(case_id=case.pk, verb=NOT_YET_VERB,
                                        created_at__gte=case.step_entered_at).exists():
            continue
        arrival = (CaseEvent.objects.filter(case_id=case.pk, verb=ARRIVAL_VERB).exclude(from_step="")
                   .order_by("-created_at", "-id").first())
        if arrival is None:
            continue
        if arrival.eta_verdict and arrival.eta_verdict != "late":
            CaseEvent.objects.filter(pk=arrival.pk).update(eta_verdict="")
        Promise.objects.filter(case_id=case.pk, kind="eta", status="kept", kept_at__gte=arrival.created_at).update(
            status="pending", kept_at=None, closed_at=None, reminded_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0041_stall_clock'),
    ]

    operations = [
        migrations.RunPython(take_back, migrations.RunPython.noop),
    ]
