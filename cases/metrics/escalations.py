"""The escalations raised in a window, by reason: per rep (the rep who owned the case when each was raised,
`Escalation.case_owner`, recorded by every writer and backfilled by migration 0005) and per week (the
page's weekly series is the team's, so the weeks are counted for the whole team only).

On PostgreSQL one statement does it: the window's escalations from the index escalation_created, counted
over GROUPING SETS (reason, owner) and (reason, week), so a few rows per rep and per week come back
whatever the number of escalations. Elsewhere (SQLite for `make run`) they are counted by reason, owner
and week and added up here."""
from collections import Counter

from django.db import connection
from django.db.models import Count, F

from ..models import Escalation
from .bounded import Weeks, on_postgresql


def escalation_counts(w):
    """({(owner_id, reason): n}, {(monday, reason): n}) over the escalations raised in window `w`."""
    return _postgres(w) if on_postgresql() else _python(w)


# The table is the model's (cases_escalation: Escalation); `starts` are the instants the window's weeks
# after the first start (cases/metrics/bounded.Weeks), so width_bucket gives the week's index.
ESCALATIONS_SQL = """
SELECT GROUPING(case_owner_id) = 1 AS weekly, reason, case_owner_id, week, COUNT(*)
FROM (
    SELECT reason, case_owner_id, width_bucket(created_at, %(starts)s::timestamptz[]) AS week
    FROM cases_escalation WHERE created_at >= %(since)s AND created_at < %(until)s
) e
GROUP BY GROUPING SETS ((reason, case_owner_id), (reason, week))
"""


def _postgres(w):
    weeks = Weeks(w)
    by_owner, by_week = Counter(), Counter()
    with connection.cursor() as cur:
        cur.execute(ESCALATIONS_SQL, {"starts": weeks.starts(), "since": w.since, "until": w.until})
        for weekly, reason, owner_id, week, n in cur.fetchall():
            if weekly:
                by_week[(weeks.mondays[week], reason)] += n
            else:
                by_owner[(owner_id, reason)] += n
    return by_owner, by_week


def _python(w):
    weeks = Weeks(w)
    by_owner, by_week = Counter(), Counter()
    rows = (Escalation.objects.filter(w.q()).order_by()
            .values_list("reason", F("case_owner_id"), weeks.of("created_at")).annotate(n=Count("id")))
    for reason, owner_id, week, n in rows:
        by_owner[(owner_id, reason)] += n
        by_week[(weeks.monday(week), reason)] += n
    return by_owner, by_week
