"""Issuing the client's status link: the case owner or a supervisor presses a button (POST) and gets
the signed link to pass on to the client."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from ..errors import CaseRuleError
from ..selectors import case_for_user
from ..status_links import can_issue_link, max_age, status_link_issue


@login_required
@require_http_methods(["GET", "POST"])
def status_link(request, reference):
    case = case_for_user(request.user, reference)  # 404 for a case the user may not see
    if not can_issue_link(request.user, case):
        raise PermissionDenied("Only the case owner or a supervisor can give the client a status link.")
    ctx = {"case": case, "max_age_days": max_age().days}
    if request.method == "POST":
        try:
            link = status_link_issue(user=request.user, case=case)
        except CaseRuleError as exc:
            raise PermissionDenied(exc.message) from exc
        ctx.update(link=link, link_url=request.build_absolute_uri(link.path))
    return render(request, "supervisor/status_link.html", ctx)
