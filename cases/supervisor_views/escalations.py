"""The escalation queue and what a supervisor does from it: take, note, resolve, reassign the
case, or close it by the audited override."""
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..errors import CaseRuleError
from ..workflow import Transition
from ..forms_supervisor import (
    EscalationNoteForm, EscalationResolveForm, ForceCloseForm, QueueFilterForm, ReassignForm, add_rule_error,
)
from . import supervisor_required
from .selectors import escalation_for_supervisor, escalation_queue, reassign_candidates

PAGE_SIZE = 50


@supervisor_required
@require_GET
def queue(request):
    filters = QueueFilterForm(request.GET)
    page = Paginator(escalation_queue(**filters.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervisor/queue.html", {"filters": filters, "page": page})


@supervisor_required
@require_GET
def escalation_detail(request, pk):
    return _detail(request, escalation_for_supervisor(pk))


def _detail(request, escalation, **bound):
    case = escalation.case
    forms = {
        "note_form": EscalationNoteForm(),
        "resolve_form": EscalationResolveForm(),
        "reassign_form": ReassignForm(candidates=reassign_candidates(case)),
        "close_form": ForceCloseForm(),
        **bound,
    }
    ctx = {"escalation": escalation, "case": case, "gaps": case.gate_gaps(), **forms}
    return render(request, "supervisor/escalation.html", ctx)


def _act(request, escalation, form_name, form, action, done):
    """Call one service with the bound form's data and redirect; when the form is invalid or the
    service refuses, re-show the page with the error next to the field and the input kept."""
    if form.is_valid():
        try:
            action(escalation, form.cleaned_data)
        except CaseRuleError as exc:
            add_rule_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("supervisor:escalation", pk=escalation.pk)
    return _detail(request, escalation, **{form_name: form})


@supervisor_required
@require_POST
def take(request, pk):
    escalation = escalation_for_supervisor(pk)
    try:
        services.escalation_take(user=request.user, escalation=escalation)
    except CaseRuleError as exc:
        messages.error(request, exc.message)
        return redirect("supervisor:queue")
    messages.success(request, f"You have taken the escalation on {escalation.case.reference}.")
    return redirect("supervisor:escalation", pk=pk)


@supervisor_required
@require_POST
def add_note(request, pk):
    return _act(request, escalation_for_supervisor(pk), "note_form", EscalationNoteForm(request.POST),
                lambda e, d: services.escalation_add_note(user=request.user, escalation=e, text=d["text"]),
                "Note added.")


@supervisor_required
@require_POST
def resolve(request, pk):
    return _act(request, escalation_for_supervisor(pk), "resolve_form", EscalationResolveForm(request.POST),
                lambda e, d: services.escalation_resolve(user=request.user, escalation=e,
                                                         resolution=d["resolution"]),
                "Escalation resolved.")


@supervisor_required
@require_POST
def reassign(request, pk):
    escalation = escalation_for_supervisor(pk)
    form = ReassignForm(request.POST, candidates=reassign_candidates(escalation.case))
    return _act(request, escalation, "reassign_form", form,
                lambda e, d: services.case_reassign(user=request.user, case=e.case, to_user=d["to_user"],
                                                    reason=d["reason"], client_informed=d["client_informed"]),
                "Case reassigned; the previous owner stays on it as a watcher.")


@supervisor_required
@require_POST
def force_close(request, pk):
    return _act(request, escalation_for_supervisor(pk), "close_form", ForceCloseForm(request.POST),
                lambda e, d: services.case_transition(user=request.user, case=e.case, name=Transition.FORCE_CLOSE.method,
                                                      reason=d["reason"]),
                "Case closed by override; it is recorded on the timeline and counted separately.")
