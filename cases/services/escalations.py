"""Escalations: raised by a rep (with a reason) or by the system (broken promise, stalled case), and
worked by supervisors. Escalating never relieves the owner of the case."""
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..errors import CaseRuleError
from ..formatting import case_context
from ..models import REP_ESCALATION_REASONS, Escalation, EscalationNote, EscalationReason, EscalationStatus
from ..notices import notify
from ..permissions import can_work_escalations, escalation_holder
from ..selectors import supervisor_emails_for
from ..text import REASON_WORDS, limit_of, require_substance
from ..workflow import Record, Transition, ensure_allows
from .common import display_name, ensure_can_work, event_record, lock_case, refresh_counters, require_text
from .irate import apply_irate_rule, set_irate_flag


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
        set_irate_flag(case, True)
        apply_irate_rule(case=case, actor=user)
    notify(
        key=f"escalation-raised:{escalation.pk}", kind="escalation_raised", case=case,
        to=supervisor_emails_for(case.owner),
        context={**case_context(case), "reason": escalation.get_reason_display(), "note": note,
                 "raised_by": display_name(user)},
    )
    refresh_counters(case)
    return escalation


def escalation_raise_system(*, case, reason, note, promise=None, counted_for=None):
    """Open an automatic escalation unless it is already raised: one open per promise, and for a stalled
    case one per stay of the case in a step, open, taken or resolved (`stay_entered_at`: the case's
    step_entered_at, read under the case lock the caller holds). The database constraint
    one_stall_escalation_per_stay decides the stall (a second sweep's insert fails: None). Found by a review:
    one open stall escalation per case swallowed every later stall, in later steps and under later owners.
    `counted_for`: the rep the team page counts it for (Escalation.case_owner), when not the case's owner now."""
    stay = case.step_entered_at if reason == EscalationReason.STALLED else None
    if stay is None:
        existing = Escalation.objects.exclude(status=EscalationStatus.RESOLVED).filter(case=case, reason=reason)
        existing = existing.filter(promise=promise) if promise is not None else existing
        if existing.exists():
            return None
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(case=case, reason=reason, note=note, raised_by_system=True,
                                                   promise=promise, case_owner_id=counted_for or case.owner_id,
                                                   stay_entered_at=stay)
    except IntegrityError:  # raised already, or a concurrent sweep raised it first
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


# --- the per-escalation logic: the caller holds the case lock and the escalation's row lock ----------
def _take(*, user, escalation, now):
    escalation.status = EscalationStatus.TAKEN
    escalation.supervisor = user
    escalation.taken_at = now
    escalation.save(update_fields=["status", "supervisor", "taken_at"])


def _note(*, user, escalation, text):
    return EscalationNote.objects.create(escalation=escalation, author=user, text=text)


def _resolve(*, user, escalation, resolution, now):
    """The record names who resolved it (`supervisor`: "Resolved · <resolver>"), not who had taken it: the
    timeline keeps who took it. Found by a review: one resolved over another's take was credited to the taker."""
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolution = resolution
    escalation.resolved_at = now
    escalation.supervisor = user
    escalation.save(update_fields=["status", "resolution", "resolved_at", "supervisor"])


def _held_by_others(user, escalations):
    return [(e, holder) for e in escalations
            if (holder := escalation_holder(e)) is not None and holder.pk != user.pk]


def _names_have(held):
    names = sorted({display_name(holder) for _, holder in held})
    return f"{' and '.join(names)} {'has' if len(names) == 1 else 'have'}"


def _ensure_not_held_by_another(user, escalations):
    """Held by another supervisor (escalation_holder): refused."""
    held = _held_by_others(user, escalations)
    if held:
        what = "this escalation" if len(escalations) == 1 else "escalations on this case"
        raise CaseRuleError(f"{_names_have(held)} already taken {what}.")


def _ensure_not_taken_since(user, escalations, taken_shown):
    """Resolving closes the matter whoever took it, but not over a take the supervisor has not seen:
    `taken_shown` ({escalation id: supervisor id} of those the page showed as taken; None, a service called
    from code, skips the check) must name each escalation another supervisor holds now, by its holder.
    Found by a review: a page opened before a colleague took the escalation resolved it over their work."""
    if taken_shown is None:
        return
    since = [(e, holder) for e, holder in _held_by_others(user, escalations) if taken_shown.get(e.pk) != holder.pk]
    if since:
        what = "this escalation" if len(since) == 1 else f"{len(since)} of these escalations"
        raise CaseRuleError(f"{_names_have(since)} taken {what} since you opened this page and may be working "
                            "on it: read it again (or ask them), then resolve it if you still mean to.")


def _clean_note(text):
    return require_text(text, field="text", message="Write the note.", limit=limit_of(EscalationNote, "text"))


def _clean_resolution(resolution):
    return require_substance(resolution, field="resolution", message="Say how the escalation was resolved.",
                             limit=limit_of(Escalation, "resolution"), min_words=REASON_WORDS)


# --- one escalation ----------------------------------------------------------------------------------
@transaction.atomic
def escalation_take(*, user, escalation):
    _ensure_supervisor(user)
    case, escalation = _lock_escalation(escalation)
    if escalation.status == EscalationStatus.RESOLVED:
        raise CaseRuleError("This escalation is already resolved.")
    ensure_allows(case, Record.ESCALATION)  # closed means closed, as for a note
    _ensure_not_held_by_another(user, [escalation])
    if escalation.status == EscalationStatus.TAKEN and escalation.supervisor_id == user.pk:
        return escalation  # their own second click: taken when first taken, once on the timeline
    _take(user=user, escalation=escalation, now=timezone.now())
    event_record(case=case, actor=user, verb="escalation taken", note=escalation.get_reason_display(),
                 data={"escalation": escalation.pk})
    return escalation


@transaction.atomic
def escalation_add_note(*, user, escalation, text):
    _ensure_supervisor(user)
    case, escalation = _lock_escalation(escalation)
    ensure_allows(case, Record.ESCALATION)  # closed means closed: nothing more on a closed case's timeline
    text = _clean_note(text)
    note = _note(user=user, escalation=escalation, text=text)
    event_record(case=case, actor=user, verb="escalation note", note=text, data={"escalation": escalation.pk})
    return note


@transaction.atomic
def escalation_resolve(*, user, escalation, resolution):
    _ensure_supervisor(user)
    case, escalation = _lock_escalation(escalation)
    if escalation.status == EscalationStatus.RESOLVED:
        raise CaseRuleError("This escalation is already resolved.")
    resolution = _clean_resolution(resolution)
    _resolve(user=user, escalation=escalation, resolution=resolution, now=timezone.now())
    event_record(case=case, actor=user, verb="escalation resolved", note=resolution,
                 data={"escalation": escalation.pk})
    refresh_counters(case)
    return escalation


# --- all of a case's open escalations at once (the supervisor's queue is one row per case) -----------
# Each escalation keeps its own record (taken, noted, resolved row by row); the timeline gets one entry
# per action naming the reasons, not one per escalation.
def _lock_open_escalations(user, case, *, doing, shown=None):
    """The case (locked) and its open escalations (locked). `shown`: the ids of the escalations the
    supervisor had on screen (the page posts them): one raised since then is refused, named, so nothing is
    taken, noted or resolved unread. None (a service called from code) skips that check."""
    _ensure_supervisor(user)
    case = lock_case(case)
    escalations = _open_locked(case)
    if not escalations:
        raise CaseRuleError(f"{case.reference} has no open escalation to {doing}.")
    if doing != "resolve":  # closed means closed: a closed case's escalation is resolved, nothing more
        ensure_allows(case, Record.ESCALATION)
    _ensure_shown(case, escalations, shown, doing)
    return case, escalations


def _open_locked(case):
    """The case's open (or taken) escalations, oldest first, locked; the caller holds the case's lock."""
    return list(Escalation.objects.select_for_update().filter(case=case)
                .exclude(status=EscalationStatus.RESOLVED).order_by("created_at", "id"))


def _ensure_shown(case, escalations, shown, doing):
    if shown is not None:
        unseen = [e for e in escalations if e.pk not in set(shown)]
        if unseen:
            raise CaseRuleError(
                f"{_reasons(unseen)}: raised on {case.reference} since you opened this page. "
                f"Read it above, then {doing} again.")


@transaction.atomic
def case_close_by_override(*, user, case, reason, step_shown=None, shown=None, taken_shown=None):
    """The override as every page sends it (the escalation page, the case page's moves: views.actions._move).
    Closing resolves every open escalation of the case
    (transitions._force_close), so, as a resolve is, it is refused when one was raised since the page was
    opened (`shown`) or taken by another supervisor since (`taken_shown`). Found by an audit: a page opened
    before a colleague took the escalation closed the case over their work, and one raised meanwhile was
    resolved unread."""
    from .transitions import case_transition, ensure_transition_perm

    case = lock_case(case)
    ensure_transition_perm(case, Transition.FORCE_CLOSE, user)  # before naming any escalation to a rep
    escalations = _open_locked(case)
    _ensure_shown(case, escalations, shown, "close the case")
    _ensure_not_taken_since(user, escalations, taken_shown)
    return case_transition(user=user, case=case, name=Transition.FORCE_CLOSE.method, reason=reason,
                           step_shown=step_shown)


def _reasons(escalations):
    """'Broken promise ×2, Irate client': what the timeline entry says the action covered."""
    counts = {}
    for e in escalations:
        counts[e.get_reason_display()] = counts.get(e.get_reason_display(), 0) + 1
    return ", ".join(f"{label} ×{n}" if n > 1 else label for label, n in counts.items())


def _event_data(escalations):
    return {"escalations": [e.pk for e in escalations]}


@transaction.atomic
def case_escalations_take(*, user, case, shown=None):
    """Take every open escalation of the case; refused (nothing taken) when another supervisor holds one,
    or one was raised since the page was opened (`shown`: _lock_open_escalations)."""
    case, escalations = _lock_open_escalations(user, case, doing="take", shown=shown)
    _ensure_not_held_by_another(user, escalations)
    # Open, or taken by a supervisor who has since left (held by nobody: escalation_holder).
    waiting = [e for e in escalations if escalation_holder(e) is None]
    if not waiting:
        raise CaseRuleError(f"You have already taken every open escalation on {case.reference}.")
    now = timezone.now()
    for escalation in waiting:
        _take(user=user, escalation=escalation, now=now)
    event_record(case=case, actor=user, verb="escalation taken", note=_reasons(waiting), data=_event_data(waiting))
    return waiting


@transaction.atomic
def case_escalations_note(*, user, case, text, shown=None):
    """The same note on each open escalation of the case (`shown`: _lock_open_escalations)."""
    case, escalations = _lock_open_escalations(user, case, doing="note", shown=shown)
    text = _clean_note(text)
    notes = [_note(user=user, escalation=e, text=text) for e in escalations]
    event_record(case=case, actor=user, verb="escalation note", note=text, data=_event_data(escalations))
    return notes


@transaction.atomic
def case_escalations_resolve(*, user, case, resolution, shown=None, taken_shown=None):
    """Resolve every open escalation of the case with the same resolution (taken by another supervisor or
    not: resolving is how a supervisor closes the matter, as for a single escalation); refused when one
    was raised since the page was opened (`shown`: _lock_open_escalations) or taken by another supervisor
    since (`taken_shown`: _ensure_not_taken_since)."""
    case, escalations = _lock_open_escalations(user, case, doing="resolve", shown=shown)
    _ensure_not_taken_since(user, escalations, taken_shown)
    resolution = _clean_resolution(resolution)
    now = timezone.now()
    for escalation in escalations:
        _resolve(user=user, escalation=escalation, resolution=resolution, now=now)
    event_record(case=case, actor=user, verb="escalation resolved",
                 note=f"{_reasons(escalations)}: {resolution}", data=_event_data(escalations))
    refresh_counters(case)
    return escalations
