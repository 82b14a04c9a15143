"""A complaint logged twice: the same rep, the same client, the same summary, while the first case is open and
only minutes old (found by a browser audit: Back after logging a case, then "Log the case" again, picking the
client as the refusal of the typed one suggested, opened a second case for the one call; the same with a new
client typed again, by name alone, opened a second client as well)."""
import datetime as dt

from django.db import connection
from django.utils import timezone

from ..errors import CaseRuleError
from ..models import OPEN_STEPS, Case
from ..text import digits, normalise

AGAIN_WITHIN = dt.timedelta(minutes=30)


def _folded(text):
    return normalise(text or "").casefold()


def _said(summary):
    """A summary as compared: folded, its closing punctuation aside ("Site down." is "site down")."""
    return _folded(summary).rstrip(" .!?…")


def _same_client(on_file, typed):
    """Whether the client typed as new (`typed`: its fields) is `on_file`: the same name and organisation
    (folded), and no email or phone typed that differs from one on file (found by a red team: a second John
    Smith with his own address was refused and sent to the first one's case; and a second red team: the same
    caller typed again with the email added opened a second client)."""
    if (_folded(on_file.name), _folded(on_file.organisation)) != (_folded(typed.get("name")),
                                                                  _folded(typed.get("organisation"))):
        return False
    email, phone = _folded(typed.get("email")), digits(typed.get("phone") or "")
    on_email, on_phone = _folded(on_file.email), digits(on_file.phone or "")
    # A detail differs only against one on file: the same caller typed again with the email added is the same.
    return (not email or not on_email or email == on_email) and (not phone or not on_phone or phone == on_phone)


def hold_typed_client(*, user, new_client):
    """Until the transaction ends, only this one of `user`'s intakes may add a client of this name (a
    PostgreSQL advisory lock; SQLite serialises writes itself): the same new client submitted twice at once
    (two tabs, Back and again) then waits for the first and is refused beside the summary. The lock on a
    picked client's row does the same for a client on file (common.lock_client)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        [f"intake:{user.pk}:{_folded((new_client or {}).get('name'))}"])


def ensure_not_logged_just_now(*, user, summary, client=None, new_client=None):
    """Refuse, beside the summary, a case that repeats one `user` opened in the last AGAIN_WITHIN with the same
    summary (compared as stored: normalised, case and closing punctuation aside) and still open: for `client`,
    or, for a client typed as new (`new_client`: its fields), for the client _same_client says it is. Another
    complaint of the same client is logged with its own summary."""
    said = _said(summary)
    recent = Case.objects.filter(owner=user, step__in=OPEN_STEPS, opened_at__gte=timezone.now() - AGAIN_WITHIN)
    if client is not None:
        recent = recent.filter(client=client)
    for case in recent.select_related("client").order_by("-opened_at"):  # a rep's last half hour: a few rows
        same_client = client is not None or _same_client(case.client, new_client or {})
        if same_client and _said(case.summary) == said:
            minutes = max(1, int((timezone.now() - case.opened_at).total_seconds() // 60))
            pick = "" if client is not None else f"{case.client.name} is on file from it: "
            raise CaseRuleError(
                f"You logged {case.reference} for {case.client.name} {minutes} minute{'s' if minutes > 1 else ''} "
                f"ago with this summary: {pick}open {case.reference} to work it. If this is another complaint, "
                "say in the summary how it differs.", field="summary")
