"""Sending the client a message from the case page (cases.services.client_messages). Thin: the case
through the selector that 404s, the permission, the form's shape, the phrase coach's warnings shown
once before sending ("Send anyway" sends), one service, its refusal next to the field. Without
JavaScript the form posts and redirects; with htmx the card comes back in place."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import once
from ..errors import CaseRuleError
from ..forms import add_rule_error
from ..permissions import can_work_case
from ..selectors_ui import case_for_viewer
from ..services.client_messages import client_message_send, coach_check
from ..templatetags.client_message_tags import message_form
from .case import go_to
from .page import case_page_context


@login_required
@require_POST
def client_message_send_view(request, reference):
    case = case_for_viewer(request.user, reference)
    if not can_work_case(request.user, case):
        raise PermissionDenied("Only the case owner, a co-owner or a supervisor can write to the client.")
    form, coach, sent = message_form(case, request.user, request.POST), [], None
    with once.saving(request) as attempt:  # the form's one-time token is kept only with the email it queued
        if not attempt.first:
            messages.info(request, once.ALREADY)
            return go_to(request, reverse("cases:case_detail", args=[case.reference]) + "#client-messages")
        if form.is_valid():
            data = form.cleaned_data
            coach = [] if data["send_anyway"] else coach_check(data["text"], data["kind"])
            if coach:  # shown once: the same text comes back with "Send anyway"
                form = message_form(case, request.user, {**request.POST.dict(), "send_anyway": "on"})
                form.is_valid()
            else:
                try:
                    sent = client_message_send(user=request.user, case=case, kind=data["kind"], text=data["text"],
                                               client_mood=data["client_mood"])
                    attempt.saved = True
                except CaseRuleError as exc:
                    add_rule_error(form, exc)
    if attempt.saved:
        return _sent(request, case, sent)
    return _page(request, reference, form=form, coach=coach, status=200 if coach and not form.errors else 422)


def _sent(request, case, sent):
    held = sent.send_after > sent.queued_at
    messages.success(request, "Queued: it leaves when the client's quiet hours end." if held
                     else "Sent to the outbox: it leaves in a moment.")
    if not request.htmx:
        return redirect(reverse("cases:case_detail", args=[case.reference]) + "#client-messages")
    return _page(request, case.reference)


def _page(request, reference, *, form=None, coach=(), status=200):
    case = case_for_viewer(request.user, reference)  # re-read: sending changed it
    context = {**case_page_context(request, case), "client_message_form": form, "client_message_coach": coach}
    template = "cases/parts/_client_messages_response.html" if request.htmx else "cases/case_detail.html"
    return render(request, template, context, status=status)
