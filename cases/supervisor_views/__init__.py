"""The supervisor's pages: the escalation queue and its actions, the team dashboard, and issuing a
client status link. Views stay thin: a selector to fetch, a form, one service, CaseRuleError back
onto the form. Everything here but the status link needs the `cases.work_escalations` permission."""
import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from ..permissions import holds

PERMISSION = "cases.work_escalations"


def supervisor_required(view):
    """Anonymous users go to the login page (a signed-out post or htmx request gets 401 and what it sent:
    cases/session_expired.py); signed-in users who do not hold the permission (cases.permissions.holds: a
    superuser's flag gives none) get 403."""
    @functools.wraps(view)
    def held(request, *args, **kwargs):
        if not holds(request.user, PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(held)
