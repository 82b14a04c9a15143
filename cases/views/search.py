"""Search: any case the user may see, by reference, client, contact details or what was said."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from ..forms.search import SearchForm
from ..permissions import sees_whole_team
from ..search import search_cases

SEARCH_PAGE_SIZE = 25


@login_required
def search(request):
    form = SearchForm(request.GET)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(search_cases(request.user, q) if q else [], SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "q": q, "page": page, "now": timezone.now(), "query": query.urlencode(),
               "whole_team": sees_whole_team(request.user)}
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "cases/_search_results.html", context)
    return render(request, "cases/search.html", context)
