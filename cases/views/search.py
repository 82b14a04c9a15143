"""Search: any case the user may see, by reference, client, contact details or what was said."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.utils import timezone

from ..forms.search import SearchForm
from ..permissions import sees_whole_team
from ..search import search_page

SEARCH_PAGE_SIZE = 25


@login_required
@require_safe  # a page to read: PUT or DELETE is 405, not the results (found by an audit)
def search(request):
    form = SearchForm(request.GET)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = search_page(request.user, q, request.GET.get("page"), SEARCH_PAGE_SIZE) if q else (
        Paginator([], SEARCH_PAGE_SIZE).get_page(1))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "q": q, "page": page, "now": timezone.now(), "query": query.urlencode(),
               "whole_team": sees_whole_team(request.user)}
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "cases/_search_results.html", context)
    return render(request, "cases/search.html", context)
