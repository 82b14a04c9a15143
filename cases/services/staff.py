"""Who may stop working cases: someone who owns open cases, co-owns an irate one, holds open action items,
pending promises or a handoff waiting for them keeps the role that works them (and stays active) until that
work has been handed on. Read by the admin's user form (cases/admin_staff.py), the one place a user's
account or roles change; deactivating someone who still held work left it with nobody, the sweeps then
breaking their promises on their count and emailing an account no one reads."""
from django.db.models import Q

from ..models import OPEN_STEPS, ActionItem, Case, Handoff, HandoffStatus, ItemStatus, Promise, PromiseStatus
from ..selectors import REP_GROUP, SUPERVISOR_GROUP


def role_change_problems(user, *, active, groups):
    """Why `user` may not become `active` with the role `groups` (names) now: [] when nothing they hold
    needs a role they would lose."""
    owns = active and bool({REP_GROUP, SUPERVISOR_GROUP} & set(groups))
    supervises = active and SUPERVISOR_GROUP in groups
    problems = []
    if not owns:
        held = {
            "open cases they own": Case.objects.filter(owner=user, step__in=OPEN_STEPS).count(),
            "open action items they hold": ActionItem.objects.filter(assignee=user, status=ItemStatus.OPEN,
                                                                   case__step__in=OPEN_STEPS).count(),
            "pending promises on their count": Promise.objects.filter(owner=user, status=PromiseStatus.PENDING).count(),
            "handoffs waiting for their answer": Handoff.objects.filter(
                Q(to_user=user) | Q(from_user=user), status=HandoffStatus.REQUESTED).count(),
        }
        listed = ", ".join(f"{n} {what}" for what, n in held.items() if n)
        if listed:
            problems.append(f"{user.get_username()} still has {listed}: reassign their cases and items (the "
                            "supervisor's pages) before they stop working cases.")
    if not supervises:
        co_owned = Case.objects.filter(co_owner=user, step__in=OPEN_STEPS).count()
        if co_owned:
            problems.append(f"{user.get_username()} co-owns {co_owned} open case(s) with an irate client as a "
                            "supervisor: another supervisor takes them over first (reassign the case, or "
                            "record the client's calmer mood).")
    return problems
