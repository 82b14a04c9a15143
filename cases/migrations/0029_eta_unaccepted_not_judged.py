"""An arrival at deliver that the client does not accept delivered nothing: when the case leaves deliver
after it some other way than the client's confirmation (sent back with loose ends, or closed by a
supervisor's override), it is not judged for ETA honesty, and the case's next arrival is judged in the
same cycle (cases/metrics/eta.py). From now on those transitions void the arrival's kept verdict and put
back the estimate it kept (cases.services.transitions._unaccepted_arrival).

The arrivals of the cases that left deliver that way before this rule are judged again here by the same
function (cases.metrics.eta.verdicts, told which arrivals went unaccepted), so the kept verdicts are what
judging the rows gives. The promises of those past cycles are left as they were recorded: an estimate an
unaccepted arrival kept stays kept in the history, and is not broken after the fact; so in practice this
clears the verdicts of the unaccepted arrivals that were not late, and the later arrivals keep theirs."""
from collections import defaultdict

from django.db import migrations
from django.db.models import Q

from cases.metrics.eta import arrival_rows, estimate_row, verdicts

ARRIVAL_VERB = "All action items closed"  # Transition.COMPLETE_MANAGE_ANXIETY's label, when this was written
ACCEPTED_VERB = "Delivered and confirmed"  # Transition.COMPLETE_DELIVER's label
DELIVER = "deliver"
ESTIMATE_VERB = "estimate given"
BATCH = 2000


def judge_again(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    Promise = apps.get_model("cases", "Promise")
    cases = CaseEvent.objects.filter(from_step=DELIVER).exclude(verb=ACCEPTED_VERB).values("case_id")
    moves = defaultdict(list)  # case id -> [(event id, verb, from step, time, kept verdict)]
    for row in (CaseEvent.objects.filter(Q(verb=ARRIVAL_VERB) | Q(from_step=DELIVER), case_id__in=cases)
                .exclude(from_step="").order_by("case_id", "created_at", "id")
                .values_list("case_id", "id", "verb", "from_step", "created_at", "eta_verdict")
                .iterator(chunk_size=BATCH)):
        moves[row[0]].append(row[1:])
    if not moves:
        return
    estimates, promises = defaultdict(list), defaultdict(list)
    for case_id, at, data in (CaseEvent.objects.filter(verb=ESTIMATE_VERB, case_id__in=cases)
                              .order_by("case_id", "created_at", "id").values_list("case_id", "created_at", "data")
                              .iterator(chunk_size=BATCH)):
        estimates[case_id].append(estimate_row(at, data))
    for case_id, at, due_at, status in (Promise.objects.filter(kind="eta", case_id__in=cases)
                                        .order_by("case_id", "created_at", "id")
                                        .values_list("case_id", "created_at", "due_at", "status")
                                        .iterator(chunk_size=BATCH)):
        promises[case_id].append((at, due_at, status))
    changed = []
    for case_id, rows in moves.items():
        arrivals, unaccepted = arrival_rows(((verb, step, at) for _pk, verb, step, at, _kept in rows),
                                            ARRIVAL_VERB, ACCEPTED_VERB, DELIVER)
        found = verdicts(arrivals, estimates[case_id], promises[case_id], unaccepted)
        kept = [(pk, verdict) for pk, verb, _step, _at, verdict in rows if verb == ARRIVAL_VERB]
        changed.extend(CaseEvent(pk=pk, eta_verdict=new) for (pk, old), new in zip(kept, found) if new != old)
    CaseEvent.objects.bulk_update(changed, ["eta_verdict"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0028_promise_after_missed"),
    ]

    operations = [
        migrations.RunPython(judge_again, migrations.RunPython.noop),
    ]
