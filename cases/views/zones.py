"""The time-zone picker's full list of <option>s, for a select that was shipped with its "Common"
group only (the case page's client card, cases.forms.ClientDetailsForm): htmx loads it when the card
opens. The same for every case, so the browser may keep it for a while."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from ..forms import time_zone_choices


@login_required
@require_safe
@cache_control(private=True, max_age=3600)
def time_zone_options(request):
    """`?selected=<zone>`: that zone leads the "Common" group, selected (an unknown name is ignored)."""
    selected = request.GET.get("selected", "")[:64]
    choices = time_zone_choices(selected)
    return render(request, "cases/_zone_options.html", {"choices": choices, "selected": selected})
