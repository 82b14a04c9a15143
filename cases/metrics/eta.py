"""ETA honesty over a window: each arrival at `deliver` in it (the transition event of
Transition.COMPLETE_MANAGE_ANXIETY) against the estimate range in force at that moment, by the case's
owner: early (before the range's earliest end), within, or late (after its latest end).

The range in force is the last estimate given on the case at or before the arrival ("estimate given"
events, written by cases.services.plan.eta_set with the range in `data`), its latest end replaced by the
ETA promise's deadline when that promise was opened at or after the estimate (a renegotiation moves the
deadline without a new estimate), the earliest end then no later than that deadline. An arrival with no
estimate before it is not counted.

On PostgreSQL one statement does it: the window's arrivals from the index event_transition_verb, for
each one index-only read of its last estimate (event_estimate_case, newest first with the range in
`data`, read from the JSON with a cast) and of its last ETA promise (promise_eta_case, newest first with
the deadline; both migration 0013), and the verdicts counted per owner. The ORDER BY of each lookup is
its index's order, so the lookup stops at the first entry. Elsewhere (SQLite for `make run`) the same
rows are fetched and matched in Python. Either way the work follows the window."""
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.utils.dateparse import parse_datetime

from ..models import CaseEvent, Promise, PromiseKind
from ..workflow import Transition
from .bounded import among, case_owner, on_postgresql

ARRIVAL = Transition.COMPLETE_MANAGE_ANXIETY
ESTIMATE_VERB = "estimate given"  # cases.services.plan.eta_set


@dataclass(frozen=True)
class Verdicts:
    early: int = 0
    within: int = 0
    late: int = 0


def eta_verdicts(w):
    """{owner_id: Verdicts} for the arrivals at `deliver` in window `w` that had an estimate."""
    return _postgres(w) if on_postgresql() else _python(w)


# The tables are the models' (cases_caseevent: CaseEvent, cases_promise: Promise, cases_case: Case).
ETA_SQL = """
WITH arrivals AS MATERIALIZED (
    SELECT case_id, created_at AS arrived FROM cases_caseevent
    WHERE verb = %(arrival)s AND from_step <> '' AND created_at >= %(since)s AND created_at < %(until)s
), ranges AS (
    SELECT a.arrived, (SELECT owner_id FROM cases_case WHERE id = a.case_id) AS owner_id,
           CASE WHEN p.created_at >= e.created_at THEN LEAST(e.earliest, p.due_at) ELSE e.earliest END AS earliest,
           CASE WHEN p.created_at >= e.created_at THEN p.due_at ELSE e.latest END AS latest
    FROM arrivals a
    CROSS JOIN LATERAL (
        SELECT created_at, (data ->> 'earliest')::timestamptz AS earliest, (data ->> 'latest')::timestamptz AS latest
        FROM cases_caseevent
        WHERE verb = %(estimate)s AND case_id = a.case_id AND created_at <= a.arrived
          AND data ->> 'earliest' IS NOT NULL AND data ->> 'latest' IS NOT NULL
        ORDER BY created_at DESC, id DESC LIMIT 1
    ) e
    LEFT JOIN LATERAL (
        SELECT created_at, due_at FROM cases_promise
        WHERE kind = %(eta)s AND case_id = a.case_id AND created_at <= a.arrived
        ORDER BY created_at DESC, id DESC LIMIT 1
    ) p ON true
)
SELECT owner_id, COUNT(*) FILTER (WHERE arrived < earliest),
       COUNT(*) FILTER (WHERE arrived >= earliest AND arrived <= latest),
       COUNT(*) FILTER (WHERE arrived > latest)
FROM ranges GROUP BY owner_id
"""


def _postgres(w):
    params = {"arrival": ARRIVAL.label, "estimate": ESTIMATE_VERB, "eta": PromiseKind.ETA.value,
              "since": w.since, "until": w.until}
    with connection.cursor() as cur:
        cur.execute(ETA_SQL, params)
        return {owner_id: Verdicts(early, within, late) for owner_id, early, within, late in cur.fetchall()}


def _python(w):
    arrivals_qs = CaseEvent.objects.filter(w.q(), verb=ARRIVAL.label).exclude(from_step="").order_by()
    arrivals = list(arrivals_qs.annotate(owner=case_owner()).values_list("case_id", "owner", "created_at"))
    case_ids = arrivals_qs.values("case_id")
    estimates, deadlines = defaultdict(list), defaultdict(list)
    for case_id, at, data in (CaseEvent.objects.filter(among("case_id", case_ids), verb=ESTIMATE_VERB)
                              .order_by("created_at", "id").values_list("case_id", "created_at", "data")):
        earliest = parse_datetime(str((data or {}).get("earliest", "")))
        latest = parse_datetime(str((data or {}).get("latest", "")))
        if earliest and latest:
            estimates[case_id].append((at, earliest, latest))
    for case_id, at, due_at in (Promise.objects.filter(among("case_id", case_ids), kind=PromiseKind.ETA)
                                .order_by("created_at", "id").values_list("case_id", "created_at", "due_at")):
        deadlines[case_id].append((at, due_at))
    counts = defaultdict(lambda: {"early": 0, "within": 0, "late": 0})
    for case_id, owner_id, arrived in arrivals:
        estimate = _last_before(estimates[case_id], arrived)
        if estimate is None:
            continue
        earliest, latest = estimate[1], estimate[2]
        deadline = _last_before(deadlines[case_id], arrived)
        if deadline is not None and deadline[0] >= estimate[0]:  # renegotiated after the estimate
            latest = deadline[1]
            earliest = min(earliest, latest)
        verdict = "early" if arrived < earliest else "late" if arrived > latest else "within"
        counts[owner_id][verdict] += 1
    return {owner_id: Verdicts(**c) for owner_id, c in counts.items()}


def _last_before(rows, moment):
    """The last (at, ...) row with at <= moment; rows are in time order."""
    found = None
    for row in rows:
        if row[0] > moment:
            break
        found = row
    return found
