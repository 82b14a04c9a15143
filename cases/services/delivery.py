"""Step 7: the delivery record (the moment of joy), the follow-up call, and the ways back:
loose ends, reopen, and a supervisor's audited override.

Logging the follow-up call opens a new final page for the client (where they rate us) for
CLIENT_LINK_RESOLVED_DAYS, and, when the client has an email address, emails them its link (a
message of kind follow-up, through cases.services.client_messages: quiet hours respected). That link is
the only way in: the one the team was shown to pass on stops then (status_links.final_page_reopen)."""
import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone

from ..errors import CaseRuleError
from ..bounds import FOLLOW_UP_LATER, call_day_has_come, check_follow_up, day_begins, follow_up_day_has_come
from ..client_word import (
    current_survey, latest_delivery, not_yet_refusal, survey_asked_from, survey_waiting_for, surveys_asked_since,
    unread_mail_refusal, unseen_confirmation_refusal,
)
from ..models import ClientMessageKind, ClientMessageStatus, ConfirmedBy, Delivery, Mood, PromiseKind, PromiseStatus
from ..permissions import can_work_case
from ..schedule import next_allowed
from ..status_links import final_page_until
from ..text import clean_text, limit_of, normalise, require_substance
from ..workflow import Record, Transition, ensure_allows
from .common import Change, ensure_can_work, event_record, lock_case, refresh_counters, what_changed
from .irate import apply_irate_rule
from .client_messages import client_message_send
from .promises import promise_fulfil
from .status_links import final_page_reopen, resolved_grace
from .transitions import case_transition, ensure_stay_shown


SURVEY_INVITATION = ("Thank you for taking our follow-up call. One last question, if you have a minute: how "
                     "satisfied are you with how we handled your complaint? You can answer on your status page.")


def current_delivery(case):
    """The delivery record of this stay in `deliver` (a case back from loose ends starts a new one), or None:
    Case.delivery_this_stay, which the deliver gate reads too."""
    return case.delivery_this_stay()


@transaction.atomic
def delivery_record(*, user, case, verified_with_client, client_satisfied, prevention_note, follow_up_on,
                    extra_mile="", expectation_met=None, client_mood="", confirmation_shown=None, step_shown=None):
    """Record (or correct) the delivery. Incomplete records are kept; the gate says what is missing. The
    client is not recorded satisfied over their own "Not yet", nor while their email is unread
    (cases.client_word: not_yet_refusal, unread_mail_refusal; the resolution reads the latter too), and their
    own "It works" is not unticked by a form drawn before it came (`confirmation_shown`, what the form showed:
    client_word.unseen_confirmation_refusal). A form drawn in an earlier stay of `deliver` (`step_shown`:
    Case.stay_mark) is refused: its ticks were about an attempt the client sent back (found by an audit: they
    met the gate of the next attempt, which nobody had checked with the client)."""
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_stay_shown(case, step_shown, "Record the delivery", field="client_satisfied")
    ensure_allows(case, Record.DELIVERY)
    if follow_up_on is not None and follow_up_day_has_come(follow_up_on, case.client):
        raise CaseRuleError(FOLLOW_UP_LATER, field="follow_up_on")
    if follow_up_on is not None:
        check_follow_up(follow_up_on, today=timezone.localdate(timezone=case.client.tz))
    if client_mood and client_mood not in Mood.values:
        raise CaseRuleError("Choose how the client feels.", field="client_mood")
    refused = (not_yet_refusal(case) or unread_mail_refusal(case)) if client_satisfied else None
    if refused:
        raise CaseRuleError(refused, field="client_satisfied")
    delivery = current_delivery(case) or Delivery(case=case, created_by=user)
    if delivery.client_mood and not client_mood:
        # Found by a red team: blanked, the mood at delivery was later filled from the temperature at the
        # resolution (transitions._resolve), a correction in two steps no "changed" line named.
        raise CaseRuleError(f"The client's mood on the delivery call was recorded as "
                            f"{Mood(delivery.client_mood).label}: choose how they felt to correct it; it is not "
                            "left blank once recorded.", field="client_mood")
    refused = unseen_confirmation_refusal(delivery, confirmation_shown, verified=verified_with_client,
                                          satisfied=client_satisfied)
    if refused:
        raise CaseRuleError(refused, field="client_satisfied")
    was_confirmed = delivery.client_confirmed
    before = None if delivery.pk is None else _delivery_parts(delivery)
    delivery.verified_with_client = bool(verified_with_client)
    delivery.client_satisfied = bool(client_satisfied)
    if not delivery.client_confirmed:
        delivery.confirmed_by, delivery.confirmed_at = "", None
    elif not was_confirmed:  # the rep's word; a confirmation the client gave stays theirs
        delivery.confirmed_by, delivery.confirmed_at = ConfirmedBy.REP, timezone.now()
    prevention_note = normalise(prevention_note)
    if prevention_note:  # it may come later, but when given it must say something
        prevention_note = require_substance(prevention_note, field="prevention_note",
                                            limit=limit_of(Delivery, "prevention_note"),
                                            message="Say how recurrence will be prevented.")
    delivery.prevention_note = prevention_note
    delivery.extra_mile = clean_text(extra_mile, field="extra_mile", limit=limit_of(Delivery, "extra_mile"))
    delivery.follow_up_on = follow_up_on
    delivery.expectation_met = expectation_met
    delivery.expectation_judged = case.expected_resolution if expectation_met is not None else ""
    delivery.client_mood = client_mood or ""
    delivery.save()
    case.delivery_ready = delivery.is_complete
    fields = ["delivery_ready", "updated_at"]
    if client_mood:
        fields += case.take_temperature(client_mood)
    case.save(update_fields=fields)
    if client_mood:
        apply_irate_rule(case=case, actor=user)
    note = (("Verified with the client; " if delivery.verified_with_client else "Not yet verified; ")
            + ("client satisfied." if delivery.client_satisfied else "client not yet satisfied."))
    if delivery.client_mood:
        note += f" Client's mood: {Mood(delivery.client_mood).label}."
    changed, data = ("", {}) if before is None else what_changed(
        *(Change(key, label, before[key], now, words=words)
          for (key, label, words), now in zip(_DELIVERY_PARTS, _delivery_parts(delivery).values())),
        tz=case.client.tz)
    event_record(case=case, actor=user, verb="delivery recorded",
                 note=f"{note}\n{changed}" if changed else note,
                 data={"delivery": delivery.pk, "expectation_met": expectation_met, **data})
    return delivery


def _yes_no(value):
    return "not said" if value is None else "yes" if value else "no"


# What a second save of the delivery may change, as the timeline says it (the first save is the record):
# (field, label, words or None for what_changed's). Found by an audit: the client's mood at delivery (the team
# page's "anxious to joy" reads it) or the prevention note were rewritten in place, the earlier ones gone.
_DELIVERY_PARTS = (
    ("verified_with_client", "verified with the client", _yes_no),
    ("client_satisfied", "client satisfied", _yes_no),
    ("client_mood", "the client's mood", lambda v: Mood(v).label if v else "not said"),
    ("expectation_met", "the client's expectation met", _yes_no),
    ("prevention_note", "prevention note", None),
    ("extra_mile", "extra mile", None),
    ("follow_up_on", "follow-up call on", None),
)


def _delivery_parts(delivery):
    return {key: getattr(delivery, key) for key, _label, _words in _DELIVERY_PARTS}


def follow_up_waiting(case):
    """(delivery, promise) of the follow-up call still owed on this resolution, or (None, None): the
    promise pending, or broken and not yet made good, opened since the case entered its step (a call
    broken in an earlier cycle of a reopened case is not this one's; a case closed by override owes none)."""
    delivery = case.deliveries.order_by("-created_at").first()
    if delivery is None or delivery.follow_up_logged_at:
        return None, None
    owed = case.promises.filter(kind=PromiseKind.FOLLOW_UP, created_at__gte=case.step_entered_at)
    promise = (owed.filter(status=PromiseStatus.PENDING).first()
               or owed.filter(status=PromiseStatus.BROKEN, kept_at__isnull=True).order_by("-due_at").first())
    return (delivery, promise) if promise is not None else (None, None)


SCHEDULE_CHANGED = "client details updated"  # the verb cases.services.intake.client_update records a change with


def schedules_held(case, *also):
    """(zone, quiet start, quiet end) of the client now, each they had since `case` was resolved (read from
    its timeline: client_update records every change of the client on a case whose follow-up call is still
    to come, with the settings before it) and `also`. The follow-up call answers to all of them."""
    held = [(case.client.tz, case.client.quiet_hours_start, case.client.quiet_hours_end), *also]
    changes = case.events.filter(verb=SCHEDULE_CHANGED, created_at__gte=case.step_entered_at).order_by("pk")
    for data in changes.values_list("data", flat=True):
        was = data.get("schedule_before") or {}
        if was.get("time_zone"):
            quiet = [dt.time.fromisoformat(was[f]) if was.get(f) else None
                     for f in ("quiet_hours_start", "quiet_hours_end")]
            held.append((zoneinfo.ZoneInfo(was["time_zone"]), *quiet))
    return held


def resolution_day_over(case, held):
    """The first instant when the day `case` was resolved on is over in every zone of `held`: the follow-up
    call comes on a later day than the resolution (bounds.follow_up_day_has_come), in each time zone the
    client had since (found by an audit: with the zone set far ahead and back, the call was logged at the
    instant the case resolved)."""
    return max(day_begins(case.step_entered_at, tz, days_after=1) for tz, *_ in held)


def follow_up_in_zone(case, due_at, old_tz):
    """Where the pending follow-up call due at `due_at` in `old_tz` falls due in the client's zone now: the
    same day at the same time there, or the first later day when the call could not come after the day of
    the resolution is over in every zone the client had since (resolution_day_over): a zone ahead must not
    leave the call due on the resolution's own day there."""
    local = due_at.astimezone(old_tz)
    over = resolution_day_over(case, schedules_held(case, (old_tz, None, None)))
    moved = dt.datetime.combine(local.date(), local.time(), tzinfo=case.client.tz)
    while moved <= over:
        moved = dt.datetime.combine(moved.date() + dt.timedelta(days=1), local.time(), tzinfo=case.client.tz)
    return moved.astimezone(dt.UTC)


def follow_up_not_loggable_yet(case, promise, now):
    """Why the follow-up call owed by `promise` cannot be logged `now`, or "" when it can: the one rule, read
    by follow_up_log and by the reopen's check (transitions._check_follow_up_not_due), which asks for the call
    to be logged first only when it can be (found by an audit: on the call's day in the client's quiet hours,
    reopen said "log the call first" and logging it said "not now", and the case was stuck)."""
    due_day = promise.due_at.astimezone(case.client.tz).date()
    if not call_day_has_come(promise.due_at, case.client, now):
        return (f"The follow-up call is promised for {due_day:%a %d %b %Y} (the client's date): a call before then "
                "is a contact, not the follow-up, and does not keep the promise. Log the follow-up on that day.")
    held = schedules_held(case)
    early = next((tz for tz, *_ in held if now < resolution_day_over(case, [(tz,)])), None)
    if early is not None:
        return (f"{case.reference} was resolved on {timezone.localtime(case.step_entered_at, early):%a %d %b} in "
                f"{early.key} (the client's time zone now, or one they had since): the follow-up call comes on a "
                "later day than the resolution, in each of them. Log it then.")
    # Found by a review: logged at 00:01 the client's "next day", minutes after resolving. Unless the quiet
    # hours leave no time to call before the promise falls due (they end only then). Every quiet hours the
    # client had since the resolution count (found by an audit: cleared for the call, then put back).
    for tz, quiet_start, quiet_end in held:
        reachable = next_allowed(now, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end)
        if now < reachable < promise.due_at:
            return (f"It is {timezone.localtime(now, tz):%H:%M} for {case.client.name} ({tz.key}), inside their quiet "
                    f"hours (those they had when the case was resolved, or since): the follow-up call is made when "
                    f"they may be reached (from {timezone.localtime(reachable, tz):%H:%M} their time). Log it then.")
    return ""


@transaction.atomic
def follow_up_log(*, user, case, note):
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.FOLLOW_UP)
    note = require_substance(note, field="note", limit=limit_of(Delivery, "follow_up_note"),
                             message="Say what the client told you on the follow-up call.")
    delivery, promise = follow_up_waiting(case)
    if promise is None:
        raise CaseRuleError("There is no follow-up call waiting to be logged.")
    now = timezone.now()
    not_yet = follow_up_not_loggable_yet(case, promise, now)
    if not_yet:
        raise CaseRuleError(not_yet, field="note")
    delivery.follow_up_logged_at, delivery.follow_up_note = now, note
    delivery.save(update_fields=["follow_up_logged_at", "follow_up_note"])
    promise.case = case
    promise_fulfil(promise=promise, at=now, actor=user)
    event_record(case=case, actor=user, verb="follow-up call logged", note=note)
    refresh_counters(case)
    if final_page_reopen(case=case, now=now) is not None:
        if (case.client.email or "").strip():
            _invite_to_survey(user=user, case=case)
        else:
            event_record(case=case, actor=user, verb="survey not sent",
                         note="The client has no email address: the invitation to rate us goes out when one is "
                              "recorded, while the final page shows.")
    return delivery


def _invite_to_survey(*, user, case):
    client_message_send(user=user, case=case, kind=ClientMessageKind.FOLLOW_UP, text=SURVEY_INVITATION, system=True)


def _survey_owed(case, now):
    """The latest delivery of `case` if it is waiting for the client's rating (closed, its follow-up call
    logged since, within CLIENT_LINK_RESOLVED_DAYS of the call or of the latest set-aside of the client's
    answer by a change of their address: client_word.survey_asked_from; no answer standing), else None."""
    delivery = latest_delivery(case)
    if (not survey_waiting_for(case, delivery) or survey_asked_from(case, delivery) < now - resolved_grace()
            or current_survey(case) is not None):
        return None
    return delivery


def _survey_sent_again(*, user, case, now):
    """The owed invitation goes out with the resolved page opened again (as logging the call opens it), in
    the name of whoever may work the case: `user`, else its owner; with nobody left, it says so on the
    timeline. Returns whether it went."""
    sender = next((u for u in (user, case.owner) if can_work_case(u, case)), None)
    if sender is None:
        event_record(case=case, actor=user, verb="survey not sent",
                     note="The invitation to rate us is owed, but nobody who may work the case is left to send it: "
                          "a supervisor can reassign it.")
        return False
    final_page_reopen(case=case, now=now)
    _invite_to_survey(user=sender, case=case)
    return True


def survey_after_revoke(*, user, case, now=None):
    """The client's links of `case` were just revoked (by hand: status_links.status_link_revoke; or because
    an email took one to an address no longer the client's: intake; the caller holds the row lock). If it
    waits for the client's rating, the survey is the client's, not the rep's to withhold: a new resolved
    page opens and its link goes to the client's address on file (a revoke stops a link that reached the
    wrong hands; it does not stop the client being asked). With no address, it goes when one is recorded
    (surveys_owed_send)."""
    now = now or timezone.now()
    if (_survey_owed(case, now) is not None and (case.client.email or "").strip()
            and _survey_sent_again(user=user, case=case, now=now)):
        event_record(case=case, actor=user, verb="survey sent again",
                     note="The link was revoked before the client rated us: a new one went to their address.")


@transaction.atomic
def surveys_owed_send(*, user, client):
    """The client's email address was just recorded (cases.services.intake.client_update): each of their
    cases waiting for the client's rating (closed, its follow-up call logged since it closed, within
    CLIENT_LINK_RESOLVED_DAYS of the call, not yet answered, or its answer set aside: it came through an
    address no longer theirs) that has no invitation live at this address (queued since the final page that
    shows was opened) gets one now, with its resolved page opened again as the call opens it (a link revoked
    since is not needed). The survey is the client's word, not the rep's to withhold: blanking the address for the call,
    or giving another, and putting the client's back afterwards sends it all the same."""
    now = timezone.now()
    since = now - resolved_grace()
    address = (client.email or "").strip()
    dead = [ClientMessageStatus.WITHDRAWN, ClientMessageStatus.FAILED, ClientMessageStatus.BOUNCED]
    for case in surveys_asked_since(client, since).order_by("pk"):
        case = lock_case(case)
        if _survey_owed(case, now) is None:
            continue
        opened = _final_page_opened_at(case, now)
        if opened is not None and (case.client_messages.filter(kind=ClientMessageKind.FOLLOW_UP, queued_at__gte=opened,
                                                               to_email__iexact=address)
                                   .exclude(status__in=dead).exists()):
            continue
        _survey_sent_again(user=user, case=case, now=now)


def _final_page_opened_at(case, now):
    """When the final page that shows now was opened (status_links.final_page_reopen: it shows for
    resolved_grace() from then), or None when none shows: an invitation queued before then carries a link
    that no longer opens (found by a review: after the address went A, B and back to A, an invitation sent to A
    before its link stopped was taken for a live one, and the client was not asked again)."""
    until = final_page_until(case, now)
    return None if until is None else until - resolved_grace()


def case_loose_ends(*, user, case, reason):
    """deliver -> plan: the client is not satisfied yet; the plan gets new items."""
    return case_transition(user=user, case=case, name=Transition.LOOSE_ENDS.method, reason=reason)


def case_reopen(*, user, case, reason):
    """resolved -> plan: the problem came back. A case a supervisor's override closed before plan goes
    back to the step it was closed from (cases.workflow.Transition.target_for)."""
    return case_transition(user=user, case=case, name=Transition.REOPEN.method, reason=reason)


def case_force_close(*, user, case, reason):
    """A supervisor closes a case whose gate is not met: audited, counted separately."""
    return case_transition(user=user, case=case, name=Transition.FORCE_CLOSE.method, reason=reason)
