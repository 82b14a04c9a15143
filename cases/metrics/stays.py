"""Time in each step over a window: the stays that ended in it (transition events created in the window,
each carrying `CaseEvent.step_seconds`, recorded by cases.services.transitions), per rep (the case's owner
when the stay ended: `CaseEvent.owner` of the transition out of the step, so a handoff does not move a
stay onto the next owner) and for the team, as (count, median, nearest-rank 90th percentile) in seconds.

On PostgreSQL one statement does it: an index-only scan of the window's transitions (index
event_stay_window, which carries the owner), and percentile_cont(0.5) / percentile_disc(0.9) over
GROUPING SETS for the reps and the team. Elsewhere (SQLite for `make run`) the window's values are
fetched and the same statistics taken in Python. Either way the work follows the window, not the history."""
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from ..models import CaseEvent
from ..workflow import OPEN_STEPS
from .bounded import on_postgresql
from .window import percentile

MEDIAN, HIGH = 0.5, 90  # percentile_cont(0.5) is statistics.median; percentile_disc(0.9) is the nearest rank


@dataclass(frozen=True)
class Stays:
    count: int
    median: float  # seconds
    p90: float  # seconds


def step_stays(w):
    """{(owner_id or None for the team, step): Stays} for the stays in the workflow's steps that ended
    in window `w`."""
    return _postgres(w) if on_postgresql() else _python(w)


def _window_events(w):
    return CaseEvent.objects.filter(w.q(), step_seconds__isnull=False, from_step__in=[s.value for s in OPEN_STEPS])


# The table is the model's (cases_caseevent: CaseEvent); the fractions are MEDIAN and HIGH.
STAYS_SQL = """
SELECT GROUPING(owner_id) = 1 AS team, owner_id, from_step, COUNT(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY step_seconds),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY step_seconds)
FROM cases_caseevent
WHERE step_seconds IS NOT NULL AND created_at >= %s AND created_at < %s AND from_step = ANY(%s)
GROUP BY GROUPING SETS ((from_step, owner_id), (from_step))
"""


def _postgres(w):
    with connection.cursor() as cur:
        cur.execute(STAYS_SQL, [w.since, w.until, [s.value for s in OPEN_STEPS]])
        rows = cur.fetchall()
    # A stay with no recorded owner counts for the team only (its rep row would take the team's key).
    return {(None if team else owner_id, step): Stays(n, median, p90)
            for team, owner_id, step, n, median, p90 in rows if team or owner_id is not None}


def _python(w):
    values = defaultdict(list)
    for owner_id, step, seconds in _window_events(w).values_list("owner_id", "from_step", "step_seconds"):
        if owner_id is not None:
            values[(owner_id, step)].append(seconds)
        values[(None, step)].append(seconds)
    return {key: Stays(len(v), statistics.median(v), percentile(v, HIGH)) for key, v in values.items()}
