"""The irate-client rule: while a client is irate (by temperature or a rep's flag), a supervisor
co-owns the case; when the client calms down, the co-owner steps back; when the case changes hands,
the new owner's supervisor takes over as co-owner."""
from django.utils import timezone

from ..selectors import holds_supervisor_role, supervisor_for
from .common import display_name, event_record


def set_irate_flag(case, flagged):
    """Raise or clear the rep's irate flag on a locked case, stamping when it changed (the mark its buttons
    carry: services.marks.irate_mark). The one place the flag is written."""
    case.flagged_irate = bool(flagged)
    case.irate_flag_changed_at = timezone.now()
    case.save(update_fields=["flagged_irate", "irate_flag_changed_at", "updated_at"])


def apply_irate_rule(*, case, actor, owner_changed=False):
    """`owner_changed`: the case has just changed hands (a handoff or a reassignment), so the rule is
    applied afresh: the co-owner becomes the new owner's supervisor. A co-owner who is no longer a
    supervisor (demoted while the case was closed, which the role change allows) is no co-owner: they step
    back, and an irate client gets the owner's supervisor (found by a review: a reopened irate case kept a
    co-owner who could not open it, and no supervisor)."""
    if case.co_owner_id is not None and not holds_supervisor_role(case.co_owner_id):
        _step_back(case, actor, "{} is no longer a supervisor and steps back.")
    if owner_changed and case.is_irate and case.co_owner_id is not None:
        return _co_owner_for_new_owner(case=case, actor=actor)
    if case.is_irate and case.co_owner_id is None:
        supervisor = supervisor_for(case.owner)
        if supervisor is None or supervisor.pk == case.owner_id:
            return case
        case.co_owner = supervisor
        case.save(update_fields=["co_owner", "updated_at"])
        event_record(case=case, actor=actor, verb="co-owner added",
                     note=f"{display_name(supervisor)} co-owns the case while the client is irate.")
    elif not case.is_irate and case.co_owner_id is not None:
        _step_back(case, actor, "The client has calmed down; {} steps back.")
    return case


def _step_back(case, actor, why):
    """The co-owner leaves the case, on the timeline: `why` names them at {}."""
    former = case.co_owner
    case.co_owner = None
    case.save(update_fields=["co_owner", "updated_at"])
    event_record(case=case, actor=actor, verb="co-owner removed", note=why.format(display_name(former)))


def _co_owner_for_new_owner(*, case, actor):
    supervisor = supervisor_for(case.owner)
    if supervisor is None or supervisor.pk == case.owner_id:
        if case.co_owner_id == case.owner_id:  # the co-owner took the case and has nobody above them
            _step_back(case, actor, "{} now owns the case; there is no other supervisor to co-own it.")
        return case
    if supervisor.pk == case.co_owner_id:
        return case
    former = case.co_owner
    case.co_owner = supervisor
    case.save(update_fields=["co_owner", "updated_at"])
    event_record(case=case, actor=actor, verb="co-owner changed",
                 note=f"{display_name(supervisor)} co-owns the case while the client is irate, as the new owner's "
                      f"supervisor; {display_name(former)} steps back.",
                 data={"from": former.pk, "to": supervisor.pk})
    return case
