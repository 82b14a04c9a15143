"""A client's details changed from a case page (services.intake.client_update): what the page showed, so a form
drawn before someone else's change does not undo it unseen (details_digest, ensure_details_as_shown), and, when
the address changed, what waited to leave for the old one (mail_to_old_address_taken_back)."""
import hashlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..client_word import same_address
from ..errors import CaseRuleError
from ..models import ClientMessageStatus
from ..status_links import live_link_until, max_age
from .client_messages import client_messages_withdraw_held
from .common import lock_case
from .delivery import survey_after_revoke
from .status_links import revoke_status_links

# What the client-details form shows and services.intake.client_update writes, with their labels.
SHOWN_FIELDS = {"name": "name", "organisation": "business", "email": "email", "phone": "phone",
                "time_zone": "time zone", "quiet_hours_start": "quiet hours", "quiet_hours_end": "quiet hours"}
CLIENT_FIELDS = tuple(SHOWN_FIELDS)


def details_digest(client):
    """The client's details as a page shows them, in a few characters (the form's hidden `details_shown`)."""
    values = "\x1f".join("" if getattr(client, f) is None else str(getattr(client, f)) for f in SHOWN_FIELDS)
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def ensure_details_as_shown(client, shown):
    """Refuse a change of the client's details drawn before someone else changed them (`shown`: the digest the
    form was drawn with; None when no form was drawn). Found by an audit: an old form, sent to add a phone
    number, put back the address a supervisor had just corrected, and a stranger's rating counted again. The
    caller holds the client's row lock."""
    if shown is None or shown == details_digest(client):
        return
    raise CaseRuleError(f"Since this page was opened someone changed {client.name}'s details (now: "
                        f"{client.email or 'no email'}, {client.phone or 'no phone'}, {client.time_zone}): "
                        "check each field against them, then send again.")


@transaction.atomic
def mail_to_old_address_taken_back(client, *, old, actor):
    """The client's address changed (not only its letter case), and the old one may be a stranger's (a
    typo corrected; found by a review): every email to the client still waiting to leave, on any of their
    cases, is taken back (each was written to the old address), and a status link an email already took to
    the old address stops working (link_went_to): on an open case the next email carries a new one; on a
    closed case the resolved page is revoked too (found by a review: the stranger rated the case), and if
    the client's rating is still owed a new page's link goes to their address now
    (delivery.survey_after_revoke), whatever invitations went before. The caller holds the client's row lock."""
    old = (old or "").strip()
    if not old or same_address(old, client.email):
        return
    now = timezone.now()
    waiting = Q(client_messages__status__in=[ClientMessageStatus.QUEUED, ClientMessageStatus.FAILED])
    sent_there = Q(client_messages__status=ClientMessageStatus.SENT, client_messages__to_email__iexact=old)
    for case in client.cases.filter(waiting | sent_there).distinct().order_by("pk"):
        case = lock_case(case)
        client_messages_withdraw_held(case=case, actor=actor, why="the client's address changed before it left "
                                                                   "(send it again if it still holds).")
        if not link_went_to(case, old, now):
            continue
        revoke_status_links(case=case, actor=actor, now=now,
                            why=f"The client's address changed: an email had taken the link to {old}.")
        if not case.is_open:
            survey_after_revoke(user=actor, case=case, now=now)


def link_went_to(case, address, now):
    """Whether an email sent to `address` may have carried a link that opens `case` now, or (a closed case)
    its final page (the link live at closing until the follow-up call is logged, then the one the invitation
    to rate us carried: status_links.final_page_reopen). Open: one sent since the live link was issued.
    Closed, with a final page (showing or not): one queued since the earliest moment the link live at closing
    could have been issued (every email queued since the closing carries the final page's link; one before
    it, the live link that became the final page)."""
    sent = case.client_messages.filter(status=ClientMessageStatus.SENT, to_email__iexact=address)
    if case.is_open:
        return live_link_until(case, now) is not None and sent.filter(sent_at__gte=case.status_link_issued_at).exists()
    if case.status_link_final_version is None:
        return False
    return sent.filter(queued_at__gt=case.step_entered_at - max_age()).exists()
