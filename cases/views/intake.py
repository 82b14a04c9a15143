"""New case (intake): pick or create the client, log the complaint and its first concern."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import once, services
from ..errors import CaseRuleError
from ..forms import NewCaseForm, add_rule_error
from ..forms.intake import CLIENT_Q_LIMIT
from ..permissions import may_own_cases
from ..selectors_clients import client_history
from ..selectors_ui import client_choices


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # PUT or DELETE is 405 (found by an audit)
@never_cache  # its form's one-time token is fresh on every visit, Back included (cases/once.py)
def case_new(request):
    if not may_own_cases(request.user):
        raise PermissionDenied("Only reps and supervisors can log a case.")
    client_q = (request.POST or request.GET).get("client_q", "").strip()[:CLIENT_Q_LIMIT]
    if request.htmx and request.htmx.target == "id_client":
        return render(request, "cases/_client_options.html", {"clients": client_choices(request.user, client_q),
                                                                 "selected": ""})
    # A "Find" without JavaScript comes back as a GET carrying what was typed: keep it.
    form = NewCaseForm(request.POST or None, user=request.user, initial=request.GET.dict())
    if request.method == "POST":
        with once.saving(request) as attempt:  # the form's one-time token is kept only with the case it logged
            if not attempt.first:
                messages.info(request, "That case was logged already (the form was sent twice): it is in My cases.")
                return redirect("cases:my_cases")
            if form.is_valid():
                try:
                    case = _open(request.user, form)
                    attempt.saved = True
                except CaseRuleError as exc:
                    add_rule_error(form, exc)
        if attempt.saved:
            messages.success(request, f"{case.reference} logged. You own it.")
            return redirect("cases:case_detail", reference=case.reference)
    status = 422 if form.is_bound else 200
    clients = client_choices(request.user, client_q)
    picked = getattr(form, "cleaned_data", {}).get("client")  # passed the picker's rule (NewCaseForm)
    if picked is not None and picked not in clients:  # the finder's text changed after picking: keep the pick
        clients = [picked, *clients]
    context = {"form": form, "clients": clients, "client_q": client_q,
               "client_q_limit": CLIENT_Q_LIMIT,
               "selected": str(form["client"].value() or ""),
               # shown without JavaScript too
               "history": client_history(request.user, form["client"].value(), client_q)}
    return render(request, "cases/case_new.html", context, status=status)


def _open(user, form):
    return services.case_intake(user=user, client=form.cleaned_data["client"], new_client=form.new_client(),
                                summary=form.cleaned_data["summary"], temperature=form.cleaned_data["temperature"],
                                concern=form.concern())
