"""Action items (from `plan` on: acting before recommitting is what the recipe forbids), each with its
promise in the ledger. The owner (or a co-owner or supervisor) plans and changes them; the teammate
holding one completes it or hands it back; only the case owner or a supervisor withdraws one, with
a reason. A change after the item's deadline has passed first records its promise broken."""
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from ..bounds import (
    check_after_dropped_work, check_before_dropping_work, check_move, check_within_horizon, move_horizon,
)
from ..errors import CaseRuleError
from ..models import ActionItem, ItemKind, ItemStatus, Promise, PromiseKind, PromiseStatus
from ..permissions import can_act_on_item, can_answer_handback, can_cancel_item, can_hand_back_item
from ..text import REASON_WORDS, limit_of, require_substance, same_wording
from ..workflow import Record, ensure_allows, policy
from .common import (
    Change, display_name, ensure_can_work, event_record, lock_case, refresh_counters, require_text, what_changed,
)
from .handoffs import tell_of_move
from .marks import item_changed_since
from .plan import _notify_assignee
from .agreements import agreement_from
from .promises import (
    allowed_due, arrived_at, pending_promise, promise_drop, promise_fulfil, promise_holder,
    promise_move, promise_open, promise_pass, promise_withdraw, settle_if_overdue, standing_promise,
)


def _check_due(due_at, field="due_at"):
    if due_at is not None and due_at <= timezone.now():
        raise CaseRuleError("The due time must be in the future.", field=field)
    check_within_horizon(due_at, field=field)


def dropped_promised_work(case):
    """Whether the case let promised work go: an item cancelled while the client held its due time, its last
    promise dropped with their agreement (renegotiated, no successor) or broken (cancelled after the miss,
    or at a close after it). A draft cancelled had no promise, and one a close withdrew does not count."""
    return case.promises.filter(kind=PromiseKind.ACTION_ITEM, action_item__status=ItemStatus.CANCELLED,
                                replaced_by__isnull=True,
                                status__in=(PromiseStatus.BROKEN, PromiseStatus.RENEGOTIATED)).exists()


def _check_first_due(case, asked, due_at, *, now):
    """The first due time of an item (a new one, or a draft's): on a case that let promised work go, within
    the horizon a renegotiation of that work would keep (bounds.check_after_dropped_work), where it falls
    due. Otherwise cancelling an item and adding the same work again set its due time up to a year out
    (the sane horizon), by the rep alone after a miss, where moving it is held to RENEGOTIATE_ITEM_MAX_DAYS
    and the client's word (found by a padding review)."""
    if due_at is None or not dropped_promised_work(case):
        return
    quiet = (f"That time falls in {case.client.name}'s quiet hours, and the nearest time outside them is too far "
             "out. ") if asked != due_at else ""
    check_after_dropped_work(due_at, now=now, field="due_at", moved_out_of_quiet_hours=quiet)


def _check_promised(case, assignee, due_at):
    """Past the plan's gate (workflow: items_promised) an item is a promise at once: an owner and a due time."""
    if not policy(case.step).items_promised:
        return
    if assignee is None:
        raise CaseRuleError("The plan is agreed: give the item an owner now.", field="assignee")
    if due_at is None:
        raise CaseRuleError("The plan is agreed: give the item a due time now (it is a promise to the client).",
                            field="due_at")


REWORD_WHY = ("The client was promised this item as it was worded: changing what will be done (beyond fixing a "
              "typo) counts as a renegotiation. ")


def _item_promise_source(item, *, kind=None, description=None):
    """What an item's promise says (Promise.source): its kind and its words, as they were promised."""
    kind, description = kind or item.kind, item.description if description is None else description
    return f"{ItemKind(kind).label}: {description}"[:limit_of(Promise, "source")]


def _promised_words(promise, item):
    """The words an item's promise was made with (its source), against which an edit is checked, so
    typo after typo adds up. A promise that recorded them cut short (before they were kept whole) is
    read as the item reads now."""
    now_reads = _item_promise_source(item)
    if len(promise.source) < len(now_reads) and now_reads.startswith(promise.source):
        return now_reads
    return promise.source


def _description(value):
    """What will be done, as the client's promise says it: two different words of substance at least, as an
    audited reason ("Restore mail"; not "x", found by a review: a one-letter item due in a minute and marked
    done was a kept promise)."""
    return require_substance(value, field="description", message="Describe what will be done.",
                             limit=limit_of(ActionItem, "description"), min_words=REASON_WORDS)


def _check_kind(kind):
    if kind not in ItemKind.values:
        raise CaseRuleError("Choose whether the item mitigates, fixes or prevents.", field="kind")


@transaction.atomic
def action_item_create(*, user, case, description, kind=ItemKind.FIX, assignee=None, due_at=None):
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.ACTION_ITEM)
    description = _description(description)
    _check_kind(kind)
    if assignee is not None and not assignee.is_active:
        raise CaseRuleError("That teammate's account is inactive.", field="assignee")
    _check_due(due_at)
    asked, due_at = due_at, allowed_due(case, PromiseKind.ACTION_ITEM, due_at)
    _check_due(due_at)
    _check_first_due(case, asked, due_at, now=timezone.now())
    _check_promised(case, assignee, due_at)
    item = ActionItem(case=case, description=description, kind=kind, due_at=due_at, created_by=user)
    item.give(assignee, by=user, now=timezone.now())
    item.save()
    event_record(case=case, actor=user, verb="action item added",
                 note=f"{description} — {display_name(assignee) if assignee else 'no owner yet'}",
                 data={"item": item.pk})
    if due_at is not None:
        promise_open(case=case, kind=PromiseKind.ACTION_ITEM, due_at=due_at,
                     owner=_first_holder(case, assignee, actor=user, due_at=due_at, now=timezone.now()),
                     source=_item_promise_source(item), action_item=item, actor=user)
    _notify_assignee(case=case, item=item, actor=user)
    refresh_counters(case)
    item.moved_out_of_quiet_hours = asked != due_at
    return item


def _first_holder(case, assignee, *, actor, due_at, now):
    """Who holds an item's promise when it opens: its assignee, as if the case owner handed them the work
    (promises.promise_holder), so a promise opened onto a teammate with too little time left to keep it
    stays on the owner's count (the owner stays accountable for teammates' items)."""
    return promise_holder(case.owner, assignee or case.owner, actor=actor, due_at=due_at, now=now)


def _lock_item(case, item):
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=item.pk)
    item.case = case
    if item.status != ItemStatus.OPEN:
        raise CaseRuleError(f"This item is already {item.get_status_display().lower()}.")
    return item


def assignee_changed_since(item, assignee_shown, assignee):
    """Why an edit drawn when `assignee_shown` held the item (0: nobody) must not give it to `assignee`,
    or "": someone moved it since, and sending the old form would silently undo that (the form checks
    it first, whatever else is wrong, and is drawn again with who holds it now)."""
    now_holds = item.assignee_id or 0
    if assignee_shown is None or assignee_shown == now_holds or (assignee.pk if assignee else 0) == now_holds:
        return ""
    who = display_name(item.assignee) if item.assignee_id else "nobody"
    return f"Since this page was opened the item passed to {who}: check who should hold it, then send again."


@transaction.atomic
def action_item_update(*, user, item, description, kind, assignee, due_at, agreed_channel="", agreed_text="",
                       assignee_shown=None, item_shown=None):
    """Change an open item. A new due time, or new words for what will be done (a kind changed, more than
    a typo fixed: text.same_wording), is a renegotiation with the client (their agreement and the horizon
    apply), unless the item had no due time; past the old due time, the old promise is broken first, and
    the new time is still one the client agreed to, within the horizon (as promises.promise_renegotiate)."""
    case = lock_case(item.case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.ITEM_WORK)
    item = _lock_item(case, item)
    stale = assignee_changed_since(item, assignee_shown, assignee)
    if stale:
        raise CaseRuleError(stale, field="assignee")
    for part, sent in (("description", description), ("kind", kind), ("due_at", due_at)):  # the form's, under the lock
        stale = item_changed_since(item, item_shown, part, sent)
        if stale:
            raise CaseRuleError(stale, field=part)
    now = timezone.now()
    promise = standing_promise(case, PromiseKind.ACTION_ITEM, action_item=item)  # broken by the sweep, too
    description = _description(description)
    _check_kind(kind)
    if assignee is not None and not assignee.is_active:
        raise CaseRuleError("That teammate's account is inactive.", field="assignee")
    asked = due_at
    if due_at is not None and due_at != item.due_at:  # a new time given: where it falls due (quiet hours)
        _check_due(due_at)
        due_at = allowed_due(case, PromiseKind.ACTION_ITEM, due_at)
    moving = due_at != item.due_at
    agreement = None
    if moving:
        if due_at is None and promise is not None:
            raise CaseRuleError("A promised due time cannot be removed: agree a new one with the client, or "
                                "cancel the item.", field="due_at")
        _check_due(due_at)
        if promise is not None:  # a new deadline for the client, after a missed one too (broken first, below)
            check_move(PromiseKind.ACTION_ITEM, due_at, now=now, field="due_at")
            agreement = agreement_from(agreed_channel, agreed_text)
        else:  # a draft's first due time: a promise opens, as for a new item
            _check_first_due(case, asked, due_at, now=now)
    reworded = promise is not None and not same_wording(
        _promised_words(promise, item), _item_promise_source(item, kind=kind, description=description))
    if reworded and not moving and promise.due_at > now:
        agreement = agreement_from(agreed_channel, agreed_text, why=REWORD_WHY)
    _check_promised(case, assignee, due_at)
    old_wording = item.description
    was = {"description": item.description, "kind": item.kind, "assignee": item.assignee, "due_at": item.due_at}
    assignee_changed = (assignee.pk if assignee else None) != item.assignee_id
    item.description, item.kind, item.due_at = description, kind, due_at
    if moving:
        item.reminded_at = item.overdue_notified_at = None
    if assignee_changed:  # the new assignee is reminded afresh (give); a hand-back pending goes with the old one
        item.give(assignee, by=user, now=now)
        item.handback_at, item.handback_note = None, ""
    item.save()
    owner = assignee or case.owner
    if promise is not None and (moving or (reworded and promise.due_at > now)):
        note = (f"The item's due time changed: {_due_words(case, was['due_at'], due_at)}." if moving
                else f"What the item promises changed (was “{old_wording}”).")
        promise_move(promise=promise, new_due_at=due_at, actor=user, note=note, now=now, agreement=agreement,
                     source=_item_promise_source(item))  # held by the item's assignee now, unless too close
    elif promise is not None:  # a typo fixed keeps the promise, in the words it was made with
        _held_by_whoever_works_it(case, promise, owner, assignee_changed, actor=user, now=now)
    elif due_at is not None and moving:
        promise_open(case=case, kind=PromiseKind.ACTION_ITEM, due_at=due_at,
                     owner=_first_holder(case, assignee, actor=user, due_at=due_at, now=now),
                     source=_item_promise_source(item), action_item=item, actor=user)
    # What changed, old -> new; a due time moved with a promise has its own record (the renegotiation above).
    changed, data = what_changed(
        Change("description", "description", was["description"], item.description),
        Change("kind", "kind", was["kind"], item.kind, words=_kind_words),
        Change("assignee", "", was["assignee"], assignee, words=_holder_words, phrase="given to {new} (was {old})"),
        *([Change("due_at", "due", was["due_at"], item.due_at)] if promise is None else []),
        tz=case.client.tz)
    event_record(case=case, actor=user, verb="action item changed",
                 note=f"{item.description}\n{changed}" if changed else item.description,
                 data={"item": item.pk, **data})
    if assignee_changed:
        _notify_assignee(case=case, item=item, actor=user, again=True)
    refresh_counters(case)
    item.moved_out_of_quiet_hours = moving and asked != due_at
    return item


def _kind_words(kind):
    return ItemKind(kind).label if kind in ItemKind.values else str(kind or "none")


def _holder_words(user):
    return display_name(user) if user is not None else "nobody"


def _due_words(case, old, new):
    """An item's due time moved, old -> new, as the renegotiation's note says it (what_changed's words)."""
    return what_changed(Change("due_at", "", old, new, phrase="{old} → {new}"), tz=case.client.tz, prefix="")[0]


def _held_by_whoever_works_it(case, promise, owner, assignee_changed, *, actor, now):
    """After an item's other changes: its promise, if already due, is broken; if not, it goes to whoever
    works the item now (promises.promise_holder). A broken one stays with whoever held it when it fell due."""
    if promise.status != PromiseStatus.PENDING:
        return
    if not settle_if_overdue(case=case, promise=promise, now=now) and assignee_changed:
        promise.save(update_fields=promise_pass(promise, owner, actor=actor, now=now))


def _ensure_item_as_shown(item, item_shown):
    """Done, Cancel: refused when the item changed since the page was drawn (marks.item_changed_since), as the
    form refuses it, here under the lock."""
    stale = item_changed_since(item, item_shown)
    if stale:
        raise CaseRuleError(stale)


@transaction.atomic
def action_item_complete(*, user, item, note="", item_shown=None):
    case = lock_case(item.case)
    item = _lock_item(case, item)
    if not can_act_on_item(user, item):
        raise CaseRuleError("Only the item's assignee, the case owner or a supervisor can do that.")
    ensure_allows(case, Record.ITEM_WORK)
    _ensure_item_as_shown(item, item_shown)
    note = require_text(note, field="note", message="", limit=limit_of(ActionItem, "cancel_reason")) if note else ""
    now = timezone.now()
    item.status, item.done_at = ItemStatus.DONE, now
    item.handback_at, item.handback_note = None, ""
    item.save(update_fields=["status", "done_at", "handback_at", "handback_note"])
    event_record(case=case, actor=user, verb="action item done", note=note or item.description,
                 data={"item": item.pk})
    promise = pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item)
    if promise is None:
        promise = item.promises.filter(status=PromiseStatus.BROKEN, kept_at__isnull=True).order_by("-due_at").first()
    if promise:
        promise.case = case
        promise_fulfil(promise=promise, at=now, actor=user)
    refresh_counters(case)
    return item


def _withdraw_item(*, case, item, actor, reason, now=None, agreement=None):
    """Cancel an open item and withdraw its promise (broken instead, if already due; dropped as a
    renegotiation when the client agreed to let it go). The caller holds the locks and has checked who
    may."""
    item.status, item.cancel_reason = ItemStatus.CANCELLED, reason
    item.handback_at, item.handback_note = None, ""
    item.save(update_fields=["status", "cancel_reason", "handback_at", "handback_note"])
    event_record(case=case, actor=actor, verb="action item cancelled", note=f"{item.description}: {reason}",
                 data={"item": item.pk})
    promise = pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item)
    if promise and agreement:
        promise_drop(promise=promise, actor=actor, note=f"Item cancelled: {reason}", agreement=agreement, now=now)
    elif promise:
        promise_withdraw(promise=promise, actor=actor, note=f"Item cancelled: {reason}", now=now)


def _drop_agreement(promise, agreed_channel, agreed_text, now):
    """An item with a due time is a promise the client holds (the sweep breaks it when it passes, in
    `plan` too): cancelling the item before then changes that promise like moving it does, so it needs
    their agreement and counts as a renegotiation (promise_drop). None when no such promise stands (no
    due time yet, or already due: then it is broken whatever is said)."""
    if promise is None or promise.due_at <= now:
        return None
    return agreement_from(agreed_channel, agreed_text, why="The client holds this item's due time: dropping it is "
                                                           "a change they agree to, and it counts as a renegotiation. ")


def _check_work_added_since(case, item, *, now):
    """Before an item is cancelled: if that lets promised work go (its standing promise is dropped as
    renegotiated or stays broken: dropped_promised_work), no open item given its first due time since it
    was first promised may fall due further out than a renegotiation could move an item now
    (bounds.check_before_dropping_work), unless it was in the plan the client agreed (promised before the
    plan's gate, workflow: items_promised: the case cannot go back to plan with this item open). Work
    promised before it, a draft, or one within reach does not count."""
    if standing_promise(case, PromiseKind.ACTION_ITEM, action_item=item) is None:
        return
    first = item.promises.order_by("id").values_list("id", flat=True).first()
    later = (case.action_items.filter(status=ItemStatus.OPEN, due_at__gt=now + move_horizon(PromiseKind.ACTION_ITEM))
             .exclude(pk=item.pk).annotate(first_promise=Min("promises__id"), promised_at=Min("promises__created_at"))
             .filter(first_promise__gt=first))
    if policy(case.step).items_promised:  # the plan was agreed with the client when the case entered this step
        later = later.exclude(promised_at__lt=case.step_entered_at)
    check_before_dropping_work(later.order_by("-due_at", "id").first(), now=now)


@transaction.atomic
def action_item_cancel(*, user, item, reason, agreed_channel="", agreed_text="", item_shown=None):
    case = lock_case(item.case)
    item = _lock_item(case, item)
    if not can_cancel_item(user, item):
        raise CaseRuleError("Only the case owner or a supervisor can cancel an action item. If you cannot do it, "
                            "hand it back to the owner.")
    ensure_allows(case, Record.ITEM_WORK)
    _ensure_item_as_shown(item, item_shown)
    reason = require_substance(reason, field="reason", message="Say why the item is cancelled.",
                               limit=limit_of(ActionItem, "cancel_reason"), min_words=REASON_WORDS)
    now = timezone.now()
    _check_work_added_since(case, item, now=now)
    agreement = _drop_agreement(pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item),
                                agreed_channel, agreed_text, now)
    _withdraw_item(case=case, item=item, actor=user, reason=reason, now=now, agreement=agreement)
    refresh_counters(case)
    return item


def handback_notice_key(item):
    """The key of the owner's notice of the item's hand-back: one per hand-back (its moment), re-checked at
    send time against the hand-back the item has then (services.automation)."""
    return f"item-handback:{item.pk}:{int(item.handback_at.timestamp())}"


@transaction.atomic
def action_item_hand_back(*, user, item, note):
    """The teammate holding the item cannot do it: it goes back to the owner, who accepts or declines."""
    from ..notices import notify

    case = lock_case(item.case)
    item = _lock_item(case, item)
    if not can_hand_back_item(user, item):
        raise CaseRuleError("Only the teammate holding an item on someone else's case can hand it back.")
    ensure_allows(case, Record.ITEM_WORK)
    if item.handback_at:
        raise CaseRuleError("You have already handed this item back; the owner has not answered yet.")
    note = require_substance(note, field="note", message="Say why you are handing the item back.",
                             limit=limit_of(ActionItem, "handback_note"), min_words=REASON_WORDS)
    now = timezone.now()
    item.handback_at, item.handback_note = now, note
    item.save(update_fields=["handback_at", "handback_note"])
    # While the owner has not answered, the promise is theirs (the teammate said they cannot keep it), if
    # there is time to pass it on (promise_holder); one about to break stays on the teammate's count,
    # unless someone else gave them the item less than HANDOVER_MIN_MINUTES ago: a promise the owner could
    # not keep is not theirs for having been handed on just outside the cutoff. An item the teammate gave
    # themselves (while they owned the case, say, just before it changed hands) is not: its promise stays.
    # "Ago" is when the promise came to them (promises.arrived_at), not the item's last assignment: found by
    # an audit, a supervisor giving the item away and straight back made a three-hour-old item "given lately".
    promise = pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item)
    given_lately = (promise is not None and item.assigned_by_id != user.pk
                    and now - arrived_at(promise) < dt.timedelta(minutes=settings.HANDOVER_MIN_MINUTES))
    # Whom a decline gives the promise back to, however close its deadline (_held_before_handback): the
    # teammate, when they held it with the time the cutoff promises.
    held = promise.owner_id if promise and promise.owner_id == user.pk and not given_lately else None
    event_record(case=case, actor=user, verb=HANDED_BACK, note=f"{item.description}: {note}",
                 data={"item": item.pk, "held_by": held, "promise": promise.pk if promise else None})
    _pass_promise(case, item, to=case.owner, actor=user, now=now, returned=given_lately)
    from ..formatting import case_context

    notify(key=handback_notice_key(item), kind="item_handed_back", case=case,
           to=[case.owner.email],
           context={**case_context(case), "item": item.description, "by": display_name(user), "note": note})
    return item


def _pass_promise(case, item, *, to, actor, now, returned=False, offered_at=None):
    """The item's pending promise goes to `to` (promises.promise_holder: only with time left to keep
    it, unless `to` takes it on themselves, or it is `returned` to them); one already due is broken where
    it stands. `offered_at`: when `actor` gave the work away, if before `now` (a hand-back, accepted later)."""
    promise = pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item)
    if promise and not settle_if_overdue(case=case, promise=promise, now=now):
        promise.save(update_fields=promise_pass(promise, to, actor=actor, now=now, at=offered_at, returned=returned))


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def handback_mark(item):
    """Which hand-back a page shows: when it was made, in whole microseconds (0: none waiting)."""
    return (item.handback_at - _EPOCH) // dt.timedelta(microseconds=1) if item.handback_at else 0


def handback_changed_since(item, handback_shown):
    """Why an answer drawn when the hand-back marked `handback_shown` (handback_mark) was waiting must not
    answer the one waiting now, or "": the item was handed back again since (by someone it was given to
    meanwhile, or by the same teammate after an answer), and the late answer would land on a hand-back its
    sender never read (found by a review). The form checks it first and is drawn again marking the hand-back
    waiting now; None (a post without the marker, as assignee_changed_since) is not checked."""
    if handback_shown is None or not item.handback_at or handback_shown == handback_mark(item):
        return ""
    note = item.handback_note if len(item.handback_note) <= 120 else item.handback_note[:119] + "…"
    return (f"Since this page was opened the item was handed back again, by {display_name(item.assignee)}: "
            f"“{note}”. Your answer was not saved: read their reason, then send it again.")


HANDED_BACK = "action item handed back"


def _held_before_handback(case, item, teammate):
    """Whether `teammate` held the item's promise when they handed it back, with the time the cutoff promises
    (the hand-back's event says): a decline returns it to them however close its deadline is now. Found by an
    audit: handed back just outside HANDOVER_MIN_MINUTES and declined just inside, the teammate kept the work
    and the owner the count. One the owner held all along (given too late to pass on), one given to the
    teammate less than HANDOVER_MIN_MINUTES before they handed it back, and one whose deadline was moved while
    the hand-back waited (another promise than the event names: found by a red team, the owner pulled it in to
    ten minutes away, then declined) follow the cutoff as before."""
    held_by, held = (case.events.filter(verb=HANDED_BACK, data__item=item.pk).order_by("-created_at", "-id")
                     .values_list("data__held_by", "data__promise").first() or (None, None))
    promise = pending_promise(case, PromiseKind.ACTION_ITEM, action_item=item)
    return held_by == teammate.pk and (held is None or promise is None or promise.pk == held)


@transaction.atomic
def action_item_answer_hand_back(*, user, item, accept, note="", handback_shown=None):
    """The owner answers a hand-back: accepting takes the item back (the owner then reassigns or cancels
    it); declining leaves it with the teammate. `handback_shown`: the hand-back the answer was drawn for
    (handback_changed_since)."""
    case = lock_case(item.case)
    item = _lock_item(case, item)
    if not can_answer_handback(user, item):
        raise CaseRuleError("Only the case owner or a supervisor answers a hand-back.")
    ensure_allows(case, Record.ITEM_WORK)
    if not item.handback_at:
        raise CaseRuleError("This item has not been handed back.")
    stale = handback_changed_since(item, handback_shown)
    if stale:
        raise CaseRuleError(stale)
    note = require_text(note, field="note", message="", limit=limit_of(ActionItem, "handback_note")) if note else ""
    teammate, offered_at = item.assignee, item.handback_at
    item.handback_at, item.handback_note = None, ""
    now = timezone.now()
    if accept:
        item.give(case.owner, by=user, now=now)
        item.save(update_fields=["handback_at", "handback_note", "assignee", "assigned_at", "assigned_by",
                                 "reminded_at"])
        # The teammate gave the work back when they handed it back: the owner takes the promise only if it had
        # HANDOVER_MIN_MINUTES to run then (promises.handover_cutoff). Found by an audit: handed back five
        # minutes before its deadline and accepted by the owner, a teammate's miss became the owner's.
        _pass_promise(case, item, to=case.owner, actor=teammate, now=now, offered_at=offered_at)
        verb = "hand-back accepted"
    else:  # the teammate keeps the work, and the promise they held before handing it back
        item.save(update_fields=["handback_at", "handback_note"])
        _pass_promise(case, item, to=teammate, actor=user, now=now,
                      returned=_held_before_handback(case, item, teammate))
        verb = "hand-back declined"
        tell_of_move(case=case, people=[teammate], actor=user, key=f"handback-declined:{item.pk}:{now.timestamp()}",
                     headline=f"Your hand-back was declined: you keep “{item.description[:80]}”", note=note)
    event_record(case=case, actor=user, verb=verb,
                 note=f"{item.description} ({display_name(teammate)})" + (f": {note}" if note else ""),
                 data={"item": item.pk})
    refresh_counters(case)
    return item
