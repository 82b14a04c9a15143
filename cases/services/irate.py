"""The irate-client rule: while a client is irate (by temperature or a rep's flag), a supervisor
co-owns the case; when the client calms down, the co-owner steps back; when the case changes hands,
the new owner's supervisor takes over as co-owner."""
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..errors import CaseRuleError
from ..models import OPEN_STEPS, Case, Mood
from ..permissions import is_supervisor
from ..selectors import holds_supervisor_role, supervisor_for
from ..text import LINE, clean_text
from ..workflow import Record, ensure_allows
from .common import display_name, ensure_can_work, event_record, lock_case
from .marks import irate_changed_since


def set_irate_flag(case, flagged):
    """Raise or clear the rep's irate flag on a locked case, stamping when it changed (the mark its buttons
    carry: services.marks.irate_mark). The one place the flag is written."""
    case.flagged_irate = bool(flagged)
    case.irate_flag_changed_at = timezone.now()
    case.save(update_fields=["flagged_irate", "irate_flag_changed_at", "updated_at"])


def apply_irate_rule(*, case, actor, supervisor_may_differ=False):
    """`supervisor_may_differ`: the owner's supervisor may no longer be the co-owner (the case has just changed
    hands; a closed case reopens; the admin gave the owner another supervisor), so the rule is applied
    afresh: the co-owner becomes the owner's supervisor (no change when they already are). A co-owner who is no longer a
    supervisor (demoted while the case was closed, which the role change allows) is no co-owner: they step
    back, and an irate client gets the owner's supervisor (found by a review: a reopened irate case kept a
    co-owner who could not open it, and no supervisor)."""
    if case.co_owner_id is not None and not holds_supervisor_role(case.co_owner_id):
        _step_back(case, actor, "{} is no longer a supervisor and steps back.")
    if supervisor_may_differ and case.is_irate and case.co_owner_id is not None:
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


@transaction.atomic
def case_flag_irate(*, user, case, flagged, note="", irate_shown=None):
    """A rep may flag a client as irate whatever the recorded temperature says. Clearing the flag ends the
    supervisor's co-ownership, which lasts until the client calms down: a supervisor's call (the
    co-owner, or another), not the owner's alone. `irate_shown`: the flag as the page showed it
    (marks.irate_mark); a page drawn before the flag went up or down since is refused (found by an audit: an
    old page's "Clear" cleared a flag raised again since, and the supervisor stepped back)."""
    case = lock_case(case)
    ensure_can_work(user, case)
    ensure_allows(case, Record.TEMPERATURE)
    stale = irate_changed_since(case, irate_shown)
    if stale:
        raise CaseRuleError(stale)
    if case.flagged_irate and not flagged and not is_supervisor(user):
        raise CaseRuleError("The client was flagged irate, so a supervisor co-owns the case until they calm "
                            "down: a supervisor clears the flag. Record how the client feels now; the "
                            "co-owner sees it.")
    note = clean_text(note, field="note", limit=LINE)
    set_irate_flag(case, flagged)
    event_record(case=case, actor=user, verb="flagged irate" if flagged else "irate flag cleared", note=note)
    apply_irate_rule(case=case, actor=user)
    return case


@transaction.atomic
def irate_cases_follow_supervisor(*, owner, actor):
    """`owner`'s supervisor changed (their staff profile, in the admin): each open case of theirs with an irate
    client is co-owned by the new supervisor, as on a change of hands (the old one steps back, on the
    timeline). Found by an audit: the old supervisor stayed co-owner of the rep's irate cases, and the new
    one never learnt of them."""
    irate = Q(flagged_irate=True) | Q(temperature=Mood.IRATE)
    for pk in Case.objects.filter(irate, owner=owner, step__in=OPEN_STEPS).order_by("pk").values_list("pk", flat=True):
        case = lock_case(Case(pk=pk))
        if case.owner_id == owner.pk:
            apply_irate_rule(case=case, actor=actor, supervisor_may_differ=True)
