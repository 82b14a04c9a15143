"""The team page: the measures of cases/metrics over the last 7, 30 or 90 days, its charts, and each
chart's and table's numbers as a CSV download (`?format=csv&chart=<name>&until=<the page's window end>`, the same
window as the page it was downloaded from: forms_supervisor.WindowForm)."""
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from .. import metrics
from ..csv_safe import csv_refused, streaming_csv_response
from ..forms_supervisor import DEFAULT_WINDOW_DAYS, WindowForm
from . import supervisor_required


@supervisor_required
@require_safe
def dashboard(request):
    # Unbound without ?days= so the picker shows the window the numbers actually cover.
    form = WindowForm(request.GET if "days" in request.GET else None, initial={"days": DEFAULT_WINDOW_DAYS})
    days = form.days_or_default()
    if request.GET.get("format") == "csv":
        refused = csv_refused(form, fields=["days", "until"])  # a window nobody asked for is not handed over
        if refused:
            return refused
        board = metrics.team_dashboard(days=days, now=form.until_or_now(timezone.now()))
        download = metrics.download_named(board, request.GET.get("chart", ""))
        if download is None or download.is_empty:
            raise Http404("No such chart or table, or nothing in it for this window.")
        return streaming_csv_response(f"team-{download.name}-{board.window.days}-days.csv",
                                      download.csv_columns, download.csv_rows)
    board = metrics.team_dashboard(days=days)
    if form.is_bound and form.data.get("days") != str(days):  # the picker shows the window the numbers cover
        form = form.showing(days)
    return render(request, "supervisor/dashboard.html", {
        "form": form, "board": board, "steps": metrics.WORKFLOW_STEPS, "figures": metrics.figures(board),
        "steps_by_rep": metrics.steps_by_rep(board), "escalations_by_rep": metrics.escalations_by_rep(board),
        "until": WindowForm.until_value(board.window.until),
    })
