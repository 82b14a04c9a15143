"""Whoever hears it, helps (RECIPE "Team visibility"): a teammate who takes the client's call on a case
that is not theirs logs the contact (the owner is told at once), and may ask for the case (a handoff to
themselves that the owner or a supervisor accepts). Neither works the steps: only the owner and the
co-owner do."""
from django.db import transaction

from ..errors import CaseRuleError
from ..formatting import case_context
from ..models import Channel, Handoff, HandoffStatus, Mood
from ..notices import notify
from ..permissions import can_ask_for_case, can_log_contact, can_work_case
from ..selectors import supervisor_emails_for
from ..text import NOTE, limit_of, require_substance
from ..workflow import Record, ensure_allows
from .common import display_name, event_record, lock_case, refresh_counters
from .irate import apply_irate_rule


@transaction.atomic
def client_contact_log(*, user, case, said, client_mood, channel):
    """The client called (or wrote) and `user` took it: what they said and how they felt go on the
    timeline, the case's temperature follows the client's mood, and the owner (and co-owner) hear it by
    email at once unless they took the call themselves."""
    case = lock_case(case)
    if not can_log_contact(user, case):
        raise CaseRuleError("You cannot see this case.")
    if case.awaiting_claim:  # its intake mood is the first reading: the rep who owns it takes it
        raise CaseRuleError(f"{case.reference} came by email and waits to be claimed: claim it first, then log "
                            "the contact.")
    ensure_allows(case, Record.CONTACT)
    said = require_substance(said, field="said", limit=NOTE, message="Write what the client said.")
    if client_mood not in Mood.values:
        raise CaseRuleError("Record how the client feels.", field="client_mood")
    if channel not in Channel.values:
        raise CaseRuleError("Say how the client got in touch.", field="channel")
    # An irate client's supervisor co-owns the case until they calm down: a teammate who does not work
    # the case may hear them calmer, but only the owner or a supervisor records it (it ends the
    # co-ownership); the mood they heard stays on the contact and reaches the owner.
    held = case.is_irate and not can_work_case(user, case) and client_mood != Mood.IRATE
    note = said + ("\n(Mood heard, not recorded: the client is irate, so the owner or the supervisor records "
                   "them calmer.)" if held else "")
    event = event_record(case=case, actor=user, verb="client contact logged", note=note,
                         data={"mood": client_mood, "channel": channel})
    if not held:
        # The mood heard is a reading like any other: the mood trend and the client's page read the
        # "temperature recorded" events (selectors_ui.TEMPERATURE_RECORDED), as for an email read.
        old = case.temperature
        event_record(case=case, actor=user, verb="temperature recorded",
                     note=f"Heard on a contact {display_name(user)} logged: {Mood(client_mood).label.lower()}.",
                     data={"from": old, "to": client_mood, "channel": channel})
        if old != client_mood:
            case.save(update_fields=[*case.take_temperature(client_mood), "updated_at"])
            apply_irate_rule(case=case, actor=user)
    to = [u.email for u in (case.owner, case.co_owner) if u is not None and u.pk != user.pk]
    notify(key=f"client-contact:{event.pk}", kind="client_contact_logged", case=case, to=to,
           context={**case_context(case), "by": display_name(user), "said": said,
                    "mood": Mood(client_mood).label, "channel": Channel(channel).label.lower()})
    refresh_counters(case)
    return event


@transaction.atomic
def case_ask_for(*, user, case, reason):
    """A teammate asks to take the case over: a handoff to themselves, waiting for the owner (or a
    supervisor) to accept it."""
    case = lock_case(case)
    if not can_ask_for_case(user, case):
        raise CaseRuleError("Only a rep or supervisor who does not own this open case can ask for it.")
    ensure_allows(case, Record.HANDOFF)
    reason = require_substance(reason, field="reason", limit=limit_of(Handoff, "reason"),
                               message="Say why you should take the case over.")
    if case.handoffs.filter(status=HandoffStatus.REQUESTED).exists():
        raise CaseRuleError("A handoff is already waiting on this case; it has to be answered first.")
    handoff = Handoff.objects.create(case=case, from_user=case.owner, to_user=user, reason=reason,
                                     requested_by=user)
    event_record(case=case, actor=user, verb="case asked for", note=f"{display_name(user)}: {reason}",
                 data={"handoff": handoff.pk})
    notify(key=f"case-requested:{handoff.pk}", kind="case_requested", case=case,
           to=[case.owner.email, *supervisor_emails_for(case.owner)],
           context={**case_context(case), "by": display_name(user), "reason": reason,
                    "owner": display_name(case.owner)})
    return handoff
