"""The client page, and the client's history shown at intake when a rep picks an existing client."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..selectors_clients import client_for_viewer, client_history as client_history_query, client_page


@login_required
@require_GET
def client_detail(request, pk):
    """`?open=N` and `?past=N` page the client's open and past cases."""
    client = client_for_viewer(request.user, pk)
    context = client_page(request.user, client, open_page=request.GET.get("open"),
                          past_page=request.GET.get("past"))
    return render(request, "cases/client_detail.html", context)


@login_required
@require_GET
def client_history(request, pk=None):
    """The intake form's history panel: `/clients/<pk>/history/`, or `/clients/history/?client=<pk>`
    (what the client select sends with htmx on change). Nothing picked, or an unknown client: an empty
    panel, so a stale history never stays on screen."""
    if not request.user.has_perm("cases.add_case"):
        raise PermissionDenied("Only reps and supervisors can log a case.")
    history = client_history_query(request.user, pk if pk is not None else request.GET.get("client"))
    return render(request, "cases/_client_history.html", {"history": history})
