"""The client's status link: a signed, expiring token for a read-only page that needs no login. The
token carries the case id and the case's link version, signed with the project's SECRET_KEY
(TimestampSigner, its own salt), so it cannot be forged or pointed at another case; it expires after
settings.CLIENT_LINK_MAX_AGE_DAYS.

A link is revocable: it opens the case only while it carries the case's current
`Case.status_link_version` (`link_state` is the read rule, written once). The writes that bump the
version live in cases.services.status_links: issuing a new link, every change of owner, closing the case
(the link live then may show only "resolved" for settings.CLIENT_LINK_RESOLVED_DAYS) and a revoke by hand.
That final page opens again for as long from the moment the follow-up call is logged (the client rates
us there, however late the call), unless it was revoked by hand; its window, not the token's age
(CLIENT_LINK_MAX_AGE_DAYS), governs the final version.
A version on the case, rather than a row per token, because the rule is "one live link per case": a
single integer under the case's row lock revokes every earlier link at once, costs no extra table or
query on the public page, and the timeline already records who issued and revoked what.

`client_status` builds everything the public page shows, and nothing else: no staff emails, no
internal notes (the rep's update text never: only the line the rep wrote for the client), no other
case, and no text longer than a short excerpt. Its answer to "when will it be fixed?" is `estimate_shown`:
a range only while the estimate the client holds is still owed and ahead, never one already missed.
`client_final_status` is the even smaller view of a closed case. The pages render only what these
functions return."""
import datetime as dt
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Case, PromiseKind, PromiseStatus, Step
from .permissions import may_own_cases
from .workflow import policy

SALT = "cases.client-status-link"

# What each step means, in the client's words (the page never shows the internal step names).
CLIENT_STEP_WORDS = {
    Step.IDENTIFY: "We are listening and writing down exactly what is wrong.",
    Step.ACKNOWLEDGE: "We have your complaint and understand what it means for you.",
    Step.RECOMMIT: "We have your complaint and have committed to putting it right.",
    Step.GATHER: "We are finding the root of the problem.",
    Step.PLAN: "We are planning the fix and will give you an estimate.",
    Step.MANAGE_ANXIETY: "We are working on the fix.",
    Step.DELIVER: "The fix is in: we are checking with you that everything works.",
    Step.RESOLVED: "Resolved.",
}


class LinkExpired(Exception):
    """The signature is genuine and the link not revoked, but too old; `case` is the case it named
    (to say whom to ask)."""

    def __init__(self, case):
        super().__init__("status link expired")
        self.case = case


class LinkRevoked(Exception):
    """Genuine, but revoked: a newer link was issued, the case changed hands or was closed, or someone
    revoked it by hand. Carries nothing about the case: the page says only whom to ask."""


class LinkInvalid(Exception):
    """Tampered, truncated, or naming a case that no longer exists."""


class LinkState(Enum):
    LIVE = "live"  # the full status page
    FINAL = "final"  # the case is closed: the page says only that it is resolved
    REVOKED = "revoked"


def max_age():
    return dt.timedelta(days=settings.CLIENT_LINK_MAX_AGE_DAYS)


def resolved_grace():
    return dt.timedelta(days=settings.CLIENT_LINK_RESOLVED_DAYS)


def link_state(case, version, now):
    """What a link carrying `version` opens on `case` now: the one revocation rule every reader uses."""
    if case.is_open:
        return LinkState.LIVE if version == case.status_link_version else LinkState.REVOKED
    final = case.status_link_final_version
    if final is not None and version == final and case.status_link_final_until and now < case.status_link_final_until:
        return LinkState.FINAL
    return LinkState.REVOKED


def issued_link_until(case, now=None):
    """When the last link issued (and not revoked since) expires, or None when there is none or it has."""
    if case.status_link_issued_at is None:
        return None
    until = case.status_link_issued_at + max_age()
    return until if until > (now or timezone.now()) else None


def live_link_until(case, now=None):
    """When the link the client holds now expires, or None when no issued link opens the case."""
    return issued_link_until(case, now) if case.is_open else None


def final_page_until(case, now=None):
    """Until when the closed case's last link shows "resolved", or None."""
    until = case.status_link_final_until
    return until if until and not case.is_open and until > (now or timezone.now()) else None


# --- Tokens -----------------------------------------------------------------------------------------
def _signer():
    return signing.TimestampSigner(salt=SALT)


def make_token(case, *, version=None, signed_at=None):
    """A token for the case's current link version (issuing bumps the version first). `version`: another
    one (the closed case's final page); `signed_at`: the link's issue time, so that a token made again
    for the live link (a client email) expires with it, not later."""
    signer = _signer() if signed_at is None else _FixedTimeSigner(signed_at)
    return signer.sign_object({"c": case.pk, "v": case.status_link_version if version is None else version},
                              compress=False)


def live_link_path(case):
    """The path of the link the client holds now, signed again as it was issued, so it expires with it
    (what a client email carries, and what the staff's link page shows again)."""
    return reverse("client_status", kwargs={"token": make_token(case, signed_at=case.status_link_issued_at)})


class _FixedTimeSigner(signing.TimestampSigner):
    def __init__(self, signed_at):
        super().__init__(salt=SALT)
        self.signed_at = signed_at

    def timestamp(self):
        return signing.b62_encode(int(self.signed_at.timestamp()))


@dataclass(frozen=True)
class OpenedLink:
    case: Case
    state: LinkState
    version: int  # the link version the token carries: a write rechecks it under the case's lock (link_state)

    @property
    def final(self):
        return self.state is LinkState.FINAL


def read_link(token, *, now=None):
    """What a token opens (an OpenedLink), or LinkInvalid / LinkRevoked / LinkExpired. A revoked link
    is refused as revoked even when it is also old: that page names nobody."""
    signer = _signer()
    expired = False
    try:
        payload = signer.unsign_object(token, max_age=max_age())
    except signing.SignatureExpired:
        expired, payload = True, _payload_ignoring_age(signer, token)
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid() from None
    case, version = _case_and_version(payload)
    if case is None:
        raise LinkInvalid()
    state = link_state(case, version, now or timezone.now())
    if state is LinkState.REVOKED:
        raise LinkRevoked()
    if expired and state is not LinkState.FINAL:  # the final page's own window governs the final version
        raise LinkExpired(case)
    return OpenedLink(case=case, state=state, version=version)


def _payload_ignoring_age(signer, token):
    try:
        return signer.unsign_object(token)  # signature checked again; only the age is ignored
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _case_and_version(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int):
        return None, None
    version = payload.get("v", 0)  # links signed before versions existed carry none: version 0
    if not isinstance(version, int) or isinstance(version, bool):
        return None, None
    return Case.objects.select_related("client", "owner").filter(pk=payload["c"]).first(), version


# --- What the client sees -------------------------------------------------------------------------
class Estimate(str, Enum):
    """The page's answer to "When will it be fixed?" (`estimate_shown`); the template words each one."""

    TO_COME = "to_come"  # no range given yet (or a new plan needs a new one)
    RANGE = "range"  # the range the client holds: still owed, its latest end ahead
    PASSED = "passed"  # its latest end went by without the fix: the handler gives a new one
    ARRIVED = "arrived"  # the fix is in and the client is asked whether it works


@dataclass(frozen=True)
class ClientStatus:
    reference: str
    handler_first_name: str
    time_zone: str
    step: Step  # for templates that vary by step; shown only as step_words
    step_words: str
    is_resolved: bool
    estimate: Estimate
    eta_earliest: dt.datetime | None  # set only when `estimate` is RANGE
    eta_latest: dt.datetime | None
    resolved_at: dt.datetime | None
    last_update_at: dt.datetime | None
    last_update_line: str  # the line the rep wrote for the client with the latest update ("" if none)
    next_update_by: dt.datetime | None
    next_update_channel: str


@dataclass(frozen=True)
class ClientFinalStatus:
    """A closed case, through the link that was live when it closed: only that it is resolved, or that it
    was closed by a supervisor's override (never "resolved": its fix was not confirmed; found by a review)."""

    reference: str
    time_zone: str
    resolved_at: dt.datetime | None
    closed_by_override: bool


EXCERPT = 280  # the public page shows at most this much of any text


def excerpt(value, limit=EXCERPT):
    """At most `limit` characters, cut at a word where possible, with an ellipsis when cut."""
    value = " ".join(str(value or "").split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "\u2026"


def handler_first_name(case):
    """Clients are told who handles their case; the page names them by first name only. An owner who may
    not own cases (cases.permissions.may_own_cases) is nobody's name to give: the mail intake's placeholder
    of a case not claimed yet (found by a review: an email went out signed "Client mail"), or one who has
    left the team or lost the role."""
    owner = case.owner
    return (may_own_cases(owner) and owner.first_name) or "the person handling your case"


def _local(case):
    tz = case.client.tz
    return lambda value: timezone.localtime(value, tz) if value else None


def estimate_shown(case, now, *, not_yet=False):
    """What the page answers to "When will it be fixed?". Found by an audit: the page read the case's range
    alone, so after its latest end went by (the sweep had broken the promise) it still offered the missed
    range as the current answer. The estimate is the promise the client holds, as the plan reads it
    (services.promises.standing_promise: the pending one, or the latest broken with nothing opened after
    it); its range is shown only while that promise is pending and the range's latest end is ahead. While
    the client is asked whether the fix works (the step's policy), the fix is in, unless they said "Not
    yet" (`not_yet`): then the estimate their answer put back stands again, or has passed."""
    # Imported here: the services import this module (the link rules), so it cannot import them first.
    from .services.promises import standing_promise

    promise = standing_promise(case, PromiseKind.ETA) if case.eta_latest is not None else None
    if (promise is not None and promise.status == PromiseStatus.PENDING and case.eta_earliest is not None
            and min(promise.due_at, case.eta_latest) > now):
        return Estimate.RANGE
    if policy(case.step).client_answers and not not_yet:
        return Estimate.ARRIVED
    return Estimate.TO_COME if promise is None else Estimate.PASSED


def client_status(case, *, not_yet=False, now=None):
    """The public view of one case, with every time in the client's own time zone (3 queries). Of the
    rep's updates it shows only when the latest was given and the line written for the client with it (an
    update whose email was withdrawn before it left was never given). `not_yet`: the client said "Not yet"
    to this delivery (cases.client_word, which the page reads anyway; estimate_shown)."""
    local = _local(case)
    last = case.status_updates.given().order_by("-given_at", "-id").only("given_at", "client_line").first()
    next_update = case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).only(
        "due_at").first()
    resolved = not case.is_open
    estimate = Estimate.TO_COME if resolved else estimate_shown(case, now or timezone.now(), not_yet=not_yet)
    ranged = estimate is Estimate.RANGE
    return ClientStatus(
        reference=case.reference or "",
        handler_first_name=excerpt(handler_first_name(case)),
        time_zone=case.client.time_zone,
        step=Step(case.step),
        step_words=CLIENT_STEP_WORDS[Step(case.step)],
        is_resolved=resolved,
        estimate=estimate,
        eta_earliest=local(case.eta_earliest) if ranged else None,
        eta_latest=local(case.eta_latest) if ranged else None,
        resolved_at=local(case.resolved_at) if resolved else None,
        last_update_at=local(last.given_at) if last else None,
        last_update_line=excerpt(last.client_line) if last else "",
        next_update_by=None if resolved or next_update is None else local(next_update.due_at),
        next_update_channel=case.get_cadence_channel_display().lower() if case.cadence_channel else "",
    )


def client_final_status(case, *, client_accepted=False):
    """The closed case's last page: its reference and when it was closed (resolved, or by override), in the
    client's time zone. `client_accepted`: the client said "It works" in the stay the case was closed from
    (cases.client_word, which the page reads anyway): an override after it closed a delivery they accepted,
    not one "without a confirmed fix" (found by a review)."""
    return ClientFinalStatus(reference=case.reference or "", time_zone=case.client.time_zone,
                             resolved_at=_local(case)(case.resolved_at),
                             closed_by_override=case.closed_by_override and not client_accepted)
