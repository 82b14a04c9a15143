"""Ownership changes only through a handoff the new owner accepts (with the client told who now
handles it), or a supervisor's direct reassignment. The previous owner stays on as a watcher."""
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..errors import CaseRuleError
from ..formatting import case_context, when
from ..models import Handoff, HandoffStatus, HeldStay, PromiseKind, PromiseStatus, Step
from ..notices import notify
from ..permissions import can_accept_handoff_for, can_answer_handoff, can_reassign, may_own_cases
from ..selectors_ui import owed_now
from ..text import LINE, REASON_WORDS, clean_text, limit_of, require_substance
from ..workflow import Record, ensure_allows, live_promise_q
from .client_messages import client_messages_withdraw_held
from .common import display_name, ensure_can_work, event_record, lock_case
from .held import end_of_holding, mark_held_again
from .irate import apply_irate_rule
from .promises import promises_pass, settle_if_overdue
from .status_links import revoke_status_links


def settle_before_changing_hands(case, now):
    """A deadline that passed while the old owner held the case stays theirs (the team page counts a
    promise for the rep who held it when it fell due, an escalation for the owner when it was raised):
    broken now, items' too, if the sweep has not got there yet. Called while the case is still theirs."""
    for promise in case.promises.filter(live_promise_q(), status=PromiseStatus.PENDING, due_at__lte=now):
        promise.case = case
        settle_if_overdue(case=case, promise=promise, now=now)


def given_by(handoff, accepted_by):
    """Who gives the case in an accepted `handoff`, the `actor` of promises.handover_cutoff (only one who takes
    the case on themselves takes the promises about to fall due): the supervisor who reassigns it; for a
    case offered (by its owner, or a supervisor on their behalf), the one who offered it, never the teammate
    accepting it (found by a review: accepting counted as taking the case on themselves, so an owner could
    offer it a minute before its estimate broke and the break, its escalation and the late estimate fell on
    the teammate's figures); for a teammate's request for the case, the one who grants it (a supervisor
    granting their own request takes the case on themselves, as one reassigning it to themselves does)."""
    if handoff.by_supervisor_id:
        return handoff.by_supervisor
    if _asked_for(handoff):
        return accepted_by
    return handoff.requested_by or handoff.from_user


def hand_on_promises(*, case, old_owner_id, new_owner, actor, now):
    """The promises the old owner held for this case (updates, ETA, follow-up, items without an assignee,
    and items of someone else's whose promise they held as the owner: a hand-back waiting for the owner's
    answer, found by a review) and still ahead of their deadline pass to the new owner, those about to
    fall due only if the new owner takes the case on themselves (promises.handover_cutoff: `actor`, who
    gives the case, is the new owner: one claiming a case opened from email, or given_by a handoff);
    action items keep their assignees, and the old owner the promises of the items they hold themselves. The case's
    reminders (an update due, the follow-up call) go to whoever owns it: the new owner is reminded afresh,
    and one queued for the old owner is taken back if it has not left (automation.notices_settled)."""
    held = case.promises.filter(Q(action_item__isnull=True) | Q(action_item__assignee__isnull=True)
                                | ~Q(action_item__assignee_id=old_owner_id),
                                status=PromiseStatus.PENDING, owner_id=old_owner_id)
    promises_pass(held, old_id=old_owner_id, new_holder=new_owner, actor=actor, now=now)
    case.promises.filter(status=PromiseStatus.PENDING, action_item__isnull=True).update(reminded_at=None)


def take_back_client_word(*, case, actor, now):
    """On every change of owner (a handoff, a reassignment, a claim of a case opened from email): the
    client's link names the old owner and was given by them, so it stops working (issue a new one), and
    what was written to the client and is still waiting to leave is taken back with it (found by a review:
    on a claim it went out signed by the mail intake, with the link the claim had revoked)."""
    revoke_status_links(case=case, actor=actor, why="The case changed hands.", now=now)
    client_messages_withdraw_held(case=case, actor=actor,
                                  why="the case changed hands before it left (send it again if it still holds).")


def _transfer(*, case, new_owner, actor, handoff):
    old_owner = case.owner
    settle_before_changing_hands(case, timezone.now())
    # One moment for the change of hands, taken after what fell due before it was settled (a promise broken now
    # comes before it on the timeline: found by a red team): the handoff's acceptance, its event (the callers
    # stamp it with handoff.accepted_at) and the held part it ends (held.py).
    now = handoff.accepted_at = timezone.now()
    handoff.save(update_fields=["accepted_at"])
    # The old owner's part of the stay in this step ends here (the team page's per-rep times in each step).
    end_of_holding(case=case, owner_id=old_owner.pk, step=case.step, entered=case.step_entered_at, at=now)
    case.owner = new_owner
    case.awaiting_claim = False  # a case opened from email that is handed to someone has its owner
    case.save(update_fields=["owner", "awaiting_claim", "updated_at"])
    mark_held_again(HeldStay.objects.filter(case=case, owner=new_owner))  # back to a rep who held it in this stay
    take_back_client_word(case=case, actor=actor, now=now)
    case.watchers.add(old_owner)
    case.watchers.remove(new_owner)
    hand_on_promises(case=case, old_owner_id=old_owner.pk, new_owner=new_owner, actor=given_by(handoff, actor),
                     now=now)
    return old_owner


def follow_up_to_hand_on(case):
    """A resolved case whose follow-up call is still to make: a supervisor may reassign it (its owner is
    leaving, cases.services.staff), the call and its promise going to the new owner."""
    return case.step == Step.RESOLVED and case.promises.filter(kind=PromiseKind.FOLLOW_UP,
                                                               status=PromiseStatus.PENDING).exists()


def tell_of_move(*, case, people, actor, key, headline, note=""):
    """One email ("case_news") to each of `people` but the one who acted and anyone inactive or without an
    address: a handoff declined or withdrawn, a case taken from its owner by someone else's hand, a hand-
    back answered. Whoever a move affects hears it from the app, not by finding the case gone."""
    for person in {p.pk: p for p in people if p is not None}.values():
        if person.pk == actor.pk or not person.is_active or not person.email:
            continue
        notify(key=f"{key}:{person.pk}", kind="case_news", case=case, to=[person.email],
               context={**case_context(case), "headline": headline, "by": display_name(actor), "note": note})


@transaction.atomic
def handoff_request(*, user, case, to_user, reason, owner_shown=None):
    """Offers the case to `to_user`, who accepts it in the app. `owner_shown`: the owner the page showed;
    if the case changed hands since (a supervisor's colleague reassigned it), nothing is done."""
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.HANDOFF)
    stale = owner_changed_since(case, owner_shown, doing="handing it over")
    if stale:
        raise CaseRuleError(stale, field="to_user")
    reason = require_substance(reason, field="reason", message="Say why you are handing the case over.",
                               limit=limit_of(Handoff, "reason"), min_words=REASON_WORDS)
    if to_user is None or not may_own_cases(to_user):
        raise CaseRuleError("Choose an active rep or supervisor to hand the case to.", field="to_user")
    if to_user.pk == case.owner_id:
        raise CaseRuleError("That person already owns the case.", field="to_user")
    if case.handoffs.filter(status=HandoffStatus.REQUESTED).exists():
        raise CaseRuleError("A handoff is already waiting to be accepted; cancel it first.")
    handoff = Handoff.objects.create(case=case, from_user=case.owner, to_user=to_user, reason=reason,
                                     requested_by=user)
    event_record(case=case, actor=user, verb="handoff requested",
                 note=f"To {display_name(to_user)}: {reason}", data={"handoff": handoff.pk})
    notify(key=f"handoff-requested:{handoff.pk}", kind="handoff_requested", case=case, to=[to_user.email],
           context={**case_context(case), "from": display_name(user), "reason": reason})
    tell_of_move(case=case, people=[case.owner], actor=user, key=f"handoff-offered-for-you:{handoff.pk}",
                 headline=f"Offered to {display_name(to_user)} on your behalf", note=reason)  # a supervisor did
    return handoff


def _asked_for(handoff):
    """A teammate's request for the case (a handoff to themselves, which the owner or a supervisor answers),
    not an offer."""
    return handoff.requested_by_id is not None and handoff.requested_by_id == handoff.to_user_id


def _lock_handoff(handoff):
    case = lock_case(handoff.case)
    return case, Handoff.objects.select_for_update().get(pk=handoff.pk)


def _owed_words(case, reader):
    """The promises missed before the case came to `reader` and still owed to the client (selectors_ui.owed_now),
    in words for the "now yours" email: found by an audit, a broken-promise notice held a few minutes went to
    the previous owner after the handoff ("contact the client now"), and the new owner, who makes the call,
    was never told."""
    now, lines = timezone.now(), []
    for promise in owed_now(case):
        due = when(promise.due_at, client=case.client, reader=reader, now=now)
        yours = f" ({due['reader_time']} your time)" if due["reader_time"] else ""
        lines.append(f"{promise.source}: due {due['client_time']}{yours} the client's time, missed")
    return lines


@transaction.atomic
def handoff_accept(*, user, handoff, client_informed):
    case, handoff = _lock_handoff(handoff)
    if not can_accept_handoff_for(user, handoff):
        raise CaseRuleError("Only the person the case is handed to can accept it (for a teammate asking for the "
                            "case: its owner or a supervisor).")
    ensure_allows(case, Record.HANDOFF)
    if handoff.status != HandoffStatus.REQUESTED:
        raise CaseRuleError("This handoff is no longer waiting to be accepted.")
    if not may_own_cases(handoff.to_user):
        raise CaseRuleError(f"{display_name(handoff.to_user)} can no longer own cases (no longer an active rep or "
                            "supervisor): decline this handoff instead.")
    if not client_informed:
        raise CaseRuleError("Confirm the client has been told who now handles the case.", field="client_informed")
    handoff.status = HandoffStatus.ACCEPTED
    handoff.client_informed = True
    handoff.save(update_fields=["status", "client_informed"])  # accepted_at: _transfer's moment
    new_owner = handoff.to_user
    old = _transfer(case=case, new_owner=new_owner, actor=user, handoff=handoff)
    event_record(case=case, actor=user, verb="handoff accepted", at=handoff.accepted_at,
                 note=f"{display_name(new_owner)} now owns the case (from {display_name(old)}): {handoff.reason}",
                 data={"handoff": handoff.pk})
    if new_owner.pk != user.pk:  # a teammate asked for it: tell them it is theirs now
        notify(key=f"case-request-accepted:{handoff.pk}", kind="handoff_requested", case=case, to=[new_owner.email],
               context={**case_context(case), "from": display_name(user), "reason": handoff.reason,
                        "reassigned": True, "owed": _owed_words(case, new_owner)})
    tell_of_move(case=case, people=[old], actor=user, key=f"handoff-accepted-for-you:{handoff.pk}",
                 headline=f"Now owned by {display_name(new_owner)}", note=handoff.reason)  # a supervisor accepted
    apply_irate_rule(case=case, actor=user, supervisor_may_differ=True)
    return handoff


@transaction.atomic
def handoff_decline(*, user, handoff, note=""):
    case, handoff = _lock_handoff(handoff)
    if handoff.status != HandoffStatus.REQUESTED:
        raise CaseRuleError("This handoff is no longer waiting to be accepted.")
    note = clean_text(note, field="note", limit=LINE)
    if not can_answer_handoff(user, handoff):
        raise CaseRuleError("Only the two people in the handoff can decline or cancel it.")
    asked = _asked_for(handoff)
    if asked:  # a teammate asked for the case: the owner's side declines, the asker withdraws
        handoff.status, verb = ((HandoffStatus.CANCELLED, "request for the case withdrawn")
                                if handoff.to_user_id == user.pk
                                else (HandoffStatus.DECLINED, "request for the case declined"))
    elif handoff.to_user_id == user.pk:
        handoff.status, verb = HandoffStatus.DECLINED, "handoff declined"
    else:
        handoff.status, verb = HandoffStatus.CANCELLED, "handoff cancelled"
    handoff.save(update_fields=["status"])
    event_record(case=case, actor=user, verb=verb, note=note, data={"handoff": handoff.pk})
    tell_of_move(case=case, people=[handoff.from_user, handoff.to_user], actor=user,
                 key=f"handoff-{handoff.status}:{handoff.pk}", headline=verb[0].upper() + verb[1:], note=note)
    return handoff


def _close_overtaken_handoffs(*, case, actor, new_owner, reason):
    """The handoffs waiting on a case a supervisor reassigns are closed one by one, each on the timeline,
    and the people in them (but the new owner and the supervisor) told: a teammate who asked for the
    case, or was offered it, learns it went elsewhere instead of finding their request gone."""
    waiting = case.handoffs.select_for_update().filter(status=HandoffStatus.REQUESTED).select_related(
        "from_user", "to_user")
    for handoff in waiting:
        handoff.status = HandoffStatus.CANCELLED
        handoff.save(update_fields=["status"])
        asked = _asked_for(handoff)
        event_record(case=case, actor=actor, verb="request for the case closed" if asked else "handoff cancelled",
                     note=f"The case was reassigned to {display_name(new_owner)}.", data={"handoff": handoff.pk})
        for person, other in ((handoff.to_user, handoff.from_user), (handoff.from_user, handoff.to_user)):
            if person.pk in (new_owner.pk, actor.pk) or not person.is_active or not person.email:
                continue
            notify(key=f"handoff-overtaken:{handoff.pk}:{person.pk}", kind="handoff_overtaken", case=case,
                   to=[person.email], context={**case_context(case), "from": display_name(actor), "reason": reason,
                                               "new_owner": display_name(new_owner), "other": display_name(other),
                                               "asked": asked and person.pk == handoff.to_user_id})


def owner_changed_since(case, owner_shown, *, doing="reassigning it"):
    """Why a reassignment or a handoff offer drawn when `owner_shown` owned the case must not go ahead, or ""
    (the forms check it first, whatever else is wrong, so the form drawn again for the new owner is not sent
    unread)."""
    if owner_shown is None or owner_shown == case.owner_id:
        return ""
    return (f"Since this page was opened the case passed to {display_name(case.owner)}: check that {doing} "
            "is still right, then send again.")


@transaction.atomic
def case_reassign(*, user, case, to_user, reason, client_informed, owner_shown=None, step_shown=None):
    """A supervisor moves the case directly; recorded as an accepted handoff. `owner_shown`: the owner
    the supervisor's page showed; if the case changed hands since, nothing is done (they decide again).
    `step_shown`: the stay the page was drawn in (Case.stay_mark); if the case has moved since (resolved,
    say: found by an audit, a form drawn for an open case reassigned it once resolved, its follow-up call
    with it), nothing is done either."""
    from .transitions import ensure_stay_shown

    case = lock_case(case)
    ensure_stay_shown(case, step_shown, "Reassign", field="to_user")
    if not can_reassign(user, case):
        raise CaseRuleError("Only a supervisor can reassign a case directly.")
    if not follow_up_to_hand_on(case):  # a resolved case's follow-up call may go to someone still here
        ensure_allows(case, Record.HANDOFF)
    stale = owner_changed_since(case, owner_shown)
    if stale:
        raise CaseRuleError(stale, field="to_user")
    reason = require_substance(reason, field="reason", message="Say why the case is being reassigned.",
                               limit=limit_of(Handoff, "reason"), min_words=REASON_WORDS)
    if to_user is None or not may_own_cases(to_user):
        raise CaseRuleError("Choose an active rep or supervisor.", field="to_user")
    if to_user.pk == case.owner_id:
        raise CaseRuleError("That person already owns the case.", field="to_user")
    if not client_informed:
        raise CaseRuleError("Confirm the client has been told who now handles the case.", field="client_informed")
    _close_overtaken_handoffs(case=case, actor=user, new_owner=to_user, reason=reason)
    handoff = Handoff.objects.create(case=case, from_user=case.owner, to_user=to_user, reason=reason,
                                     status=HandoffStatus.ACCEPTED, by_supervisor=user,
                                     client_informed=True)  # accepted_at: _transfer's moment
    old = _transfer(case=case, new_owner=to_user, actor=user, handoff=handoff)
    event_record(case=case, actor=user, verb="reassigned", at=handoff.accepted_at,
                 note=f"From {display_name(old)} to {display_name(to_user)}: {reason}", data={"handoff": handoff.pk})
    apply_irate_rule(case=case, actor=user, supervisor_may_differ=True)
    notify(key=f"case-reassigned:{handoff.pk}", kind="handoff_requested", case=case, to=[to_user.email],
           context={**case_context(case), "from": display_name(user), "reason": reason, "reassigned": True,
                    "owed": _owed_words(case, to_user)})
    tell_of_move(case=case, people=[old], actor=user, key=f"case-reassigned-from-you:{handoff.pk}",
                 headline=f"Reassigned to {display_name(to_user)}", note=reason)
    return handoff
