"""The client's status link, from the staff side: the case owner or a supervisor presses a button (POST)
and gets the signed link to pass on to the client (earlier links stop working), or revokes it. Whoever
may not (cases.permissions.can_manage_status_link) gets 403; a case they may not see, 404."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..errors import CaseRuleError
from ..permissions import can_manage_status_link
from ..selectors import case_for_user
from ..status_links import final_page_until, live_link_until, max_age


def _case_for_link_manager(request, reference, doing):
    case = case_for_user(request.user, reference)  # 404 for a case the user may not see
    if not can_manage_status_link(request.user, case):
        raise PermissionDenied(f"Only the case owner or a supervisor can {doing} the client's status link.")
    return case


@login_required
@require_http_methods(["GET", "POST"])
def status_link(request, reference):
    case = _case_for_link_manager(request, reference, "give out")
    ctx = {"case": case, "max_age_days": max_age().days}
    status = 200
    if request.method == "POST":
        try:
            link = services.status_link_issue(user=request.user, case=case)
        except CaseRuleError as exc:
            ctx["error"], status = exc.message, 422
        else:
            case.refresh_from_db()
            ctx.update(link=link, link_url=request.build_absolute_uri(link.path))
    ctx.update(live_until=live_link_until(case), final_until=final_page_until(case))
    return render(request, "supervisor/status_link.html", ctx, status=status)


@login_required
@require_POST
def status_link_revoke(request, reference):
    case = _case_for_link_manager(request, reference, "revoke")
    services.status_link_revoke(user=request.user, case=case)
    messages.success(request, "The client's status link no longer works.")
    return redirect(reverse("cases:case_detail", args=[case.reference]) + "#status-link-title")
