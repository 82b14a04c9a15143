"""The team dashboard: the measures of cases/metrics.py over the last 7, 30 or 90 days."""
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import metrics
from ..forms_supervisor import DEFAULT_WINDOW_DAYS, WindowForm
from . import supervisor_required


@supervisor_required
@require_GET
def dashboard(request):
    # Unbound without ?days= so the picker shows the window the numbers actually cover.
    form = WindowForm(request.GET if "days" in request.GET else None, initial={"days": DEFAULT_WINDOW_DAYS})
    board = metrics.team_dashboard(days=form.days_or_default())
    return render(request, "supervisor/dashboard.html", {
        "form": form, "board": board, "steps": metrics.WORKFLOW_STEPS,
    })
