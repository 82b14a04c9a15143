"""The team dashboard: the measures of cases/metrics.py over the last 7, 30 or 90 days."""
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import metrics
from ..forms_supervisor import WindowForm
from . import supervisor_required


@supervisor_required
@require_GET
def dashboard(request):
    form = WindowForm(request.GET)
    board = metrics.team_dashboard(days=form.days_or_default())
    return render(request, "supervisor/dashboard.html", {
        "form": form, "board": board, "steps": metrics.WORKFLOW_STEPS,
    })
