"""The supervisor's pages: the escalation queue and its actions, the team dashboard, and issuing a
client status link. Views stay thin: a selector to fetch, a form, one service, CaseRuleError back
onto the form. Everything here but the status link needs the `cases.work_escalations` permission."""
from django.contrib.auth.decorators import login_required, permission_required

PERMISSION = "cases.work_escalations"


def supervisor_required(view):
    """Anonymous users go to the login page (a signed-out post or htmx request gets 401 and what it sent:
    cases/session_expired.py); signed-in users without the permission get 403."""
    return login_required(permission_required(PERMISSION, raise_exception=True)(view))
