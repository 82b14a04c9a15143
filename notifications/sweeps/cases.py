"""The stalled-case sweep: a case that has sat in steps 1-5 (not yet acting) longer than
STALLED_CASE_HOURS is flagged once (Case.stalled_flagged_at, cleared by the next transition), a
system escalation (reason: stalled) is opened unless one is open, and the supervisors are told.
Candidates come from the partial index `case_stall_candidates` (unflagged cases in steps 1-5 by the
time they entered the step)."""
import datetime as dt

from django.conf import settings

from cases.models import Case, EscalationReason
from cases.workflow import STALL_WATCH_STEPS as PRE_ACTION_STEPS
from cases.selectors import supervisor_emails_for
from cases.services import escalation_raise_system

from ..formatting import case_context, duration, person
from ..outbox import outbox_enqueue
from .base import batch_size, each_in_own_transaction, lock_case_nowait, resolve_now


def sweep_stalled_cases(now=None):
    now = resolve_now(now)
    cutoff = now - dt.timedelta(hours=settings.STALLED_CASE_HOURS)
    window = dict(step__in=[s.value for s in PRE_ACTION_STEPS], stalled_flagged_at__isnull=True,
                  step_entered_at__lte=cutoff)

    def handle(case_id):
        case = lock_case_nowait(case_id, **window)
        if case is None:
            return False
        Case.objects.filter(pk=case.pk).update(stalled_flagged_at=now)
        waited = duration(now - case.step_entered_at)
        step = case.step_enum.label
        escalation = escalation_raise_system(
            case=case, reason=EscalationReason.STALLED,
            note=f"Still in “{step}” after {waited} (limit {settings.STALLED_CASE_HOURS} h).",
        )
        outbox_enqueue(
            key=f"case-stalled:{case.pk}:{int(case.step_entered_at.timestamp())}", kind="case_stalled", case=case,
            to=supervisor_emails_for(case.owner),
            context={**case_context(case), "step": step, "step_number": case.step_enum.number, "waited": waited,
                     "owner": person(case.owner), "limit_hours": settings.STALLED_CASE_HOURS,
                     "escalated": escalation is not None},
        )
        return True

    ids = list(Case.objects.filter(**window).order_by("step_entered_at", "id").values_list("pk", flat=True)
               [: batch_size()])
    return each_in_own_transaction("stalled cases", ids, handle)
