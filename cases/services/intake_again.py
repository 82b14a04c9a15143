"""A complaint logged twice: the same rep, the same client, the same summary, while the first case is open and
only minutes old (found by a browser audit: Back after logging a case, then "Log the case" again, picking the
client as the refusal of the typed one suggested, opened a second case for the one call)."""
import datetime as dt

from django.utils import timezone

from ..errors import CaseRuleError
from ..models import OPEN_STEPS, Case
from ..text import normalise

AGAIN_WITHIN = dt.timedelta(minutes=30)


def ensure_not_logged_just_now(*, user, client, summary):
    """Refuse, beside the summary, a case that repeats one `user` opened for `client` in the last AGAIN_WITHIN
    with the same summary (compared as stored: normalised, case aside) and still open. Another complaint of
    the same client is logged with its own summary."""
    said = normalise(summary).casefold()
    recent = (Case.objects.filter(owner=user, client=client, step__in=OPEN_STEPS,
                                  opened_at__gte=timezone.now() - AGAIN_WITHIN)
              .order_by("-opened_at").values_list("reference", "summary", "opened_at"))
    for reference, earlier, opened_at in recent:
        if normalise(earlier).casefold() == said:
            minutes = max(1, int((timezone.now() - opened_at).total_seconds() // 60))
            raise CaseRuleError(
                f"You logged {reference} for {client.name} {minutes} minute{'s' if minutes > 1 else ''} ago with "
                f"this summary: open {reference} to work it. If this is another complaint, say in the summary "
                "how it differs.", field="summary")
