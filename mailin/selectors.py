"""Reads behind the client-mail pages. Each list is a fixed number of queries, whatever its length;
who may see what is cases.permissions' (read through cases.selectors)."""
from django.http import Http404
from django.shortcuts import get_object_or_404

from cases.models import OPEN_STEPS, Case
from cases.permissions import can_view_case
from cases.selectors import own_cases_q

from .models import InboundAttachment, InboundMessage

LIST_LIMIT = 100


def unclaimed_cases(limit=LIST_LIMIT):
    """Cases opened from email that nobody has claimed yet, oldest first (one query; the partial
    index case_awaiting_claim answers it)."""
    return list(Case.objects.filter(awaiting_claim=True, step__in=OPEN_STEPS).select_related("client")
                .order_by("opened_at", "id")[:limit])


def unread_mail_cases(user, limit=LIST_LIMIT):
    """The user's own cases (cases.selectors.own_cases_q) where the client wrote and nobody has read it yet."""
    return list(Case.objects.filter(own_cases_q(user), client_wrote_at__isnull=False,
                                    step__in=OPEN_STEPS).select_related("client")
                .order_by("client_wrote_at", "id")[:limit])


def case_messages(case, limit=LIST_LIMIT):
    """The emails on a case, newest first, with their attachments (two queries)."""
    return list(InboundMessage.objects.filter(case=case).prefetch_related("attachments")
                .order_by("-received_at", "-id")[:limit])


def attachment_for(user, pk):
    """A kept attachment of a case the user may see, else 404 (never reveal it exists)."""
    attachment = get_object_or_404(InboundAttachment.objects.select_related("message__case"), pk=pk)
    case = attachment.message.case
    if not attachment.kept or not attachment.file or case is None or not can_view_case(user, case):
        raise Http404("No such file.")
    return attachment
