"""Who may stop working cases: someone who owns open cases, co-owns an irate one, holds open action items,
pending promises or a handoff waiting for them keeps the role that works them (and stays active) until that
work has been handed on. Read by the admin's user form (cases/admin_staff.py), the one place a user's
account or roles change; deactivating someone who still held work left it with nobody, the sweeps then
breaking their promises on their count and emailing an account no one reads."""
from django.contrib.auth.models import Permission
from django.db.models import Q

from ..models import OPEN_STEPS, ActionItem, Case, Handoff, HandoffStatus, ItemStatus, Promise, PromiseStatus
from ..permissions import OWN_CASES, may_own_cases, sees_whole_team
from ..selectors import SUPERVISOR_GROUP, holds_supervisor_role

SHOWN_REFERENCES = 10  # the cases named in a refusal; the rest are counted


def role_change_problems(user, *, active, groups, user_permissions=(), viewer=None):
    """Why `user` may not become `active` with `groups` (Group rows) and `user_permissions` (Permission
    rows; the superuser flag gives no role in the app: cases.permissions.holds): [] when the change takes
    away nothing their work needs. Only a change that removes the right to own cases
    (cases.permissions.may_own_cases, read before and after) or the supervisor's role from someone who still
    holds work is refused; editing anything else of a busy person saves. The cases the work sits on are
    named to a `viewer` who may read every case of the team (sees_whole_team); to anyone else, counted."""
    named = viewer is not None and sees_whole_team(viewer)
    problems = []
    if may_own_cases(user) and not _may_own_after(active, groups, user_permissions):
        held = [
            ("open case they own", "open cases they own",
             Case.objects.filter(owner=user, step__in=OPEN_STEPS), "reference"),
            ("open action item they hold", "open action items they hold",
             ActionItem.objects.filter(assignee=user, status=ItemStatus.OPEN, case__step__in=OPEN_STEPS),
             "case__reference"),
            ("pending promise on their count", "pending promises on their count",
             Promise.objects.filter(owner=user, status=PromiseStatus.PENDING), "case__reference"),
            ("handoff waiting for their answer", "handoffs waiting for their answer",
             Handoff.objects.filter(Q(to_user=user) | Q(from_user=user), status=HandoffStatus.REQUESTED),
             "case__reference"),
        ]
        listed = "; ".join(filter(None, (_held(*what, named=named) for what in held)))
        if listed:
            problems.append(f"{user.get_username()} still has {listed}. Reassign their cases and items (the "
                            "supervisor's pages; a resolved case with its follow-up call too) before they stop "
                            "working cases.")
    if holds_supervisor_role(user.pk) and not (active and any(g.name == SUPERVISOR_GROUP for g in groups)):
        co_owned = _held("open case with an irate client", "open cases with an irate client",
                         Case.objects.filter(co_owner=user, step__in=OPEN_STEPS), "reference", named=named)
        if co_owned:
            problems.append(f"{user.get_username()} co-owns {co_owned} as a supervisor: another supervisor "
                            "takes over first (reassign the case, or record the client's calmer mood).")
    return problems


def _held(one, many, rows, reference, *, named, shown=SHOWN_REFERENCES):
    """"3 open cases they own (C-000001, C-000002, C-000003)": how many `rows`, and, when `named`, on which
    cases (the first `shown` in the order they were opened, "and N more cases" after), so that whoever hands
    the work on knows where to go; "" when there are none."""
    n = rows.count()
    if not n:
        return ""
    if not named:
        return f"{n} {one if n == 1 else many}"
    case_id = "pk" if reference == "reference" else "case_id"
    cases = rows.values_list(case_id, reference).order_by(case_id).distinct()
    first = list(cases[:shown + 1])
    more = cases.count() - shown if len(first) > shown else 0
    where = ", ".join(ref for _, ref in first[:shown]) + (f" and {more} more case{'s' if more > 1 else ''}"
                                                          if more else "")
    return f"{n} {one if n == 1 else many} ({where})"


def _may_own_after(active, groups, user_permissions):
    if not active:
        return False
    app, codename = OWN_CASES.split(".")
    return (any(p.content_type.app_label == app and p.codename == codename for p in user_permissions)
            or Permission.objects.filter(group__in=list(groups), content_type__app_label=app,
                                         codename=codename).exists())
