"""The client's status link: a signed, expiring token naming one case, for a read-only page that
needs no login. The token carries only the case id and is signed with the project's SECRET_KEY
(TimestampSigner, its own salt), so it cannot be forged or pointed at another case; it expires after
settings.CLIENT_LINK_MAX_AGE_DAYS. `status_link_issue` is the only write here: it checks who may
issue a link and records the issue on the case timeline.

`client_status` builds everything the public page shows, and nothing else: no staff emails, no
internal notes, no other case, and no text longer than a short excerpt. The page renders only what
this function returns."""
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .errors import CaseRuleError
from .models import Case, PromiseKind, PromiseStatus, Step
from .selectors import is_supervisor
from .services.common import event_record

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
    """The signature is genuine but too old; `case` is the case it named (to say whom to ask)."""

    def __init__(self, case):
        super().__init__("status link expired")
        self.case = case


class LinkInvalid(Exception):
    """Tampered, truncated, or naming a case that no longer exists."""


def _signer():
    return signing.TimestampSigner(salt=SALT)


def max_age():
    return dt.timedelta(days=settings.CLIENT_LINK_MAX_AGE_DAYS)


def make_token(case):
    return _signer().sign_object({"c": case.pk}, compress=False)


def read_token(token):
    """The case a token names, or LinkExpired / LinkInvalid."""
    signer = _signer()
    try:
        payload = signer.unsign_object(token, max_age=max_age())
    except signing.SignatureExpired:
        payload = _payload_ignoring_age(signer, token)
        case = _case_or_none(payload)
        if case is None:
            raise LinkInvalid() from None
        raise LinkExpired(case) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkInvalid() from None
    case = _case_or_none(payload)
    if case is None:
        raise LinkInvalid()
    return case


def _payload_ignoring_age(signer, token):
    try:
        return signer.unsign_object(token)  # signature checked again; only the age is ignored
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _case_or_none(payload):
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), int):
        return None
    return Case.objects.select_related("client", "owner").filter(pk=payload["c"]).first()


def can_issue_link(user, case):
    """The case owner or a supervisor may give the client a status link."""
    return bool(user and user.is_authenticated and user.is_active
                and (case.owner_id == user.pk or is_supervisor(user)))


@dataclass(frozen=True)
class IssuedLink:
    path: str
    url: str
    expires_at: dt.datetime


@transaction.atomic
def status_link_issue(*, user, case, site_url=None):
    """Sign a link for the case's client and note it on the timeline (who issued it, until when)."""
    if not can_issue_link(user, case):
        raise CaseRuleError("Only the case owner or a supervisor can give the client a status link.")
    path = reverse("client_status", kwargs={"token": make_token(case)})
    expires_at = timezone.now() + max_age()
    event_record(case=case, actor=user, verb="client status link issued",
                 note=f"Valid until {expires_at:%d %b %Y %H:%M} UTC.", data={"expires_at": expires_at.isoformat()})
    return IssuedLink(path=path, url=(site_url or settings.SITE_URL).rstrip("/") + path, expires_at=expires_at)


# --- What the client sees -------------------------------------------------------------------------
@dataclass(frozen=True)
class ClientStatus:
    reference: str
    summary: str
    client_name: str
    handler_first_name: str
    time_zone: str
    step_words: str
    is_resolved: bool
    eta_earliest: dt.datetime | None
    eta_latest: dt.datetime | None
    resolved_at: dt.datetime | None
    last_update_at: dt.datetime | None
    last_update_summary: str
    next_update_by: dt.datetime | None
    next_update_channel: str


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
    """Clients are told who handles their case; the page names them by first name only."""
    return case.owner.first_name or "the person handling your case"


def client_status(case):
    """The public view of one case, with every time in the client's own time zone (2 queries)."""
    tz = case.client.tz
    local = (lambda value: timezone.localtime(value, tz) if value else None)
    last = case.status_updates.order_by("-given_at", "-id").only("given_at", "summary").first()
    next_update = case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).only(
        "due_at").first()
    resolved = not case.is_open
    return ClientStatus(
        reference=case.reference or "",
        summary=excerpt(case.summary),
        client_name=excerpt(case.client.name),
        handler_first_name=excerpt(handler_first_name(case)),
        time_zone=case.client.time_zone,
        step_words=CLIENT_STEP_WORDS[Step(case.step)],
        is_resolved=resolved,
        eta_earliest=None if resolved else local(case.eta_earliest),
        eta_latest=None if resolved else local(case.eta_latest),
        resolved_at=local(case.resolved_at) if resolved else None,
        last_update_at=local(last.given_at) if last else None,
        last_update_summary=excerpt(last.summary) if last else "",
        next_update_by=None if resolved or next_update is None else local(next_update.due_at),
        next_update_channel=case.get_cadence_channel_display().lower() if case.cadence_channel else "",
    )
