"""The stays before HeldStay, cut into each owner's parts from each case's timeline by the rule the
services follow as it happens (cases.services.held.parts_from_timeline): the opening, the transitions
and the changes of owner.

Who held the case between two changes of owner is read from the change itself (the accepted handoff or
reassignment its event names: from_user, then to_user; a claim: the mail intake, then the claimer), not
from the owner stamped on the events: events older than migration 0015 carry the owner at that migration.
A case whose changes cannot all be read so keeps the stamps.

Not atomic: the table was created (0026) and committed, and the cases are filled a few hundred at a time,
each batch in its own short transaction, so the cases and the users are never locked for the whole run.
Each batch first removes the parts it is about to write (ended before this run began), so a run stopped
half-way can be started again."""
from collections import namedtuple

from django.conf import settings
from django.db import migrations, transaction
from django.db.models import Q
from django.utils import timezone

from cases.services.held import OPENED, OWNER_CHANGES, parts_from_timeline

CASES_PER_BATCH = 500
Event = namedtuple("Event", "case_id created_at verb from_step to_step owner_id actor_id data")
CLAIMED = "claimed"


def owners_corrected(timeline, handoffs, intake_id):
    """The timeline with each event's owner read from the changes of owner around it (see above)."""
    changes = []  # (index, owner before, owner after)
    for i, event in enumerate(timeline):
        if event.verb not in OWNER_CHANGES:
            continue
        if event.verb == CLAIMED:
            moved = (intake_id, event.actor_id)
        else:
            moved = handoffs.get((event.data or {}).get("handoff"))
        if moved is None or None in moved:
            return timeline
        changes.append((i, *moved))
    if not changes:
        return timeline
    fixed, k = [], 0
    for i, event in enumerate(timeline):
        while k < len(changes) and changes[k][0] <= i:
            k += 1
        owner = changes[k - 1][2] if k else changes[0][1]
        fixed.append(event._replace(owner_id=owner))
    return fixed


def cut_stays(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Handoff = apps.get_model("cases", "Handoff")
    HeldStay = apps.get_model("cases", "HeldStay")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    began = timezone.now()
    intake_id = User.objects.filter(username=settings.MAILIN_INTAKE_USERNAME).values_list("pk", flat=True).first()
    relevant = CaseEvent.objects.filter(~Q(from_step="") | Q(verb=OPENED) | Q(verb__in=sorted(OWNER_CHANGES)),
                                        created_at__lt=began)
    case_ids = sorted(set(relevant.values_list("case_id", flat=True)))
    for start in range(0, len(case_ids), CASES_PER_BATCH):
        batch = case_ids[start:start + CASES_PER_BATCH]
        handoffs = {pk: (from_id, to_id) for pk, from_id, to_id in Handoff.objects.filter(case_id__in=batch)
                    .values_list("pk", "from_user_id", "to_user_id")}
        timelines = {}
        for row in (relevant.filter(case_id__in=batch).order_by("case_id", "created_at", "id")
                    .values_list(*Event._fields)):
            timelines.setdefault(row[0], []).append(Event._make(row))
        parts = []
        for case_id, timeline in timelines.items():
            for owner_id, step, entered, started, ended in parts_from_timeline(
                    owners_corrected(timeline, handoffs, intake_id)):
                if owner_id is not None and entered <= started <= ended:
                    parts.append(HeldStay(case_id=case_id, owner_id=owner_id, step=step, entered_at=entered,
                                          started_at=started, ended_at=ended,
                                          seconds=(ended - started).total_seconds()))
        with transaction.atomic():
            HeldStay.objects.filter(case_id__in=batch, ended_at__lt=began).delete()
            HeldStay.objects.bulk_create(parts, batch_size=2000)


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("cases", "0026_held_stays"),
    ]

    operations = [
        migrations.RunPython(cut_stays, migrations.RunPython.noop, elidable=True),
    ]
