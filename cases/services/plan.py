"""Step 5 onwards: the update cadence and the ETA range, each with its promise in the ledger (action
items are in items.py). What step allows them is cases.workflow's call; how far they reach is
cases.bounds'. A form drawn before either changed does not undo the change unseen (cadence_mark, eta_mark)."""
import hashlib

from django.db import transaction
from django.utils import timezone

from ..bounds import check_cadence, check_eta, check_eta_range, check_move
from ..errors import CaseRuleError
from ..formatting import case_context, when
from ..models import Channel, PromiseKind, PromiseStatus, StatusUpdate
from ..notices import notify
from ..schedule import has_allowed_time
from ..text import LINE
from ..workflow import Record, ensure_allows
from .common import display_name, ensure_can_work, event_record, lock_case, refresh_counters, require_text
from .agreements import agreement_from
from .promises import (
    allowed_due, holder_after_move, open_next_status_update, pending_update_now, promise_move, promise_open,
    retime_beat, settle_if_overdue, standing_promise, status_update_due, tell_holder_of_move,
)


def _notify_assignee(*, case, item, actor, again=False):
    """Tell the item's new assignee (not one who gave it to themselves). `again`: a later change of hands,
    so an item given back to someone who held it before tells them again (its own key)."""
    if item.assignee_id and item.assignee_id != actor.pk and item.assignee.email:
        now = timezone.now()
        due = when(item.due_at, client=case.client, reader=item.assignee, now=now) if item.due_at else None
        notify(
            key=f"item-assigned:{item.pk}:{item.assignee_id}" + (f":{now.timestamp():.6f}" if again else ""),
            kind="item_assigned", case=case,
            to=[item.assignee.email],
            context={**case_context(case), "item": item.description, "due": due, "by": display_name(actor)},
        )


SPARSER_WHY = ("Fewer updates than the client agreed to (a longer interval, or business hours only) is a "
               "change they must agree to, and counts as a renegotiation. ")


def _agreement_if_moving(promise, new_due, agreed_channel, agreed_text, now):
    """Moving a pending promise that is not yet due is a renegotiation: the client's agreement is needed
    and the kind's horizon applies. A due one is broken by promise_move whatever is said."""
    if promise is None or new_due == promise.due_at or promise.due_at <= now:
        return None
    check_move(promise.kind, new_due, now=now, field="new_due_at")
    return agreement_from(agreed_channel, agreed_text)


def _standing_estimate(case):
    """The estimate promise the client holds (promises.standing_promise: pending, or broken by its deadline
    with nothing opened after it), while the case still shows the range it came from. Found by an audit: after
    a missed estimate a new range opened a fresh promise on the rep's word alone, and its arrival counted kept.
    A new cycle whose estimate was not left standing (transitions._back_to_plan clears the range) starts
    with a promise of its own."""
    return standing_promise(case, PromiseKind.ETA) if case.eta_latest is not None else None


def _range_told(case, promise, now):
    """Whether the client holds a range from us that still stands (its latest end not yet passed)."""
    return case.eta_earliest is not None and promise is not None and promise.due_at > now


def _mark(*values):
    text = "\x1f".join("" if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cadence_words(case):
    if not case.cadence_minutes:
        return "no cadence"
    return (f"every {case.cadence_minutes} min by {case.get_cadence_channel_display().lower()}"
            + (" during business hours" if case.cadence_business_hours_only else ""))


def cadence_mark(case):
    """The cadence as a page shows it (interval, channel, business hours), in a few characters: the cadence
    form's hidden `cadence_shown`."""
    return _mark(case.cadence_minutes, case.cadence_channel, bool(case.cadence_business_hours_only))


def cadence_changed_since(case, cadence_shown):
    """Why a cadence form drawn when the cadence was `cadence_shown` (cadence_mark) must not be sent, or "":
    the cadence changed since, and the old form would put back what the client agreed to change (found by an
    audit: a rep relaxing the interval put back the phone the client had just swapped for email). None: no
    mark was drawn, nothing to check."""
    if cadence_shown is None or cadence_shown == cadence_mark(case):
        return ""
    return (f"Since this page was opened the cadence changed to {_cadence_words(case)}: check each field "
            "against it, then send again.")


def eta_mark(case):
    """The estimate as a page shows it (its earliest and latest ends, the pending promise's deadline), in a
    few characters: the estimate form's hidden `eta_shown`."""
    due = (case.promises.filter(kind=PromiseKind.ETA, status=PromiseStatus.PENDING).order_by("-pk")
           .values_list("due_at", flat=True).first())
    return _mark(case.eta_earliest, case.eta_latest, due)


def eta_changed_since(case, eta_shown):
    """Why an estimate form drawn when the estimate was `eta_shown` (eta_mark) must not be sent, or "": it
    changed since (a deadline renegotiated with the client, a teammate's new range), and an end left as the
    old page showed it would be read as a new one and move it back (found by an audit). None: no mark."""
    if eta_shown is None or eta_shown == eta_mark(case):
        return ""
    if case.eta_earliest and case.eta_latest:
        range_now = _range_note(case, case.eta_earliest, case.eta_latest)
        now = f"now {range_now[:1].lower()}{range_now[1:]}"
    else:
        now = "there is none now"
    return f"Since this page was opened the estimate changed ({now}): check both ends against it, then send again."


@transaction.atomic
def cadence_set(*, user, case, minutes, channel, business_hours_only=False, note="", agreed_channel="",
                agreed_text="", cadence_shown=None):
    """Agree (or relax) how often and how the client hears from us. Opens the status-update promise, or
    moves the pending one (a renegotiation: the client's agreement is recorded). A sparser rhythm than
    the one agreed needs that agreement even when the pending slot stays put, and renegotiates it."""
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.CADENCE)
    stale = cadence_changed_since(case, cadence_shown)  # the form's check, again under the lock
    if stale:
        raise CaseRuleError(stale, field="minutes")
    minutes = check_cadence(minutes)
    if channel not in Channel.values:
        raise CaseRuleError("Choose how the client will hear from you.", field="channel")
    client = case.client
    if business_hours_only and not has_allowed_time(tz=client.tz, quiet_start=client.quiet_hours_start,
                                                    quiet_end=client.quiet_hours_end, business_hours_only=True):
        raise CaseRuleError(f"{client.name}'s quiet hours cover the whole business day, so no update could ever "
                            "fall due: change the quiet hours or agree updates outside business hours.",
                            field="business_hours_only")
    note = require_text(note, field="note", message="", limit=LINE) if note else ""
    now = timezone.now()
    old = (case.cadence_minutes, case.cadence_channel, case.cadence_business_hours_only)
    promise = pending_update_now(case, now)  # an overdue one broken first, as the sweep would
    case.cadence_minutes, case.cadence_channel = minutes, channel
    case.cadence_business_hours_only = bool(business_hours_only)
    last = (StatusUpdate.objects.given().filter(case=case).order_by("-given_at")  # the client was given it
            .values_list("given_at", flat=True).first())
    start = last if last and status_update_due(case, last) > now else now
    new_due = status_update_due(case, start)
    # Fewer updates than agreed (a longer interval, business hours only switched on) changes every later
    # slot even when the pending one stays put: the client's agreement, counted on the pending promise.
    sparser = old[0] is not None and (minutes > old[0] or (case.cadence_business_hours_only and not old[2]))
    # The beat after a missed update (Promise.after_missed) is the system's, not a deadline the rep gave:
    # a rhythm no sparser only brings it earlier, in place, uncounted; never later without the client.
    beat = promise is not None and promise.after_missed and not sparser
    agreement = None if beat else _agreement_if_moving(promise, new_due, agreed_channel, agreed_text, now)
    if sparser and agreement is None:
        agreement = agreement_from(agreed_channel, agreed_text, why=SPARSER_WHY)
    case.cadence_set_at = now
    case.save(update_fields=["cadence_minutes", "cadence_channel", "cadence_business_hours_only",
                             "cadence_set_at", "updated_at"])
    event_record(case=case, actor=user, verb="cadence agreed",
                 note=f"Every {case.cadence_minutes} min by {case.get_cadence_channel_display().lower()}"
                      + (" during business hours" if business_hours_only else "") + (f" — {note}" if note else "")
                      + (f" — {agreement.describe()}" if agreement else ""),
                 data={"old": list(old)})
    if beat:
        if new_due < promise.due_at:  # brought closer by someone else: theirs inside the cutoff (holder_after_move)
            holder = holder_after_move(promise.owner, actor=user, old_due_at=promise.due_at, new_due_at=new_due,
                                       now=now)
            retime_beat(case=case, beat=promise, due_at=new_due, actor=user, answered=False, now=now, owner=holder)
            was, old_due, promise.due_at, promise.owner = promise.owner, promise.due_at, new_due, holder
            tell_holder_of_move(promise, old_due_at=old_due, actor=user, now=now, was=was)
    elif promise and (new_due != promise.due_at or (sparser and promise.due_at > now)):
        promise_move(promise=promise, new_due_at=new_due, actor=user, note="Update cadence changed.",
                     agreement=agreement, now=now)
    elif promise:
        settle_if_overdue(case=case, promise=promise, now=now)
        if promise.status != PromiseStatus.PENDING:
            open_next_status_update(case=case, start=now, actor=user)
    else:
        open_next_status_update(case=case, start=start, actor=user)
    refresh_counters(case)
    return case


def _range_note(case, earliest, latest):
    """The range on the timeline, on the client's clock with its zone named: every reader sees the same
    words (found by a review: written on the clock of whoever gave it, with no zone, it read differently
    from the estimate block beside it for a supervisor in another zone)."""
    tz = case.client.tz
    return (f"Between {timezone.localtime(earliest, tz):%d %b %H:%M} and {timezone.localtime(latest, tz):%d %b %H:%M} "
            f"{case.client.time_zone} time")


@transaction.atomic
def eta_set(*, user, case, earliest, latest, note="", agreed_channel="", agreed_text="", eta_shown=None):
    """The outcome answer: an estimate as a range, at most ETA_MAX_DAYS ahead. The latest end is a
    promise; moving either end of a range the client holds is a renegotiation (their agreement is
    recorded, and it counts)."""
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.ETA)
    stale = eta_changed_since(case, eta_shown)  # the form's check, again under the lock
    if stale:
        raise CaseRuleError(stale, field="eta_latest")
    if earliest is None or latest is None:
        raise CaseRuleError("Give both ends of the range.", field="eta_latest" if earliest else "eta_earliest")
    if earliest > latest:
        raise CaseRuleError("The earliest estimate must not be later than the latest.", field="eta_earliest")
    now = timezone.now()
    if latest <= now:
        raise CaseRuleError("The latest estimate must be in the future.", field="eta_latest")
    if earliest < now.replace(second=0, microsecond=0):
        raise CaseRuleError("The earliest estimate cannot be in the past: it tells the client from when to "
                            "expect the fix.", field="eta_earliest")
    promise = _standing_estimate(case)
    asked = latest
    if promise is None or latest != promise.due_at:  # a new latest end: where it falls due (quiet hours)
        latest = allowed_due(case, PromiseKind.ETA, latest)
    check_eta(latest, now=now)
    if (earliest, latest) != (case.eta_earliest, case.eta_latest):  # the range given before, sent again, stands
        check_eta_range(earliest, latest, now=now)
    note = require_text(note, field="note", message="", limit=LINE) if note else ""
    if promise is not None and promise.due_at <= now:
        # A missed estimate (broken by the sweep, or below by promise_move): the new latest end is still a
        # deadline the client must agree to, within the horizon, as after a missed item's due time.
        check_move(PromiseKind.ETA, latest, now=now, field="eta_latest")
        agreement = agreement_from(agreed_channel, agreed_text)
    else:
        agreement = _agreement_if_moving(promise, latest, agreed_channel, agreed_text, now)
    earliest_moved = agreement is None and _range_told(case, promise, now) and earliest != case.eta_earliest
    if earliest_moved:
        # The range the client was given is what ETA honesty judges the arrival by: either end moves only
        # with their agreement (pulling the earliest end back would turn an early arrival into "within"),
        # and the move counts as a renegotiation of the estimate, as moving its latest end does.
        agreement = agreement_from(agreed_channel, agreed_text)
    case.eta_earliest, case.eta_latest, case.eta_given_at = earliest, latest, now
    case.save(update_fields=["eta_earliest", "eta_latest", "eta_given_at", "updated_at"])
    event_record(case=case, actor=user, verb="estimate given",
                 note=_range_note(case, earliest, latest) + (f" — {note}" if note else "")
                      + (f" — {agreement.describe()}" if agreement else ""),
                 data={"earliest": earliest.isoformat(), "latest": latest.isoformat(),
                       **({"agreed_channel": agreement.channel} if agreement else {})})
    if promise and (promise.due_at != latest or earliest_moved):  # the same deadline, renegotiated in place
        promise_move(promise=promise, new_due_at=latest, actor=user, note=note or "Estimate revised with the client.",
                     agreement=agreement, now=now)
    elif promise:
        settle_if_overdue(case=case, promise=promise, now=now)
    else:
        promise_open(case=case, kind=PromiseKind.ETA, due_at=latest, owner=case.owner,
                     source=f"Fixed for {case.client.name} by the latest estimate", actor=user)
    refresh_counters(case)
    case.moved_out_of_quiet_hours = asked != latest
    return case
