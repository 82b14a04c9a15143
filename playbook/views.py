"""Live coaching while a rep types: read-only, writes nothing, returns the warnings partial."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .coach import check_text
from .forms import CoachForm


@login_required
@require_POST
def coach(request):
    form = CoachForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Unknown coach context or text too long.")
    warnings = check_text(form.cleaned_data["text"], context=form.cleaned_data["context"])
    return render(request, "playbook/_coach_warnings.html", {"warnings": warnings})
