"""The promise ledger: every promise is opened, kept, broken, moved or withdrawn here, and only here.
Kept late is broken (the late fulfilment is still recorded in kept_at). A deadline that has passed
cannot be talked away: any change to a pending promise past its deadline first records it broken,
with the sweep's escalation and emails (`settle_if_overdue`)."""
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..bounds import check_eta_range, check_move
from ..errors import CaseRuleError
from ..formatting import case_context, person, when
from ..models import Promise, PromiseKind, PromiseStatus
from ..notices import notify
from ..schedule import follow_up_due, next_allowed_for_client, on_day_outside_quiet_for_client
from ..workflow import Record, ensure_allows, live_promise_q
from .agreements import agreement_from
from .broken import break_promises
from .common import ensure_can_work, event_record, lock_case, refresh_counters


def allowed_due(case, kind, due_at):
    """When a promise of `kind` asked for at `due_at` falls due: never inside the client's quiet hours.
    The one rule every deadline is read through (items, estimates, updates, follow-ups, renegotiations,
    a change of the client's time zone or quiet hours), and the one `promise_open` holds. A deadline
    inside the quiet hours moves to when they end; a status update of a cadence agreed for business
    hours also waits for them; a follow-up call stays on its day (cases.schedule), unless the time before
    that day's quiet hours has already passed: then it waits for them to end, never falling due in the past.
    A status update is kept by one given in the interval before its deadline: one whose whole interval lies
    in the quiet hours (or outside business hours, for a business-hours cadence) could be kept only by
    reaching the client when they asked not to be reached, so it falls due one interval later, when that is
    allowed (found by a review: an hourly update moved to 07:00, the end of the quiet hours, broke every
    morning at 07:01). Read twice, a deadline stays where it is."""
    if due_at is None:
        return None
    if kind == PromiseKind.FOLLOW_UP:
        on_day = on_day_outside_quiet_for_client(due_at, case.client)
        if on_day < due_at and on_day <= timezone.now():
            return next_allowed_for_client(due_at, case.client)
        return on_day
    hours_only = kind == PromiseKind.STATUS_UPDATE and case.cadence_business_hours_only
    allowed = next_allowed_for_client(due_at, case.client, business_hours_only=hours_only)
    if kind != PromiseKind.STATUS_UPDATE or not case.cadence_minutes:
        return allowed
    if next_allowed_for_client(_beats(case, allowed, -1), case.client, business_hours_only=hours_only) >= allowed:
        later = _beats(case, allowed, 1)  # unless that is not allowed either (quiet hours leaving less than a beat)
        if next_allowed_for_client(later, case.client, business_hours_only=hours_only) == later:
            return later
    return allowed


def _beats(case, instant, n):
    """`instant` moved by `n` intervals of the case's cadence; one of whole days on the client's clock, as
    status_update_due counts it (found by an audit: across the autumn change, 24 hours back from Sunday's
    07:00 slot fell in the quiet hours before Saturday's, and the daily update skipped to Monday)."""
    if case.cadence_minutes % DAY_MINUTES:
        return instant + n * dt.timedelta(minutes=case.cadence_minutes)
    local = instant.astimezone(case.client.tz)
    moved = dt.datetime.combine(local.date() + dt.timedelta(days=n * case.cadence_minutes // DAY_MINUTES),
                                local.time(), tzinfo=case.client.tz)
    return moved.astimezone(dt.timezone.utc)


def slot_opens(case, promise):
    """When the beat of the status-update `promise` opens: one interval of the cadence before its deadline,
    on the client's clock for a cadence of whole days (_beats). An update from then to the deadline keeps
    it and keeps the rhythm; one before is an extra (services.updates). Found by an audit: 24 hours back
    across the spring change reached into the day before, and an update before Saturday's slot kept Sunday's."""
    return _beats(case, promise.due_at, -1)


def handover_cutoff(*, new_holder, actor, now):
    """Who holds a promise when its work changes hands (an item given to a teammate or taken back, a case
    handed over or reassigned): the new holder takes a promise due after the returned instant, and the
    rest stay on the count of the one who held them. Someone who takes the work on themselves takes
    every promise still ahead; given it by someone else, only those with at least HANDOVER_MIN_MINUTES
    to run, so a promise about to break cannot be handed to a teammate's figures (the work goes; the
    count stays)."""
    if new_holder == actor:
        return now
    return now + handover_window()


def handover_window():
    return dt.timedelta(minutes=settings.HANDOVER_MIN_MINUTES)


def promise_holder(holder, new_holder, *, actor, due_at, now):
    """Who holds a promise due at `due_at` once its work goes from `holder` to `new_holder`
    (`handover_cutoff`)."""
    if holder == new_holder or due_at > handover_cutoff(new_holder=new_holder, actor=actor, now=now):
        return new_holder
    return holder


def holder_after_move(holder, *, actor, old_due_at, new_due_at, now):
    """Who holds a promise whose deadline `actor` moves from `old_due_at` to `new_due_at`, its work staying with
    `holder`: the holder, unless someone else brought the deadline closer, to less than HANDOVER_MIN_MINUTES
    away: then the one who moved it, as a promise handed on that close stays with the one who had it
    (handover_cutoff). Found by a red team: an owner gave their breaking item to a teammate with hours added,
    then moved it back to ten minutes away. A deadline after one that passed is brought closer from nothing."""
    if actor is None or _pk(holder) == _pk(actor) or (old_due_at < new_due_at and old_due_at > now):
        return holder
    return holder if new_due_at > handover_cutoff(new_holder=holder, actor=actor, now=now) else actor


# A promise that follows its work (promise_pass, promises_pass) remembers when it came to its holder
# (Promise.taken_at: `arrived_at`) and, when its holder took the work on themselves inside its cutoff, whom
# from (Promise.taken_from). Work given back to that one takes the promise back with it, however close its
# deadline. Found by an audit: a supervisor took a rep's case two minutes before an update fell due and gave
# it back a minute later; the rep worked the case and missed the update, and the break, its escalation and
# the late estimate were counted for the supervisor. Given on to anyone else, the work leaves the promise
# with the one who took it, and the take is forgotten; so is one the deadline had room for when it was made.


def _pk(user):
    return getattr(user, "pk", user)


def arrived_at(promise):
    """When `promise` came to its holder: handed on (`taken_at`), else when it opened."""
    return promise.taken_at or promise.created_at


def taken_inside_cutoff(due_at, at):
    return due_at - at <= handover_window()


def promise_pass(promise, work_to, *, actor, now, at=None, returned=False, restored=False):
    """The pending `promise` follows its work to `work_to` (promise_holder: with time to keep it, or taken
    on oneself; `returned`: to them whatever its deadline; and back to whom it was taken from: above). `at`: when
    the work was given (a hand-back answered later). `restored`: a kept promise pending again (the delivery it
    kept undone), which nobody takes. Returns the fields to save."""
    at, to_id, old = at or now, _pk(work_to), promise.owner_id
    if returned or (not restored and promise.taken_from_id == to_id):
        holder = to_id
    else:
        holder = promise_holder(old, to_id, actor=_pk(actor), due_at=promise.due_at, now=at)
    if holder == old:
        if promise.taken_from_id is None or to_id == old:
            return []
        promise.taken_from_id = None  # given on to someone else: it stays with the one who took it
        return ["taken_from"]
    back = not restored and promise.taken_from_id == holder
    took = not restored and holder == _pk(actor) and taken_inside_cutoff(promise.due_at, at)
    promise.owner_id, promise.taken_from_id = holder, old if took else None
    # Back with its holder, or returned by a decline: as if it had never left (not "given lately" again at once).
    promise.taken_at = None if back or returned else now
    return ["owner", "taken_from", "taken_at"]


def promises_pass(held, *, old_id, new_holder, actor, now):
    """promise_pass for the pending promises `held` (a queryset of `old_id`'s) of a case handed on at once
    to `new_holder` by `actor` (cases.services.handoffs), in a few statements."""
    new_id, window = _pk(new_holder), handover_window()
    held.filter(taken_from=new_id).update(owner=new_id, taken_from=None, taken_at=None)
    ahead = held.filter(due_at__gt=handover_cutoff(new_holder=new_id, actor=_pk(actor), now=now))
    if new_id == _pk(actor):  # taken on themselves: those inside the cutoff remember whom from
        ahead.filter(due_at__lte=now + window).update(owner=new_id, taken_from=old_id, taken_at=now)
    ahead.update(owner=new_id, taken_from=None, taken_at=now)
    held.update(taken_from=None)  # those staying: the work went on to someone else


def promise_open(*, case, kind, due_at, owner, source, action_item=None, replaces=None, actor=None,
                 moved_count=0, agreement=None, after_missed=False):
    if due_at is None:
        raise CaseRuleError("A promise needs a deadline.", field="due_at")
    if allowed_due(case, kind, due_at) != due_at:  # callers move it first; nothing opens inside quiet hours
        raise CaseRuleError(f"That deadline falls in {case.client.name}'s quiet hours: choose a time when they may "
                            "be reached.", field="due_at")
    promise = Promise.objects.create(case=case, kind=kind, due_at=due_at, owner=owner, source=source[:300],
                                     action_item=action_item, replaces=replaces, moved_count=moved_count,
                                     agreed_channel=agreement.channel if agreement else "",
                                     agreed_text=agreement.text if agreement else "", after_missed=after_missed)
    event_record(case=case, actor=actor, verb="promise made", note=source,
                 data={"promise": promise.pk, "kind": kind, "due_at": due_at.isoformat()})
    return promise


def _overdue(promise, now):
    return promise.status == PromiseStatus.PENDING and promise.due_at <= now


def _mark_broken(*, case, promise, now, next_beats=True):
    """The one way a pending promise becomes broken, whoever notices first (the sweep, or a rep's change
    after the deadline): recorded, escalated, and the owner and supervisors told, exactly once (the
    caller holds the case lock and has re-read the promise as pending). The sweep breaks its batch
    through the same code (services/broken.py). Returns the escalation, or None if one was already
    open for it."""
    return break_promises([(case, promise)], now=now, next_beats=next_beats)[promise.pk]


def settle_if_overdue(*, case, promise, now=None, next_beats=True):
    """A deadline that has passed cannot be talked away: before any change to a pending promise, if its
    deadline has passed it is first recorded broken (a status update's next beat opening after it, as
    when the sweep breaks it, unless the caller opens the successor itself). Returns True when it was."""
    now = now or timezone.now()
    if not _overdue(promise, now):
        return False
    _mark_broken(case=case, promise=promise, now=now, next_beats=next_beats)
    return True


def pending_update_now(case, now):
    """The case's pending status update once the ledger is brought up to date as the sweep would: one
    whose deadline has passed is broken first, and the beat after it is the pending one. Whatever a rep
    does next then meets the same ledger whether or not the sweep got there first."""
    promise = pending_promise(case, PromiseKind.STATUS_UPDATE)
    if promise is not None and _overdue(promise, now):
        promise.case = case
        settle_if_overdue(case=case, promise=promise, now=now)
        promise = pending_promise(case, PromiseKind.STATUS_UPDATE)
    return promise


def promise_fulfil(*, promise, at, actor=None):
    """Record that what was promised happened at `at`: kept if on time. Late, it is broken (with the
    sweep's escalation and emails if the sweep had not got there first) and the late fulfilment is
    recorded on it."""
    if promise.status == PromiseStatus.PENDING and at > promise.due_at:
        _mark_broken(case=promise.case, promise=promise, now=max(at, timezone.now()))
    if promise.status == PromiseStatus.PENDING:
        promise.kept_at = at
        promise.closed_at = at
        promise.status = PromiseStatus.KEPT
        promise.save(update_fields=["status", "kept_at", "closed_at"])
        event_record(case=promise.case, actor=actor, verb="promise kept", note=promise.source,
                     data={"promise": promise.pk})
    elif promise.status == PromiseStatus.BROKEN and promise.kept_at is None:
        promise.kept_at = at
        promise.save(update_fields=["kept_at"])
        event_record(case=promise.case, actor=actor, verb="broken promise fulfilled late", note=promise.source,
                     data={"promise": promise.pk})
    return promise


def promise_withdraw(*, promise, actor, note, now=None):
    """A promise that no longer applies (its item cancelled, the case closed by a supervisor, the plan
    reopened): withdrawn, with no successor, so it counts neither as kept nor as broken. Unless its
    deadline has already passed: then it was broken, and stays so."""
    if promise.status != PromiseStatus.PENDING:
        return promise
    if settle_if_overdue(case=promise.case, promise=promise, now=now):
        return promise
    promise.status = PromiseStatus.WITHDRAWN
    promise.closed_at = timezone.now()
    promise.save(update_fields=["status", "closed_at"])
    event_record(case=promise.case, actor=actor, verb="promise withdrawn", note=note, data={"promise": promise.pk})
    return promise


def move_counted_for(promise, actor):
    """The id of the rep whose renegotiated share a move (or drop) of `promise` by `actor` counts in
    (Promise.moved_by, cases.metrics.dashboard.COUNTED_FOR): the rate it keeps. The holder's, or the one it
    was taken from inside its cutoff (Promise.taken_from: the take and the move together keep that rate);
    an owner moving a teammate's item takes the move (found by an earlier audit: it sat on the teammate).
    Found by audits: a supervisor (an irate case's co-owner, say) moving a rep's deadline two minutes before
    it broke, or cancelling their item, left the rep's rate kept by the move and their share at 0%, the move
    on a supervisor's row with nothing else; so did one who took the item or the case first."""
    if promise.taken_from_id is not None:
        return promise.taken_from_id
    actor_id = _pk(actor)
    if actor_id == promise.case.owner_id and promise.kind == PromiseKind.ACTION_ITEM:
        return actor_id
    return promise.owner_id


DROPPED = "promise dropped with the client's agreement"  # the event verbs of promise_drop
MOVED_BY_REOPEN = "follow-up call moved by a reopen"
RENEGOTIATED_VERB = "promise renegotiated"  # promise_move's
MOVE_VERBS = (RENEGOTIATED_VERB, DROPPED, MOVED_BY_REOPEN)  # every event that closes a promise as renegotiated


def promise_drop(*, promise, actor, note, agreement=None, now=None):
    """A promise let go of before its deadline with no successor, as a move: the client agreed (its item
    cancelled; the agreement is on the timeline), or the case reopened before the follow-up call (the
    call moves to after the next delivery, `agreement` None). Closed as renegotiated, so it counts in the
    renegotiated share like any moved deadline, and cancelling and re-adding the work, or reopening and
    resolving again, moves nothing uncounted. Past its deadline it was broken, and stays so."""
    if promise.status != PromiseStatus.PENDING:
        return promise
    if settle_if_overdue(case=promise.case, promise=promise, now=now):
        return promise
    promise.status, promise.closed_at = PromiseStatus.RENEGOTIATED, now or timezone.now()
    promise.moved_by_id = move_counted_for(promise, actor)
    promise.save(update_fields=["status", "closed_at", "moved_by"])
    said = f"{note} — {agreement.describe()}" if agreement else note
    event_record(case=promise.case, actor=actor, verb=DROPPED if agreement else MOVED_BY_REOPEN, note=said,
                 data={"promise": promise.pk, "agreed_channel": agreement.channel if agreement else ""})
    return promise


def promise_move(*, promise, new_due_at, actor, note, owner=None, agreement=None, now=None, source=None):
    """The one way a pending promise's deadline (or what it promises: `source`) changes. If the old
    deadline has passed, the old promise is broken first (it cannot be renegotiated after the fact) and
    the new one opens after it, as it does after one the sweep already broke (standing_promise).
    Otherwise the old one closes as renegotiated and its successor counts one more move and carries the
    client's agreement. Returns the new promise."""
    now = now or timezone.now()
    case = promise.case
    # A missed update's successor still answers to the miss (Promise.after_missed): the next update is the
    # late one, whether the update broke just now or its beat was already waiting.
    after_missed = promise.after_missed
    if promise.status == PromiseStatus.BROKEN or settle_if_overdue(case=case, promise=promise, now=now,
                                                                    next_beats=False):  # the successor opens below
        after_missed = after_missed or promise.kind == PromiseKind.STATUS_UPDATE
        moved_count = promise.moved_count
        event_record(case=case, actor=actor, verb="new deadline after a broken promise",
                     note=note, data={"promise": promise.pk, "new_due_at": new_due_at.isoformat()})
    else:
        moved_count = promise.moved_count + 1
        promise.status, promise.closed_at = PromiseStatus.RENEGOTIATED, now
        promise.moved_by_id = move_counted_for(promise, actor)
        promise.save(update_fields=["status", "closed_at", "moved_by"])
        said = f"{note} — {agreement.describe()}" if agreement else note
        event_record(case=case, actor=actor, verb=RENEGOTIATED_VERB, note=said,
                     data={"promise": promise.pk, "old_due_at": promise.due_at.isoformat(),
                           "new_due_at": new_due_at.isoformat(), "moves": moved_count,
                           "agreed_channel": agreement.channel if agreement else ""})
    if owner is None:  # whoever holds the work now, if the new deadline leaves them time
        item = promise.action_item  # handed back and not yet answered: the owner's work (items.action_item_hand_back)
        works_it = item.assignee if item and item.assignee and not item.handback_at else case.owner
        owner = promise_holder(promise.owner, works_it, actor=actor, due_at=new_due_at, now=now)
        owner = holder_after_move(owner, actor=actor, old_due_at=promise.due_at, new_due_at=new_due_at, now=now)
    successor = promise_open(case=case, kind=promise.kind, due_at=new_due_at, owner=owner,
                             source=source or promise.source, action_item=promise.action_item, replaces=promise,
                             actor=actor, moved_count=moved_count, agreement=agreement, after_missed=after_missed)
    if successor.owner_id == promise.owner_id and (promise.taken_at or promise.taken_from_id):
        # The same holder's commitment, moved: it came to them when its predecessor did (arrived_at), from whom
        # that was taken (promise_pass), unless the taker brought it closer (then given back, not "however close").
        taken_from = promise.taken_from_id if new_due_at >= promise.due_at else None
        successor.taken_at, successor.taken_from_id = arrived_at(promise), taken_from
        successor.save(update_fields=["taken_at", "taken_from"])
    tell_holder_of_move(successor, old_due_at=promise.due_at, actor=actor, now=now, was=promise.owner)
    return successor


def tell_holder_of_move(successor, *, old_due_at, actor, now, was):
    """Whoever held a deadline someone else moved (`was`: pulled in onto the mover's count, still their work)
    and whoever holds it now hear it from the app (case_news), not from the next reminder (a red team's)."""
    if actor is None or successor.due_at == old_due_at:
        return
    case = successor.case
    for reader in {p.pk: p for p in (was, successor.owner) if p is not None}.values():
        if reader.pk == actor.pk or not reader.is_active or not reader.email:
            continue
        due = when(successor.due_at, client=case.client, reader=reader, now=now)
        yours = f" ({due['reader_time']} your time)" if due["reader_time"] else ""
        notify(key=f"deadline-moved:{successor.pk}:{reader.pk}", kind="case_news", case=case, to=[reader.email],
               context={**case_context(case), "by": person(actor),
                        "headline": f"A deadline {'you hold' if reader == successor.owner else 'on your work'} "
                                    f"moved: “{successor.source[:80]}” is now due {due['client_time']} the "
                                    f"client's time{yours}"})


def standing_promise(case, kind, *, action_item=None):
    """The promise of `kind` (of `action_item`) the client holds: the pending one, or the latest one when
    its deadline passed and it was broken with nothing opened after it. A new deadline then meets the same
    rules (the client's agreement, the horizon) and follows it in the history, whether or not the sweep
    broke it first."""
    qs = case.promises.filter(kind=kind)
    if action_item is not None:
        qs = qs.filter(action_item=action_item)
    latest = qs.order_by("-id").first()
    return latest if latest is not None and latest.status in (PromiseStatus.PENDING, PromiseStatus.BROKEN) else None


def pending_promise(case, kind, *, action_item=None):
    qs = case.promises.filter(status=PromiseStatus.PENDING, kind=kind)
    if action_item is not None:
        qs = qs.filter(action_item=action_item)
    return qs.first()


@transaction.atomic
def promise_renegotiate(*, user, promise, new_due_at, agreed_channel, agreed_text):
    """The client agreed a new deadline: the old promise closes as renegotiated, a new one opens, and
    the thing promised (item due time, ETA, follow-up date) moves with it. The new deadline stays within
    the kind's horizon, and the agreement (channel, what the client said) is recorded. A deadline that
    has already passed is broken first."""
    case = lock_case(promise.case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.RENEGOTIATION)
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != PromiseStatus.PENDING:
        raise CaseRuleError("Only a pending promise can be renegotiated.")
    promise.case = case
    now = timezone.now()
    if promise.kind == PromiseKind.STATUS_UPDATE:  # the ledger as the sweep would have it: the same count either way
        promise = pending_update_now(case, now)
        promise.case = case
    check_move(promise.kind, new_due_at, now=now)
    agreement = agreement_from(agreed_channel, agreed_text)
    asked = new_due_at
    new_due_at = allowed_due(case, promise.kind, new_due_at)
    if new_due_at != asked:  # moved out of the client's quiet hours: the horizon holds for where it lands
        try:
            check_move(promise.kind, new_due_at, now=now)
        except CaseRuleError as exc:
            raise CaseRuleError(f"That time falls in {case.client.name}'s quiet hours, and the nearest time "
                                f"outside them is not allowed. {exc.message}", field=exc.field) from None
    if promise.kind == PromiseKind.ETA and case.eta_earliest:
        # A later latest end widens the range the client holds: as narrow as a range given in the estimate
        # form must be (or give a new estimate, both ends agreed, there).
        check_eta_range(case.eta_earliest, new_due_at, now=now, field="new_due_at")
    new = promise_move(promise=promise, new_due_at=new_due_at, actor=user, note="New deadline agreed with the client.",
                       agreement=agreement, now=now)
    move_what_was_promised(case, promise, new_due_at)
    refresh_counters(case)
    return new


def move_what_was_promised(case, promise, new_due_at):
    """After `promise_move`, the thing promised follows its new deadline: the item's due time, or the
    estimate's latest end (its earliest end never after it)."""
    if promise.kind == PromiseKind.ACTION_ITEM and promise.action_item:
        promise.action_item.due_at = new_due_at
        promise.action_item.reminded_at = None
        promise.action_item.overdue_notified_at = None
        promise.action_item.save(update_fields=["due_at", "reminded_at", "overdue_notified_at"])
    elif promise.kind == PromiseKind.ETA:
        case.eta_latest = new_due_at
        if case.eta_earliest and case.eta_earliest > new_due_at:
            case.eta_earliest = new_due_at
        case.save(update_fields=["eta_earliest", "eta_latest", "updated_at"])


DAY_MINUTES = 24 * 60


def status_update_due(case, start):
    """One interval after `start` (_beats: an interval of whole days is counted on the client's clock, "every
    day" the same time tomorrow for them across their daylight-saving change too; found by a review: adding
    1,440 minutes drifted the daily update an hour at each change), read through allowed_due."""
    return allowed_due(case, PromiseKind.STATUS_UPDATE, _beats(case, start, 1))


def next_beat_due(case, missed_due, now):
    """When the beat after a missed update falls due: a cadence after the missed deadline; when that has
    passed too (the sweep could not run for a while: a worker down), a cadence from `now`, so a silence
    nobody could see is one broken promise, not a chain of them broken at once."""
    due_at = status_update_due(case, missed_due)
    return due_at if due_at > now else status_update_due(case, now)


def status_update_source(case):
    return f"Update {case.client.name} by {case.get_cadence_channel_display().lower()}"


def open_next_status_update(*, case, start, actor, after_missed=False):
    return promise_open(case=case, kind=PromiseKind.STATUS_UPDATE, due_at=status_update_due(case, start),
                        owner=case.owner, source=status_update_source(case), actor=actor, after_missed=after_missed)


def update_missed_unanswered(case):
    """Whether the case's latest status update was broken and no late update has answered it yet."""
    latest = (case.promises.filter(kind=PromiseKind.STATUS_UPDATE).order_by("-due_at", "-id")
              .values_list("status", "kept_at").first())
    return latest is not None and latest[0] == PromiseStatus.BROKEN and latest[1] is None


def retime_beat(*, case, beat, due_at, actor, answered, now, owner=None):
    """Move the beat after a missed update in place, without counting a renegotiation: a cadence after
    the late update that answers the miss (`answered`: it is an ordinary pending update from then on, held
    by the case's owner), or to a new agreed rhythm's next slot, or back (`owner`: who holds it, if not so). Its
    reminder, if any, is taken back (the key names the old due time) and it is reminded from now."""
    fields = {"due_at": due_at, "reminded_at": None, "created_at": now}
    if owner is not None or answered:  # answered: an ordinary update from then on, the case owner's if no one else's
        fields["owner"] = owner or case.owner_id
    if answered:
        fields["after_missed"] = False
    Promise.objects.filter(pk=beat.pk).update(**fields)
    event_record(case=case, actor=actor, verb="next update re-timed", note=beat.source,
                 data={"promise": beat.pk, "old_due_at": beat.due_at.isoformat(), "due_at": due_at.isoformat(),
                       "old_owner": beat.owner_id})  # an undone late update puts both back (updates_undone._undo_late)


def open_follow_up(*, case, day, actor):
    return promise_open(case=case, kind=PromiseKind.FOLLOW_UP, due_at=follow_up_due(day, case.client),
                        owner=case.owner, source=f"Follow-up call to {case.client.name} on {day:%d %b %Y}",
                        actor=actor)


@transaction.atomic
def promise_break(*, promise, now=None):
    """Break one promise now, if it is due (the sweep breaks a batch: services/broken.py). Locks the
    case, then the promise, and re-checks under the lock that it is still pending, due, and live in
    the case's step (cases.workflow), so two callers at once produce one effect. Returns (promise,
    escalation) when this call broke it, or None when it was not (or no longer) pending and due. The
    escalation is None if one was already open for this promise."""
    now = now or timezone.now()
    case = lock_case(Promise.objects.only("case_id").get(pk=promise.pk).case)
    promise = (Promise.objects.select_for_update().select_related("owner")
               .filter(live_promise_q(prefix="case__")).filter(pk=promise.pk).first())
    if promise is None or not _overdue(promise, now):
        return None
    promise.case = case
    escalation = _mark_broken(case=case, promise=promise, now=now)
    return promise, escalation
