"""All cases: every case of the team for a supervisor, filtered, sorted (the next promise due first by
default), 25 a page, and the same filtered list as a CSV download (?format=csv, every matching row).
The count stops at 10,000 ("10,000+"); a next link carries the last row's sort key (cases.paging), so
a deep page starts from its place in the index."""
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..csv_safe import csv_refused, streaming_csv_response
from ..forms_supervisor import AllCasesFilterForm
from ..paging import page_of
from ..selectors_all_cases import (
    all_cases as all_cases_query, case_owners, csv_header, csv_rows, for_download, page_rows, sort_terms,
)
from . import supervisor_required

PAGE_SIZE = 25
COUNT_CAP = 10_000  # "10,000+ cases": counting further reads every one of them


@supervisor_required
@require_safe
def all_cases(request):
    form = AllCasesFilterForm(request.GET, owners=case_owners())
    now = timezone.now()
    filters = form.filters()
    rows = all_cases_query(**filters, now=now)
    if request.GET.get("format") == "csv":
        refused = csv_refused(form)  # a filter left out would hand over more cases than were asked for
        if refused:
            return refused
        tz = timezone.get_current_timezone()
        return streaming_csv_response(f"cases-{timezone.localdate(now):%Y-%m-%d}.csv",
                                      csv_header(timezone.get_current_timezone_name()),
                                      csv_rows(for_download(rows), tz))
    page = page_of(rows, sort_terms(filters["sort"]), per_page=PAGE_SIZE, number=request.GET.get("page"),
                   cursor=request.GET.get("after", "")[:200], cap=COUNT_CAP, rows=lambda ids: page_rows(ids, now))
    query = request.GET.copy()
    for name in ("page", "after", "format"):
        query.pop(name, None)
    return render(request, "supervisor/all_cases.html", {
        "form": form, "page": page, "now": now, "query": query.urlencode(),
    })
