"""The irate-client rule: while a client is irate (by temperature or a rep's flag), a supervisor
co-owns the case; when the client calms down, the co-owner steps back."""
from ..selectors import supervisor_for
from .common import display_name, event_record


def apply_irate_rule(*, case, actor):
    if case.is_irate and case.co_owner_id is None:
        supervisor = supervisor_for(case.owner)
        if supervisor is None or supervisor.pk == case.owner_id:
            return case
        case.co_owner = supervisor
        case.save(update_fields=["co_owner", "updated_at"])
        event_record(case=case, actor=actor, verb="co-owner added",
                     note=f"{display_name(supervisor)} co-owns the case while the client is irate.")
    elif not case.is_irate and case.co_owner_id is not None:
        former = case.co_owner
        case.co_owner = None
        case.save(update_fields=["co_owner", "updated_at"])
        event_record(case=case, actor=actor, verb="co-owner removed",
                     note=f"The client has calmed down; {display_name(former)} steps back.")
    return case
