"""A complaint logged twice: the same rep, the same client, the same summary, while the first case is open and
only minutes old (found by a browser audit: Back after logging a case, then "Log the case" again, picking the
client as the refusal of the typed one suggested, opened a second case for the one call; the same with a new
client typed again, by name alone, opened a second client as well)."""
import datetime as dt

from django.db import connection
from django.utils import timezone

from ..errors import CaseRuleError
from ..models import OPEN_STEPS, Case
from ..text import normalise

AGAIN_WITHIN = dt.timedelta(minutes=30)


def _folded(text):
    return normalise(text or "").casefold()


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
    summary (compared as stored: normalised, case aside) and still open: for `client`, or, for a client typed
    as new (`new_client`: its fields), for a client of the same name and organisation (one with the same
    email or phone is refused as already on file: cases.services.client_identity). Another complaint of the
    same client is logged with its own summary."""
    said = _folded(summary)
    recent = Case.objects.filter(owner=user, step__in=OPEN_STEPS, opened_at__gte=timezone.now() - AGAIN_WITHIN)
    if client is not None:
        recent = recent.filter(client=client)
    else:
        recent = recent.filter(client__name__iexact=normalise((new_client or {}).get("name") or ""))
    typed = (_folded((new_client or {}).get("name")), _folded((new_client or {}).get("organisation")))
    for case in recent.select_related("client").order_by("-opened_at"):
        same_client = client is not None or (_folded(case.client.name), _folded(case.client.organisation)) == typed
        if same_client and _folded(case.summary) == said:
            minutes = max(1, int((timezone.now() - case.opened_at).total_seconds() // 60))
            pick = "" if client is not None else f"{case.client.name} is on file from it: "
            raise CaseRuleError(
                f"You logged {case.reference} for {case.client.name} {minutes} minute{'s' if minutes > 1 else ''} "
                f"ago with this summary: {pick}open {case.reference} to work it. If this is another complaint, "
                "say in the summary how it differs.", field="summary")
