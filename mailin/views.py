"""The reps' pages for client email: the unclaimed mail and their own unread replies, a case's emails
(mark them read), claiming a case, and downloading an attachment. Thin: a selector that 404s when
the user may not see the case, one service, CaseRuleError shown to the user."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.errors import CaseRuleError
from cases.permissions import can_claim_case, can_read_client_mail, may_own_cases
from cases.selectors import case_for_user
from cases.services.client_mail import case_claim as claim_service
from cases.services.client_mail import client_mail_read, newest_posted

from . import selectors
from .forms import MailReadForm


@login_required
@require_safe  # a page to read: POST, PUT or DELETE is 405
def client_mail(request):
    if not may_own_cases(request.user):
        raise PermissionDenied
    return render(request, "mailin/inbox.html", {
        "unclaimed": selectors.unclaimed_cases(), "unread": selectors.unread_mail_cases(request.user),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_mail(request, reference):
    case = case_for_user(request.user, reference)
    form = MailReadForm(request.POST if request.method == "POST" else None)  # an empty post is refused, not a page
    if request.method == "POST":
        if not can_read_client_mail(request.user, case):
            raise PermissionDenied
        if form.is_valid():
            try:
                client_mail_read(user=request.user, case=case, client_mood=form.cleaned_data["client_mood"],
                                 newest_shown=form.cleaned_data["newest_shown"])
            except CaseRuleError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Marked read; the client's mood is recorded.")
                return redirect("cases:case_detail", case.reference)
    emails = selectors.case_messages(case)
    return render(request, "mailin/case_mail.html", {
        "case": case, "emails": emails, "form": form, "newest_shown": newest_posted(case, [e.pk for e in emails]),
        "can_read": can_read_client_mail(request.user, case), "can_claim": can_claim_case(request.user, case),
    }, status=422 if form.errors else 200)


@login_required
@require_POST
def case_claim(request, reference):
    case = case_for_user(request.user, reference)
    try:
        claim_service(user=request.user, case=case)
    except CaseRuleError as exc:
        messages.error(request, exc.message)
        return redirect("mailin:inbox")
    messages.success(request, f"{case.reference} is yours now.")
    return redirect("cases:case_detail", case.reference)


@login_required
def attachment_download(request, pk):
    attachment = selectors.attachment_for(request.user, pk)
    # Always a download, never shown inline: a client's file must not run in our pages' origin; under the
    # name the page shows (InboundAttachment.download_name: a file kept before its rule too).
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.download_name,
                        content_type="application/octet-stream")
