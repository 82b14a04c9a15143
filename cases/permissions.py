"""Who may do what, declared once as named predicates `(user, obj) -> bool`. Views (before binding a
form), services (under the row lock), selectors, templates and the admin call these; none re-implements
a rule. The FSM's `permission=` adapters at the bottom take django-fsm's (instance, user) order.

Roles come from Django permissions (cases/roles.py): a supervisor holds `cases.work_any_case`. Every role
check asks `holds`: what a person holds through their groups and their own permissions. The superuser flag
is the operator's key to the admin (Django's has_perm, which the admin asks, answers True for any active
superuser) and gives no role in the app: an operator's superuser login is nobody's supervisor
(cases.selectors.supervisors) and works, owns and force-closes no case. Found by an audit."""
from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from .backends import held_permissions
from .choices import EscalationStatus, HandoffStatus, PromiseKind, PromiseStatus
from .workflow import OPEN_STEPS


def _active(user):
    return bool(user is not None and user.is_authenticated and user.is_active)


def holds(user, perm):
    """Whether `user` holds `perm` ("app_label.codename") in the app: through their groups or as their own
    permission, whether or not they are a superuser. The one rule every role check (here, the views and
    services that ask a permission, the templates' `perms`: cases.roles.held_perms) reads."""
    if not _active(user):
        return False
    if user.is_superuser:
        return perm in held_permissions(user)
    return user.has_perm(perm)


def is_supervisor(user):
    return holds(user, "cases.work_any_case")


OWN_CASES = "cases.add_case"  # the permission that lets a rep or supervisor own cases (cases.roles)


def may_own_cases(user):
    """Own a case (take one over, be handed or reassigned one, keep working one's own): an active rep or
    supervisor. Checked when a handoff is asked for and again when it is accepted, since the person may
    have left the team or lost the role in between."""
    return holds(user, OWN_CASES)


def may_add_clients(user):
    """Add a client (reps and supervisors)."""
    return holds(user, "cases.add_client")


def _owns(user, case):
    """The case's owner, while they may own cases: one who has left the team or lost the role keeps
    nothing of what owning gives (working the steps, cancelling items, status links, the client's details)."""
    return case.owner_id == user.pk and may_own_cases(user)


def can_work_case(user, case):
    """Work the steps: the owner and supervisors (a co-owner is the supervisor on an irate case, so works
    it while they hold the role)."""
    return is_supervisor(user) or _owns(user, case)


def sees_whole_team(user):
    """Whoever hears it, helps: every rep may find and read any case of the team, unless the team
    restricts reps to their own cases (REPS_SEE_OWN_CASES_ONLY). Supervisors always see everything."""
    if is_supervisor(user):
        return True
    return may_own_cases(user) and not settings.REPS_SEE_OWN_CASES_ONLY


def can_view_case(user, case):
    """Open the case page (read-only unless they work it): the whole team (see sees_whole_team), and
    otherwise whoever works it, its watchers (earlier owners), a teammate holding one of its action
    items, and the person a pending handoff is offered to."""
    if can_work_case(user, case) or sees_whole_team(user) or can_claim_case(user, case):
        return True
    if not may_own_cases(user):  # left the team or lost the role: nothing of the team's (found by a review)
        return False
    return (
        case.watchers.filter(pk=user.pk).exists()
        or case.action_items.filter(assignee=user).exists()
        or case.handoffs.filter(to_user=user, status=HandoffStatus.REQUESTED).exists()
    )


def can_claim_case(user, case):
    """First hearer owns it: a case opened from an email that nobody owns yet may be claimed (and so
    read) by any rep or supervisor while it is open; whoever claims it first owns it."""
    return may_own_cases(user) and bool(case.awaiting_claim) and case.step in OPEN_STEPS


def can_read_client_mail(user, case):
    """Mark the client's email read and say how they sound: whoever works the case."""
    return can_work_case(user, case)


def can_log_contact(user, case):
    """A client called and whoever picked up is not the owner: anyone of the team who may read the case
    notes it (one who lost the role reads what they still may, but records no mood on it)."""
    return may_own_cases(user) and can_view_case(user, case)


def can_ask_for_case(user, case):
    """A rep (or supervisor) who is not the owner may ask to take an open case over (a handoff to
    themselves that the owner or a supervisor accepts)."""
    return (may_own_cases(user) and case.owner_id != user.pk
            and case.step in OPEN_STEPS and not case.awaiting_claim and can_view_case(user, case))


def can_accept_handoff_for(user, handoff):
    """Accepting a handoff: the person it is offered to; for a request a rep made for themselves, the
    case owner or a supervisor answers it instead."""
    if handoff.requested_by_id and handoff.requested_by_id == handoff.to_user_id:
        return _active(user) and (handoff.from_user_id == user.pk or is_supervisor(user))
    return can_accept_handoff(user, handoff)


def can_act_on_item(user, item):
    """Complete an item (or change it): its assignee while they may own cases (one who lost the role keeps
    no promise to keep), or whoever works the case."""
    return (item.assignee_id == user.pk and may_own_cases(user)) or can_work_case(user, item.case)


def can_cancel_item(user, item):
    """Only the case owner or a supervisor withdraws an action item; a teammate hands it back."""
    return is_supervisor(user) or _owns(user, item.case)


def can_hand_back_item(user, item):
    """The teammate holding an item on somebody else's case may give it back to the owner."""
    return _active(user) and item.assignee_id == user.pk and item.case.owner_id != user.pk


def can_answer_handback(user, item):
    return can_cancel_item(user, item)


def can_accept_handoff(user, handoff):
    return _active(user) and handoff.to_user_id == user.pk


def can_answer_handoff(user, handoff):
    """Accept (the person it is offered to) or decline/cancel (either side of it, or a reassigner)."""
    return _active(user) and (user.pk in (handoff.to_user_id, handoff.from_user_id) or can_reassign(user))


def can_manage_status_link(user, case):
    """Give the client a status link, or revoke it: the case owner or a supervisor (a co-owner is one)."""
    return is_supervisor(user) or _owns(user, case)


def can_reassign(user, case=None):
    return holds(user, "cases.reassign_case")


def can_force_close(user, case=None):
    return holds(user, "cases.override_gate")


def can_work_escalations(user):
    return is_supervisor(user) and holds(user, "cases.work_escalations")


def escalation_holder(escalation):
    """The supervisor holding an escalation: the one who took it, while they may work escalations; None
    when it is open, resolved, or its taker has since left the team or lost the role (found by a review: a
    departed supervisor's escalations could be taken by nobody). The one rule for "held": the services
    (cases.services.escalations) refuse from it and the supervisor's pages count what waits to be taken
    from it."""
    if escalation.status != EscalationStatus.TAKEN or escalation.supervisor_id is None:
        return None
    return escalation.supervisor if can_work_escalations(escalation.supervisor) else None


def _being_worked():
    """A client's cases someone still works: open, or resolved with the follow-up call still to make."""
    from .models import Promise  # the models import this module

    call_owed = Promise.objects.filter(case=OuterRef("pk"), kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING)
    return Q(step__in=OPEN_STEPS) | Q(Exists(call_owed))


def can_edit_client_contact(user, client):
    """Name, organisation, email, phone: anyone who works one of the client's cases: a supervisor, or, while
    a rep, the owner of one still being worked, or of a closed one when nobody else works the client (a
    typo found after the follow-up call is put right). Found by an audit: the owner of a case closed long ago
    changed the address a teammate's open case writes to, took back its waiting emails and revoked its
    status link; the teammate working the client now (or a supervisor) changes it. One query."""
    if is_supervisor(user):
        return True
    if not may_own_cases(user):
        return False
    owners = {(owner_id == user.pk, worked) for owner_id, worked in client.cases.annotate(
        worked=ExpressionWrapper(_being_worked(), output_field=BooleanField())).values_list("owner_id", "worked")}
    return (True, True) in owners or ((True, False) in owners and (False, True) not in owners)


def can_edit_client_schedule(user, client):
    """Time zone and quiet hours move the deadlines of every open case of the client, and the follow-up
    call still waiting on a resolved one: a supervisor, or a rep who owns every such case (and at least
    one of them), so no one moves a teammate's promise."""
    if is_supervisor(user):
        return True
    if not may_own_cases(user):
        return False
    moved = client.cases.filter(_being_worked())
    return moved.filter(owner=user).exists() and not moved.exclude(owner=user).exists()


# --- django-fsm adapters: permission=callable(instance, user) ---------------------------------------
def fsm_work(case, user):
    return can_work_case(user, case)


def fsm_force_close(case, user):
    return can_force_close(user, case)


FSM_PERMISSIONS = {"work": fsm_work, "force_close": fsm_force_close}
