"""The floors `make bench` measures every page against (served only under config/settings/bench.py)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines

from cases.models import Case

_ROWS = engines["django"].from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Floor</title></head><body><main>
<table><thead><tr><th>Case</th><th>Summary</th><th>Step</th><th>Opened</th></tr></thead><tbody>
{% for case in cases %}<tr><td>{{ case.reference }}</td><td>{{ case.summary }}</td>
<td>{{ case.get_step_display }}</td><td>{{ case.opened_at|date:"j M Y H:i" }}</td></tr>
{% endfor %}</tbody></table></main></body></html>""")


@login_required
def floor(request):
    """The framework's floor: session, user, middleware, an HttpResponse."""
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


@login_required
def floor_rows(request):
    """The one-query floor: the latest 25 cases (the primary key's index), rendered by the template engine."""
    cases = Case.objects.only("reference", "summary", "step", "opened_at").order_by("-pk")[:25]
    return HttpResponse(_ROWS.render({"cases": cases}, request))
