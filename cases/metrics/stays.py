"""Time in each step over a window, for the team and per rep, as (count, median, nearest-rank 90th
percentile) in seconds.

- The team's: the whole stays that ended in the window (transition events created in it, each carrying
  `CaseEvent.step_seconds`, recorded by cases.services.transitions), whoever held the case.
- A rep's: for each stay they held the case in (their parts of it that ended in the window,
  cases.models.HeldStay, recorded by cases.services.held), the sum of their parts: each from the case
  entering the step, or from the rep taking the case in it, to the case leaving the step or changing
  hands. Handing a case that sat for days to a teammate who moves it on at once leaves the days with the
  rep who held them; handing it back and forth makes one stay for each rep, not many short ones.

On PostgreSQL one statement does both: an index-only scan of the window's transitions (index
event_stay_window) and two of the window's held parts: those that are their rep's only part of the stay
(`HeldStay.alone`, index held_stay_alone), taken as they are, and the others (index held_stay_shared),
added up per rep and stay; each aggregated with percentile_cont(0.5) / percentile_disc(0.9). Elsewhere
(SQLite for `make run`) the window's values are fetched and the same statistics taken in Python. Either
way the work follows the window, not the history."""
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from ..models import CaseEvent, HeldStay
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
    """{(owner_id, step): Stays} of each rep's time in the stays they held (their parts of each stay
    added up), and {(None, step): Stays} of the team's whole stays, in the workflow's steps, over
    window `w`."""
    return _postgres(w) if on_postgresql() else _python(w)


def _window_events(w):
    return CaseEvent.objects.filter(w.q(), step_seconds__isnull=False, from_step__in=[s.value for s in OPEN_STEPS])


# The tables are the models' (cases_caseevent: CaseEvent, cases_heldstay: HeldStay); the fractions are
# MEDIAN and HIGH. The team's rows carry NULL for the owner.
STAYS_SQL = """
SELECT NULL::bigint, from_step, COUNT(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY step_seconds),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY step_seconds)
FROM cases_caseevent
WHERE step_seconds IS NOT NULL AND created_at >= %s AND created_at < %s AND from_step = ANY(%s)
GROUP BY from_step
UNION ALL
SELECT owner_id, step, COUNT(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY held),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY held)
FROM (SELECT owner_id, step, seconds AS held
      FROM cases_heldstay
      WHERE alone AND ended_at >= %s AND ended_at < %s AND step = ANY(%s)
      UNION ALL
      SELECT owner_id, step, SUM(seconds)
      FROM cases_heldstay
      WHERE NOT alone AND ended_at >= %s AND ended_at < %s AND step = ANY(%s)
      GROUP BY case_id, entered_at, step, owner_id) AS rep_stays
GROUP BY owner_id, step
"""


def _postgres(w):
    steps = [s.value for s in OPEN_STEPS]
    with connection.cursor() as cur:
        cur.execute(STAYS_SQL, [w.since, w.until, steps] * 3)
        rows = cur.fetchall()
    return {(owner_id, step): Stays(n, median, p90) for owner_id, step, n, median, p90 in rows}


def _python(w):
    values = defaultdict(list)
    for step, seconds in _window_events(w).values_list("from_step", "step_seconds"):
        values[(None, step)].append(seconds)
    held = defaultdict(float)  # (case, stay, step, owner) -> the owner's parts of the stay, added up
    rows = HeldStay.objects.filter(w.q("ended_at"), step__in=[s.value for s in OPEN_STEPS])
    for case_id, entered, step, owner_id, seconds in rows.values_list("case_id", "entered_at", "step", "owner_id",
                                                                      "seconds"):
        held[(case_id, entered, step, owner_id)] += seconds
    for (_case, _entered, step, owner_id), seconds in held.items():
        values[(owner_id, step)].append(seconds)
    return {key: Stays(len(v), statistics.median(v), percentile(v, HIGH)) for key, v in values.items()}
