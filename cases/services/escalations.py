"""Escalations: raised by a rep (with a reason) or by the system (broken promise, stalled case), and
worked by supervisors. Escalating never relieves the owner of the case."""
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..errors import CaseRuleError
from ..formatting import case_context
from ..models import REP_ESCALATION_REASONS, Escalation, EscalationNote, EscalationReason, EscalationStatus
from ..notices import notify
from ..permissions import can_work_escalations
from ..selectors import supervisor_emails_for
from ..text import limit_of
from ..workflow import Record, ensure_allows
from .common import display_name, ensure_can_work, event_record, lock_case, refresh_counters, require_text
from .irate import apply_irate_rule


@transaction.atomic
def escalation_raise(*, user, case, reason, note):
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.ESCALATION)
    if reason not in dict(REP_ESCALATION_REASONS):
        raise CaseRuleError("Choose why you are escalating.", field="reason")
    note = require_text(note, field="note", message="Say what you need from a supervisor.",
                        limit=limit_of(Escalation, "note"))
    escalation = Escalation.objects.create(case=case, reason=reason, note=note, raised_by=user,
                                           case_owner_id=case.owner_id)
    event_record(case=case, actor=user, verb="escalated", note=f"{escalation.get_reason_display()}: {note}",
                 data={"escalation": escalation.pk})
    if reason == EscalationReason.IRATE and not case.flagged_irate:
        case.flagged_irate = True
        case.save(update_fields=["flagged_irate", "updated_at"])
        apply_irate_rule(case=case, actor=user)
    notify(
        key=f"escalation-raised:{escalation.pk}", kind="escalation_raised", case=case,
        to=supervisor_emails_for(case.owner),
        context={**case_context(case), "reason": escalation.get_reason_display(), "note": note,
                 "raised_by": display_name(user)},
    )
    refresh_counters(case)
    return escalation


def escalation_raise_system(*, case, reason, note, promise=None):
    """Open an automatic escalation unless one is already open for the same promise (or, for a
    stalled case, for the same case). The caller holds the case lock."""
    existing = Escalation.objects.exclude(status=EscalationStatus.RESOLVED).filter(case=case, reason=reason)
    existing = existing.filter(promise=promise) if promise is not None else existing
    if existing.exists():
        return None
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(case=case, reason=reason, note=note, raised_by_system=True,
                                                   promise=promise, case_owner_id=case.owner_id)
    except IntegrityError:  # a concurrent sweep opened it first
        return None
    event_record(case=case, actor=None, verb="escalated by the system", note=note,
                 data={"escalation": escalation.pk})
    refresh_counters(case)
    return escalation


def _lock_escalation(escalation):
    case = lock_case(escalation.case)
    return case, Escalation.objects.select_for_update().get(pk=escalation.pk)


def _ensure_supervisor(user):
    if not can_work_escalations(user):
        raise CaseRuleError("Only supervisors work the escalation queue.")


@transaction.atomic
def escalation_take(*, user, escalation):
    _ensure_supervisor(user)
    case, escalation = _lock_escalation(escalation)
    if escalation.status == EscalationStatus.RESOLVED:
        raise CaseRuleError("This escalation is already resolved.")
    if escalation.status == EscalationStatus.TAKEN and escalation.supervisor_id != user.pk:
        raise CaseRuleError(f"{display_name(escalation.supervisor)} has already taken this escalation.")
    escalation.status = EscalationStatus.TAKEN
    escalation.supervisor = user
    escalation.taken_at = timezone.now()
    escalation.save(update_fields=["status", "supervisor", "taken_at"])
    event_record(case=case, actor=user, verb="escalation taken", note=escalation.get_reason_display(),
                 data={"escalation": escalation.pk})
    return escalation


@transaction.atomic
def escalation_add_note(*, user, escalation, text):
    _ensure_supervisor(user)
    case, escalation = _lock_escalation(escalation)
    text = require_text(text, field="text", message="Write the note.", limit=limit_of(EscalationNote, "text"))
    note = EscalationNote.objects.create(escalation=escalation, author=user, text=text)
    event_record(case=case, actor=user, verb="escalation note", note=text, data={"escalation": escalation.pk})
    return note


@transaction.atomic
def escalation_resolve(*, user, escalation, resolution):
    _ensure_supervisor(user)
    case, escalation = _lock_escalation(escalation)
    if escalation.status == EscalationStatus.RESOLVED:
        raise CaseRuleError("This escalation is already resolved.")
    resolution = require_text(resolution, field="resolution", message="Say how the escalation was resolved.",
                              limit=limit_of(Escalation, "resolution"))
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolution = resolution
    escalation.resolved_at = timezone.now()
    if escalation.supervisor_id is None:
        escalation.supervisor = user
    escalation.save(update_fields=["status", "resolution", "resolved_at", "supervisor"])
    event_record(case=case, actor=user, verb="escalation resolved", note=resolution,
                 data={"escalation": escalation.pk})
    refresh_counters(case)
    return escalation
