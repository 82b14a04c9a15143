"""The escalation queue (one row per case) and what a supervisor does from a case's escalation page:
take, note or resolve all its open escalations at once, and, apart and confirmed, reassign the case or
close it by the audited override. The per-escalation URLs of the old queue still work: they lead to (or
act on) the escalation's case."""
from functools import wraps

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe, require_POST

from .. import once, services
from ..services.handoffs import follow_up_to_hand_on
from ..services.transitions import held_by_checks
from ..errors import CaseRuleError
from ..forms_supervisor import (
    EscalationNoteForm, EscalationResolveForm, ForceCloseForm, QueueFilterForm, ReassignForm, add_rule_error,
)
from ..models import EscalationStatus
from ..escalations_shown import shown_escalations, taken_shown
from ..refused_forms import say_what_the_page_hides
from ..paging import window_page
from ..workflow import Transition
from . import supervisor_required
from .selectors import (
    QUEUE_PAGE_SIZE, case_for_supervisor, case_of_escalation, escalation_queue, escalations_of_case,
    queue_first_page, queue_scope, reassign_candidates, with_escalations,
)

PAGE_SIZE = QUEUE_PAGE_SIZE


@supervisor_required
@require_safe
def queue(request):
    filters = QueueFilterForm(request.GET)
    scope = queue_scope(**filters.filters())
    page = window_page(escalation_queue(**scope), PAGE_SIZE, request.GET.get("page"),
                       first=queue_first_page(**scope), rows=lambda part: with_escalations(part, **scope))
    return render(request, "supervisor/queue.html", {
        "filters": filters, "page": page, "now": timezone.now(),
        "showing_resolved": scope["status"] == EscalationStatus.RESOLVED,
    })


@supervisor_required
@require_safe
@never_cache  # its forms' one-time tokens are fresh on every visit, Back included (cases/once.py)
def case_escalations(request, reference):
    return _page(request, case_for_supervisor(reference))


def _page(request, case, status=200, **bound):
    forms = {
        "note_form": EscalationNoteForm(),
        "resolve_form": EscalationResolveForm(),
        "reassign_form": ReassignForm(candidates=reassign_candidates(case)),
        "close_form": ForceCloseForm(),
        **bound,
    }
    # What would refuse the override, or the reopen the page points to (held_by_checks): said, not offered.
    held = held_by_checks(case, (Transition.FORCE_CLOSE if case.is_open else Transition.REOPEN).method)
    ctx = {"case": case, "gaps": case.gate_gaps(), "now": timezone.now(), **escalations_of_case(case), **forms,
           "follow_up_to_hand_on": follow_up_to_hand_on(case), "held": held}
    return render(request, "supervisor/escalation.html", ctx, status=status)


def _act(request, case, form_name, form, action, done):
    """Call one service with the bound form's data and redirect; when the form is invalid (a confirmation
    box left empty included) or the service refuses, re-show the page with the error next to the field
    and the input kept."""
    with once.saving(request) as attempt:  # the form's one-time token is kept only with what it saved
        if not attempt.first:
            messages.info(request, once.ALREADY)
            return redirect("supervisor:case_escalations", reference=case.reference)
        if form.is_valid():
            try:
                action(case, form.cleaned_data)
                attempt.saved = True
            except CaseRuleError as exc:
                add_rule_error(form, exc)
    if attempt.saved:
        messages.success(request, done)
        return redirect("supervisor:case_escalations", reference=case.reference)
    case = case_for_supervisor(case.reference)  # re-read: what refused it (another tab) may have moved it
    response = _page(request, case, status=422, **{form_name: form})
    # The page may come back without the form (the escalations were resolved, the case closed meanwhile):
    # then the refusal and what was typed are said at its top.
    if say_what_the_page_hides(request, form, response.content.decode()):
        response = _page(request, case, status=422, **{form_name: form})
    return response


@supervisor_required
@require_POST
def case_take(request, reference):
    case = case_for_supervisor(reference)
    try:
        taken = services.case_escalations_take(user=request.user, case=case, shown=shown_escalations(request.POST))
    except CaseRuleError as exc:
        messages.error(request, exc.message)
    else:
        what = "the escalation" if len(taken) == 1 else f"the {len(taken)} open escalations"
        messages.success(request, f"You have taken {what} on {case.reference}.")
    return redirect("supervisor:case_escalations", reference=case.reference)


@supervisor_required
@require_POST
def case_note(request, reference):
    return _act(request, case_for_supervisor(reference), "note_form", EscalationNoteForm(request.POST),
                lambda c, d: services.case_escalations_note(user=request.user, case=c, text=d["text"],
                                                            shown=shown_escalations(request.POST)),
                "Note added to each open escalation.")


@supervisor_required
@require_POST
def case_resolve(request, reference):
    return _act(request, case_for_supervisor(reference), "resolve_form", EscalationResolveForm(request.POST),
                lambda c, d: services.case_escalations_resolve(user=request.user, case=c, resolution=d["resolution"],
                                                               shown=shown_escalations(request.POST),
                                                               taken_shown=taken_shown(request.POST)),
                "Escalations resolved.")


@supervisor_required
@require_POST
def case_reassign(request, reference):
    case = case_for_supervisor(reference)
    form = ReassignForm(request.POST, candidates=reassign_candidates(case), case=case)
    return _act(request, case, "reassign_form", form,
                lambda c, d: services.case_reassign(user=request.user, case=c, to_user=d["to_user"],
                                                    reason=d["reason"], client_informed=d["client_informed"],
                                                    owner_shown=d.get("owner_shown"),
                                                    step_shown=d.get("step_shown")),
                "Case reassigned; the previous owner stays on it as a watcher.")


@supervisor_required
@require_POST
def case_force_close(request, reference):
    return _act(request, case_for_supervisor(reference), "close_form", ForceCloseForm(request.POST),
                lambda c, d: services.case_close_by_override(user=request.user, case=c, reason=d["reason"],
                                                             step_shown=d["step_shown"],
                                                             shown=shown_escalations(request.POST),
                                                             taken_shown=taken_shown(request.POST)),
                "Case closed by override; it is recorded on the timeline and counted separately.")


# --- the old per-escalation URLs ---------------------------------------------------------------------
@supervisor_required
@require_safe
def escalation_detail(request, pk):
    case = case_of_escalation(pk)
    return redirect(reverse("supervisor:case_escalations", kwargs={"reference": case.reference}) + f"#escalation-{pk}")


def _on_case_of_escalation(view):
    """An action posted to an escalation's old URL acts on its case, as the case's page does; what it
    was shown is that escalation, unless the post lists what its page showed."""
    @wraps(view)
    def by_escalation(request, pk):
        case = case_of_escalation(pk)
        if request.method == "POST" and "shown" not in request.POST:
            request.POST = request.POST.copy()
            request.POST.setlist("shown", [str(pk)])
        return view(request, case.reference)
    return supervisor_required(by_escalation)


take = _on_case_of_escalation(case_take)
add_note = _on_case_of_escalation(case_note)
resolve = _on_case_of_escalation(case_resolve)
reassign = _on_case_of_escalation(case_reassign)
force_close = _on_case_of_escalation(case_force_close)
