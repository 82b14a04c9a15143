"""The owner's part of a stay in a step ends when the case leaves the step (cases.services.transitions)
or changes hands (handoffs, a supervisor's reassignment, the claim of a case opened from email): one
HeldStay row for the rep who held it, from the later of entering the step and taking the case. The team
page's per-rep times in each step are these rows; the team's are the whole stays (CaseEvent.step_seconds)."""
from django.db.models import Max

from ..models import HeldStay


def end_of_holding(*, case, owner_id, step, entered, at):
    """Record `owner_id`'s part of the stay in `step` (entered at `entered`) ending `at`. The caller holds
    the case's row lock, so two ends of the same part cannot interleave."""
    handed = HeldStay.objects.filter(case=case, ended_at__gte=entered).aggregate(last=Max("ended_at"))["last"]
    started = max(entered, handed) if handed is not None else entered
    started = min(started, at)  # a clock a step behind records an empty part, never a negative one
    HeldStay.objects.create(case=case, owner_id=owner_id, step=step, started_at=started, ended_at=at,
                            seconds=(at - started).total_seconds())


OPENED = "opened"  # a case's first event (cases.services.intake, client_mail.case_open_from_mail)
# The events of a change of owner, stamped with the new owner (CaseEvent.of after the change).
OWNER_CHANGES = frozenset({"handoff accepted", "reassigned", "claimed"})


def parts_from_timeline(events):
    """The (owner_id, step, started_at, ended_at) of each held part of a case's stays, recomputed from its
    timeline: `events` are the case's events in order (created_at, id); only its opening, transitions
    (a from_step) and changes of owner matter. The same parts end_of_holding writes as they happen: the
    migration that brought HeldStay in (0026) fills the past from here, and the tests compare the two."""
    step = owner = started = None
    for event in events:
        if event.from_step:  # a transition: the owner then held the case to its end
            if step is not None:
                yield event.owner_id, event.from_step, started, event.created_at
            step, owner, started = event.to_step, event.owner_id, event.created_at
        elif event.verb == OPENED:
            step, owner, started = event.to_step, event.owner_id, event.created_at
        elif event.verb in OWNER_CHANGES:
            if step is not None:
                yield owner, step, started, event.created_at
            owner, started = event.owner_id, event.created_at
