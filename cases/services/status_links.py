"""Issuing and revoking the client's status link. `revoke_status_links` is the one revoke rule (bump the
case's link version, so every link issued so far stops opening the case) and every path calls it:
issuing a new link (here), every change of owner (handoffs._transfer: handoff accepted, a teammate's
request accepted, a supervisor's reassignment, irate or not; and a claim of a case opened from email,
handoffs.take_back_client_word), closing the case (transitions: resolve and force close, which keep a
final "resolved" page for a while), the client's address changed after an email took a link there
(client_details.mail_to_old_address_taken_back) and a revoke by hand (here: the case page, the issue page and
the admin). What a version opens is read in cases.status_links.link_state.
`final_page_reopen` (the follow-up call logged) opens a new final page of the closed case for a while,
whose only link is the one the invitation to rate us emails to the client (never one the team was shown).
An email still waiting to leave when a new link is issued is queued again with it (an email is rendered
when it is queued: it would reach the client with a link that no longer opens; found by a review)."""
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..errors import CaseRuleError
from ..models import ClientMessageStatus
from ..permissions import can_manage_status_link
from ..status_links import final_page_until, issued_link_until, make_token, max_age, resolved_grace
from .common import event_record, lock_case

LINK_FIELDS = ["status_link_version", "status_link_issued_at", "status_link_final_version",
               "status_link_final_until", "updated_at"]
REVOKED_VERB = "client status link revoked"


@dataclass(frozen=True)
class IssuedLink:
    path: str
    url: str
    expires_at: dt.datetime


def revoke_status_links(*, case, actor, why, closing=False, by_hand=False, record=True, now=None):
    """Revoke every link issued so far for `case` (the caller holds its row lock). `closing`: the link
    live now may show only that the case is resolved, for settings.CLIENT_LINK_RESOLVED_DAYS. Recorded
    on the timeline (unless `record` is off: the caller records it) when a link was live or showed the
    final page, or when done by hand. Returns whether a link was live."""
    now = now or timezone.now()
    live = issued_link_until(case, now) is not None
    was_live = live or final_page_until(case, now) is not None
    if closing and live:
        case.status_link_final_version = case.status_link_version
        case.status_link_final_until = now + resolved_grace()
    else:  # closing too: a link that had already expired (or none) opens nothing again (found by a review)
        case.status_link_final_version = case.status_link_final_until = None
    case.status_link_version += 1
    case.status_link_issued_at = None
    case.save(update_fields=LINK_FIELDS)
    if not record:
        return was_live
    if closing and live:
        note = (f"{why} Until {case.status_link_final_until:%d %b %Y %H:%M} UTC the client's link shows only that "
                "the case is resolved.")
        event_record(case=case, actor=actor, verb=REVOKED_VERB, note=note)
    elif was_live or by_hand:
        event_record(case=case, actor=actor, verb=REVOKED_VERB, note=f"{why} The client's link no longer works.")
    return was_live


def final_page_reopen(*, case, now=None):
    """The follow-up call was logged on the closed `case`, or the invitation to rate us is sent again (the
    caller holds its row lock): a new final page (where the client rates us) opens for
    CLIENT_LINK_RESOLVED_DAYS from now, whose only link is the one the invitation emails to the client's own
    address. Every earlier link stops, the one live at closing too: the team was shown that one to pass on
    (status_link_issue; the staff's link page shows it again), and a rep who opened it in a browser not
    signed in to the tracker rated the case as the client (found by a padding review). Each invitation's
    link stops the one before it, so an invitation that went to an address no longer the client's rates
    nothing either. The survey is the client's word, not the rep's to withhold: a link revoked by hand, or
    none live at closing, does not keep the page shut. The new page's version is the live one's, which
    moves past it, so a reopened case never takes the final page's link for a live one (found by a review:
    after a reopen the invitation's link opened the whole case page). Returns until when it shows, or None."""
    if case.is_open:
        return None
    case.status_link_final_version = case.status_link_version  # a version never given out, and never live
    case.status_link_version += 1
    case.status_link_final_until = (now or timezone.now()) + resolved_grace()
    case.save(update_fields=["status_link_version", "status_link_final_version", "status_link_final_until",
                             "updated_at"])
    return case.status_link_final_until


def _ensure_may_manage(user, case, doing):
    if not can_manage_status_link(user, case):
        raise CaseRuleError(f"Only the case owner or a supervisor can {doing} the client's status link.")


def _ensure_link_as_shown(case, link_shown):
    """Refuse a button drawn when the client's link was another (`link_shown`: Case.status_link_version as the
    page showed it; None or "" when no page was drawn). Found by an audit: a supervisor's page, drawn before
    the owner made a link and sent it to the client, made another on "Make a status link" and killed the
    one the client had just received; an old "Revoke" killed a link made after it was drawn."""
    if link_shown in (None, "") or str(link_shown) == str(case.status_link_version):
        return
    raise CaseRuleError("Since this page was opened the client's status link changed (someone made a new one, "
                        "revoked it, or the case changed hands): nothing was done. Read the page again, then "
                        "press the button again if you still mean to.")


@transaction.atomic
def status_link_issue(*, user, case, site_url=None, link_shown=None):
    """Sign a new link for the case's client (earlier links stop working) and note it on the timeline
    (who issued it, until when). The emails to the client still waiting to leave carry the earlier link:
    each is queued again with this one (client_messages.client_messages_relink_held). Returns the
    IssuedLink to pass on."""
    from .client_messages import client_messages_relink_held  # it reads this module's links

    case = lock_case(case)
    _ensure_may_manage(user, case, "give out")
    _ensure_link_as_shown(case, link_shown)
    if not case.is_open:
        raise CaseRuleError(f"{case.reference} is closed: there is nothing left to follow on a status page.")
    now = timezone.now()
    replaced = revoke_status_links(case=case, actor=user, why="A new link was made.", record=False, now=now)
    case.status_link_issued_at = now
    case.save(update_fields=LINK_FIELDS)
    path = reverse("client_status", kwargs={"token": make_token(case)})
    expires_at = now + max_age()
    event_record(case=case, actor=user, verb="client status link issued",
                 note=f"Valid until {expires_at:%d %b %Y %H:%M} UTC." + (" The earlier link no longer works."
                                                                         if replaced else ""),
                 data={"expires_at": expires_at.isoformat(), "version": case.status_link_version})
    client_messages_relink_held(case=case, actor=user, now=now)
    return IssuedLink(path=path, url=(site_url or settings.SITE_URL).rstrip("/") + path, expires_at=expires_at)


@transaction.atomic
def status_link_revoke(*, user, case, link_shown=None):
    """The owner or a supervisor stops the client's link now (on a closed case, its "resolved" page too;
    if the client has not rated us yet, a new invitation goes to their address: delivery.survey_after_revoke)."""
    from .delivery import survey_after_revoke  # delivery reads this module's final page rule

    case = lock_case(case)
    _ensure_may_manage(user, case, "revoke")
    _ensure_link_as_shown(case, link_shown)
    revoke_status_links(case=case, actor=user, why="Revoked by hand.", by_hand=True)
    _relink_waiting(user=user, case=case)
    survey_after_revoke(user=user, case=case)
    return case


def _relink_waiting(*, user, case):
    """Emails to the client still waiting to leave (held for their quiet hours, or for a retry) carry the
    link just revoked: a new link is made for them (status_link_issue queues each again with it), so the
    update reaches the client's own address with a link that opens, not a dead one (found by a review:
    a held update reached the client with the link revoked minutes after it was queued)."""
    if case.is_open and case.client_messages.filter(status=ClientMessageStatus.QUEUED).exists():
        status_link_issue(user=user, case=case)
        event_record(case=case, actor=user, verb="waiting emails given the new link",
                     note="A new link was made for the emails still waiting to leave, which go only to the "
                          "client's address: the link revoked no longer opens.")
