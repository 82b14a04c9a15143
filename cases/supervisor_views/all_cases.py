"""All cases: every case of the team for a supervisor, filtered, sorted (the next promise due first by
default), 50 a page, and the same filtered list as a CSV download (?format=csv, every matching row)."""
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..csv_safe import streaming_csv_response
from ..forms_supervisor import AllCasesFilterForm
from ..selectors_all_cases import all_cases as all_cases_query, case_owners, csv_header, csv_rows
from . import supervisor_required

PAGE_SIZE = 50


@supervisor_required
@require_GET
def all_cases(request):
    form = AllCasesFilterForm(request.GET, owners=case_owners())
    now = timezone.now()
    rows = all_cases_query(**form.filters(), now=now)
    if request.GET.get("format") == "csv":
        tz = timezone.get_current_timezone()
        return streaming_csv_response(f"cases-{timezone.localdate(now):%Y-%m-%d}.csv",
                                      csv_header(timezone.get_current_timezone_name()), csv_rows(rows, tz))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(request, "supervisor/all_cases.html", {
        "form": form, "page": page, "now": now, "query": query.urlencode(),
    })
