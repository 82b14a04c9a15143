"""What a change of a client's time zone or quiet hours does to the promises they hold (read by
services.intake.client_update, the one place those settings change): quiet hours must leave time to reach
them; wider ones thin every agreed update rhythm (the client's agreement, counted once per case); overdue
updates are broken first, as the sweep would; and each pending promise the new settings move, a follow-up
call's day included (_moves), is renegotiated with the client's agreement and counts."""
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..bounds import day_begins
from ..errors import CaseRuleError
from ..models import OPEN_STEPS, Case, Promise, PromiseKind, PromiseStatus
from ..schedule import has_allowed_time, quiet_widened
from .common import lock_case, refresh_counters
from .delivery import follow_up_in_zone
from .agreements import agreement_from
from .promises import (
    allowed_due, move_what_was_promised, pending_promise, pending_update_now, promise_move,
)


def ensure_time_left(client):
    """Quiet hours must leave some time when a promise may fall due, for every open case's cadence."""
    window = {"tz": client.tz, "quiet_start": client.quiet_hours_start, "quiet_end": client.quiet_hours_end}
    if not has_allowed_time(**window, business_hours_only=False):
        raise CaseRuleError("These quiet hours cover the whole day, so no update could ever fall due. Leave "
                            "the client some hours when they may be reached.", field="quiet_hours_start")
    if has_allowed_time(**window, business_hours_only=True):
        return
    business_only = list(client.cases.filter(step__in=OPEN_STEPS, cadence_business_hours_only=True)
                         .order_by("pk").values_list("reference", flat=True))
    if business_only:
        raise CaseRuleError(
            "These quiet hours cover the whole business day, so no update could ever fall due on "
            f"{', '.join(business_only)} (updates agreed for business hours only). Shorten the quiet hours, "
            "or agree a different cadence first.", field="quiet_hours_start")


def rhythm_agreement(client, before, *, agreed_channel, agreed_text):
    """Wider quiet hours push the later slots of every open case's agreed update rhythm (next_allowed),
    not only the pending promise: the client holds that rhythm, so widening them while a case of theirs
    has one needs their recorded agreement, whether or not a pending deadline moves now (else a rep could
    thin out the updates with quiet hours alone). Returns the agreement, or None when none is needed."""
    if not quiet_widened(before["quiet_hours_start"], before["quiet_hours_end"],
                         client.quiet_hours_start, client.quiet_hours_end):
        return None
    with_rhythm = list(client.cases.filter(step__in=OPEN_STEPS, cadence_minutes__isnull=False)
                       .order_by("pk").values_list("reference", flat=True))
    if not with_rhythm:
        return None
    return agreement_from(agreed_channel, agreed_text,
                          why=f"Wider quiet hours change when {', '.join(with_rhythm)} get the updates agreed with "
                              "the client and may move a promised deadline. ")


@transaction.atomic
def updates_up_to_date(client):
    """Before the client's hours change: each open case's overdue update is broken as the sweep would have
    broken it (its next beat under the hours it missed), so the change meets the same ledger, and counts
    the same, whether or not the sweep got there first."""
    now = timezone.now()
    overdue = (Promise.objects.filter(case__client=client, case__step__in=OPEN_STEPS, kind=PromiseKind.STATUS_UPDATE,
                                      status=PromiseStatus.PENDING, due_at__lte=now)
               .values_list("case_id", flat=True).order_by("case_id"))
    for case in Case.objects.filter(pk__in=list(overdue)).order_by("pk"):
        pending_update_now(lock_case(case), now)


@transaction.atomic
def count_thinner_rhythms(client, *, actor, agreement, moved):
    """Each open case of the client with an update rhythm whose pending update did not move: the wider
    quiet hours push its later slots all the same (fewer updates than agreed), so the pending update is
    renegotiated in place, with the client's agreement, and counts once in the renegotiated share, as a
    sparser cadence does (cases.services.plan.cadence_set). An overdue one was broken before the change
    (updates_up_to_date); the beat after it is what is renegotiated here."""
    now = timezone.now()
    pending = (Promise.objects.filter(case__client=client, case__step__in=OPEN_STEPS,
                                      case__cadence_minutes__isnull=False, kind=PromiseKind.STATUS_UPDATE,
                                      status=PromiseStatus.PENDING, due_at__gt=now)
               .exclude(replaces__in=[pk for pks in moved.values() for pk in pks]).order_by("case_id"))
    for candidate in pending:
        case = lock_case(candidate.case)
        case.client = client
        promise = pending_promise(case, PromiseKind.STATUS_UPDATE)
        if promise is None or promise.pk != candidate.pk or promise.due_at <= now:
            continue
        promise.case = case
        promise_move(promise=promise, new_due_at=promise.due_at, actor=actor, agreement=agreement, now=now,
                     note="Wider quiet hours: fewer updates than agreed")
        refresh_counters(case)


def _falls_due(case, promise, old_tz):
    """Where `promise` falls due under the client's settings now: where quiet hours allow it; a follow-up
    call at the same time of its day in the client's zone (delivery.follow_up_in_zone): a new zone moves it (the call
    counts from the start of the client's day: without the move, a zone ahead would let it be logged a day
    early, or let a call due today be reopened away as not due yet)."""
    due_at = promise.due_at
    if promise.kind == PromiseKind.FOLLOW_UP and old_tz.key != case.client.time_zone:
        due_at = follow_up_in_zone(case, due_at, old_tz)
    return allowed_due(case, promise.kind, due_at)


def _moves(case, promise, old_tz):
    """Where the new settings move `promise` (_falls_due), or None when they leave it as promised: its
    deadline, and for a follow-up call the instant its day begins in the client's zone too (from then the
    call may be logged, and it is "due today" for the reopen: delivery.follow_up_not_loggable_yet and
    transitions._check_follow_up_not_due read the zone of the moment). Found by red teams: at the same UTC
    moment, a zone with quiet hours that kept the call's moment put its day on another day there, or moved
    the midnight it begins at, so that then or an hour later a call due today was reopened away as not due,
    or tomorrow's was logged today, none of it counted as a move. A change that leaves both the moment and
    that midnight where they were changes nothing either verdict can ever read."""
    new_due_at = _falls_due(case, promise, old_tz)
    if new_due_at != promise.due_at:
        return new_due_at
    if promise.kind == PromiseKind.FOLLOW_UP and (day_begins(promise.due_at, old_tz)
                                                  != day_begins(new_due_at, case.client.tz)):
        return new_due_at
    return None


@transaction.atomic
def promises_moved_by_schedule(client, *, actor, agreed_channel, agreed_text, old_tz):
    """Move each pending promise to the client (updates, items, estimates of their open cases; follow-up
    calls of resolved ones) that the new settings no longer allow, or, for a follow-up call, whose deadline
    or day the new time zone moves (_moves), as a renegotiation the client agreed to (refused without their
    agreement), the thing promised moving with it; overdue ones are left to the broken-promise sweep (an
    overdue update was broken before the change, updates_up_to_date). A follow-up call whose day is over
    in the new zone is logged (or renegotiated) first. Returns the old promises' pks by case pk."""
    now = timezone.now()
    candidates = (Promise.objects.filter(Q(case__step__in=OPEN_STEPS) | Q(kind=PromiseKind.FOLLOW_UP),
                                         case__client=client, due_at__gt=now, status=PromiseStatus.PENDING)
                  .select_related("case").order_by("case_id", "id"))
    moved, agreement = {}, None
    for candidate in candidates:
        candidate.case.client = client
        if _moves(candidate.case, candidate, old_tz) is None:
            continue
        case = lock_case(candidate.case)
        case.client = client
        promise = Promise.objects.select_for_update().get(pk=candidate.pk)
        if promise.status != PromiseStatus.PENDING or promise.due_at <= now:
            continue
        promise.case = case
        new_due_at = _moves(case, promise, old_tz)
        if new_due_at is None:
            continue
        if new_due_at <= now:
            raise CaseRuleError(f"In {client.time_zone} the follow-up call on {case.reference} was due by "
                                f"{timezone.localtime(new_due_at, client.tz):%H:%M on %a %d %b}: log the call "
                                "first, then change the time zone.", field="time_zone")
        if agreement is None:
            agreement = agreement_from(agreed_channel, agreed_text,
                                       why="The new time zone or quiet hours move a promised deadline. ")
        promise_move(promise=promise, new_due_at=new_due_at, actor=actor, agreement=agreement, now=now,
                     note="Client's time zone or quiet hours changed")
        move_what_was_promised(case, promise, new_due_at)
        refresh_counters(case)
        moved.setdefault(case.pk, []).append(promise.pk)
    return moved
