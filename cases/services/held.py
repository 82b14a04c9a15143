"""The owner's part of a stay in a step ends when the case leaves the step (cases.services.transitions)
or changes hands (handoffs, a supervisor's reassignment, the claim of a case opened from email): one
HeldStay row for the rep who held it, from the later of the case entering the step and the rep taking the
case. The team page's per-rep times in each step add up each rep's parts of a stay; the team's are the
whole stays (CaseEvent.step_seconds).

Where a part begins is read from the timeline (the case's latest change of owner in the stay), the same
rule `parts_from_timeline` applies to a whole timeline: the migration that brought HeldStay in fills the
past with it, and the tests compare the two."""
import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from ..models import Case, CaseEvent, Escalation, EscalationReason, HeldStay
from ..workflow import Transition

OPENED = "opened"  # a case's first event (cases.services.intake, client_mail.case_open_from_mail)
OWNER_CHANGES = CaseEvent.OWNER_CHANGES


def end_of_holding(*, case, owner_id, step, entered, at):
    """Record `owner_id`'s part of the stay in `step` (entered at `entered`) ending `at`: from the later
    of `entered` and the case's latest change of owner (_held_since). The caller holds the case's row
    lock, so two ends of the same part cannot interleave."""
    started = min(_held_since(case, entered), at)  # a clock behind: an empty part, never negative
    entered = min(entered, started)
    HeldStay.objects.create(case=case, owner_id=owner_id, step=step, entered_at=entered,
                            started_at=started, ended_at=at, seconds=(at - started).total_seconds())
    mark_alone(HeldStay.objects.filter(case=case, entered_at=entered, step=step, owner_id=owner_id))


def mark_held_again(parts):
    """Set `alone` False on the HeldStay rows of `parts` (a queryset) whose owner holds the case again, in
    the same stay, now (the case came back to them: handed or reassigned back; called once they own it): a
    part of theirs is still to come, so the team page does not count the stay as one that ended
    (cases.metrics.stays leaves out a shared stay whose rep holds it now). Found by an audit: handed away and
    back, a rep's first part showed as a whole two-day stay while they still held the case in the step. Every
    writer of rows calls it after mark_alone (handoffs, the demo history, the bench's load)."""
    again = Case.objects.filter(pk=OuterRef("case_id"), owner_id=OuterRef("owner_id"), step=OuterRef("step"),
                                step_entered_at=OuterRef("entered_at"))
    parts.filter(Exists(again), alone=True).update(alone=False)


def mark_alone(parts):
    """Set `alone` on the HeldStay rows of `parts` (a queryset), in one statement: True when the row is
    its owner's only part of its stay, False when the case came back to them in it (and from when it comes
    back: mark_held_again). Every writer of rows
    calls this after writing them (this service, the migration that added the flag, the demo history and
    the bench's load), so a second part of a stay turns its first one back to False."""
    others = (HeldStay.objects.filter(case_id=OuterRef("case_id"), entered_at=OuterRef("entered_at"),
                                      step=OuterRef("step"), owner_id=OuterRef("owner_id"))
              .exclude(pk=OuterRef("pk")))
    parts.update(alone=~Exists(others))


def _held_since(case, entered):
    """Where the current owner's part of the stay entered at `entered` began: the later of `entered` and
    the case's latest change of owner (index (case, created_at))."""
    taken = (CaseEvent.objects.filter(case=case, verb__in=sorted(OWNER_CHANGES), created_at__gte=entered)
             .order_by("-created_at").values_list("created_at", flat=True).first())
    return max(entered, taken) if taken else entered


def longest_holder(case, now):
    """The rep who has held `case` longest in the time its stall clock counts, up to `now` (their parts added
    up, the current owner's running part included; a tie goes to the current owner; the mail intake's wait for
    a claim only when nobody else held it): whom a stall is counted
    for, so a case handed on just before the stall sweep sees it stays on the rep who let it sit. That time
    is the current stay, and the stays in the step that overrides closed before a reopen carried the clock
    on (stays_on_the_stall_clock)."""
    held = {case.owner_id: max(0.0, (now - _held_since(case, case.step_entered_at)).total_seconds())}
    for owner_id, seconds in HeldStay.objects.filter(case=case, entered_at__in=stays_on_the_stall_clock(case),
                                                     step=case.step).values_list("owner_id", "seconds"):
        held[owner_id] = held.get(owner_id, 0.0) + seconds
    if len(held) > 1:  # the mail intake's wait for a claim is nobody's (found by a red team: a rep who claimed a
        # case that had waited overnight and let it sit had its stall counted for the placeholder, on no rep's row)
        for intake in get_user_model().objects.filter(pk__in=list(held), username=settings.MAILIN_INTAKE_USERNAME):
            del held[intake.pk]
    return max(held, key=lambda owner_id: (held[owner_id], owner_id == case.owner_id))


def stays_on_the_stall_clock(case, most=50):
    """When each stay began whose time the case's stall clock counts (Case.stall_clock_from): the current one
    and, back from it, each stay in the same step that a supervisor's override closed and a reopen came back
    from with the clock carried on (Case.reopen: unless that stay had been flagged as stalled, which its
    stall escalation records). Found by an audit: a stall after an override, a reopen and a handoff was
    counted for the rep who took the case on last, not the one who let it sit before the override."""
    stays, entered = [case.step_entered_at], case.step_entered_at
    if case.stall_clock_from >= entered:
        return stays
    moves = CaseEvent.objects.filter(case=case).exclude(from_step="").order_by("-created_at", "-id")
    while len(stays) < most:
        into, closed = (list(moves.filter(created_at__lte=entered)[:2]) + [None, None])[:2]
        if (into is None or closed is None or into.created_at != entered or into.verb != Transition.REOPEN.label
                or closed.verb != Transition.FORCE_CLOSE.label or closed.from_step != case.step
                or closed.step_seconds is None):
            break
        entered = closed.created_at - dt.timedelta(seconds=closed.step_seconds)
        if Escalation.objects.filter(case=case, reason=EscalationReason.STALLED, stay_entered_at=entered).exists():
            break  # flagged before the override: the reopen after it started a clock of its own
        stays.append(entered)
    return stays


def parts_from_timeline(events):
    """The (owner_id, step, entered_at, started_at, ended_at) of each held part of a case's stays,
    recomputed from its timeline: `events` are the case's events in order (created_at, id); only its
    opening, transitions (a from_step) and changes of owner matter."""
    step = owner = entered = started = None
    for event in events:
        if event.from_step:  # a transition: the owner then held the case to its end
            if step is not None:
                yield event.owner_id, event.from_step, entered, started, event.created_at
            step, owner, entered = event.to_step, event.owner_id, event.created_at
            started = entered
        elif event.verb == OPENED:
            step, owner, entered = event.to_step, event.owner_id, event.created_at
            started = entered
        elif event.verb in OWNER_CHANGES:
            if step is not None:
                yield owner, step, entered, started, event.created_at
            owner, started = event.owner_id, event.created_at
