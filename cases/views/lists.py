"""My cases: the rep's home. A page costs the same queries however many cases the rep has: the cases of
their open items, the page's ids with the count beside them, the page's rows (cases.paging.window_page)."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe
from django.utils import timezone

from ..forms import MyCasesFilterForm
from ..models import Step
from ..permissions import is_supervisor, may_own_cases
from ..paging import window_page
from ..selectors_ui import MY_CASES_PAGE_SIZE, handoffs_waiting_for, my_cases as my_cases_query, page_rows


@login_required
@require_safe  # a page to read: PUT or DELETE is 405, not the list (found by an audit)
def my_cases(request):
    if request.user.is_staff and not (may_own_cases(request.user) or is_supervisor(request.user)):
        return redirect("admin:index")  # an operator's login (the admin only) has no cases: its home is the admin
    form = MyCasesFilterForm(request.GET or None, steps=[s for s in Step])
    form.is_valid()  # a field with an error (a hand-edited address) is left out; the others still filter
    filters = getattr(form, "cleaned_data", {})
    now = timezone.now()
    rows, first = my_cases_query(
        request.user, step=filters.get("step", ""), overdue=filters.get("overdue", False),
        escalated=filters.get("escalated", False), q=(filters.get("q") or "").strip(),
        show=filters.get("show") or "open", now=now,
    )
    page = window_page(rows.values("pk"), MY_CASES_PAGE_SIZE, request.GET.get("page"), first=first,
                       rows=lambda part: page_rows([row["pk"] for row in part], request.user, now))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "now": now, "query": query.urlencode(),
               "steps": [s for s in Step if s != Step.RESOLVED]}
    if request.htmx and request.htmx.target == "case-list":
        return render(request, "cases/_case_list.html", context)
    context["handoffs"] = handoffs_waiting_for(request.user)
    return render(request, "cases/my_cases.html", context)
