"""The client's status link, from the staff side: the case owner or a supervisor presses a button (POST)
and gets the signed link to pass on to the client (earlier links stop working), or revokes it. Whoever
may not (cases.permissions.can_manage_status_link) gets 403; a case they may not see, 404. The button's
form carries a one-time token (cases/once.py): sent again (a double click, a reload of the result) it
makes no second link, which would kill the one just given to the client; the page says it
was made already and shows the link that works (found by a review)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .. import once, services
from ..errors import CaseRuleError
from ..permissions import can_manage_status_link
from ..selectors import case_for_user
from ..services.status_links import IssuedLink
from ..status_links import final_page_until, live_link_path, live_link_until, max_age


def _case_for_link_manager(request, reference, doing):
    case = case_for_user(request.user, reference)  # 404 for a case the user may not see
    if not can_manage_status_link(request.user, case):
        raise PermissionDenied(f"Only the case owner or a supervisor can {doing} the client's status link.")
    return case


def _live_link(case):
    """The link the client holds now, signed again as it was issued (as a client email carries it), or
    None when no issued link opens the case."""
    until = live_link_until(case)
    if until is None:
        return None
    path = live_link_path(case)
    return IssuedLink(path=path, url=path, expires_at=until)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache  # the form's one-time token is fresh on every visit, Back included (cases/once.py)
def status_link(request, reference):
    case = _case_for_link_manager(request, reference, "give out")
    ctx = {"case": case, "max_age_days": max_age().days}
    status, link = 200, None
    if request.method == "POST":
        with once.saving(request) as attempt:  # the token is kept only with the link it made
            if attempt.first:
                try:
                    link = services.status_link_issue(user=request.user, case=case,
                                                      link_shown=request.POST.get("link_shown"))
                    attempt.saved = True
                except CaseRuleError as exc:
                    ctx["error"], status = exc.message, 422
                    case.refresh_from_db()  # drawn again as the link stands now
        if not attempt.first:
            messages.info(request, once.ALREADY)
        if attempt.saved or not attempt.first:
            case.refresh_from_db()
            link = link or _live_link(case)
            ctx["again"] = not attempt.first
    if link is not None:
        ctx.update(link=link, link_url=request.build_absolute_uri(link.path))
    ctx.update(live_until=live_link_until(case), final_until=final_page_until(case))
    return render(request, "supervisor/status_link.html", ctx, status=status)


@login_required
@require_POST
def status_link_revoke(request, reference):
    case = _case_for_link_manager(request, reference, "revoke")
    try:
        services.status_link_revoke(user=request.user, case=case, link_shown=request.POST.get("link_shown"))
    except CaseRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The client's status link no longer works.")
    return redirect(reverse("cases:case_detail", args=[case.reference]) + "#status-link-title")
