"""ETA honesty over a window: each arrival at `deliver` in it (the transition event of
Transition.COMPLETE_MANAGE_ANXIETY) against the estimate range in force at that moment, by the case's
owner at the arrival (`CaseEvent.owner` of the arrival: a later handoff does not move the verdict): early
(before the range's earliest end), within, or late (after its latest end).

The range in force is the last estimate given on the case at or before the arrival ("estimate given"
events, written by cases.services.plan.eta_set with the range in `data`), its latest end replaced by the
ETA promise's deadline when that promise was opened at or after the estimate (a renegotiation moves the
deadline without a new estimate), the earliest end then no later than that deadline. An arrival with no
estimate before it is not counted.

A deadline that has passed cannot be talked away: an arrival is late, whatever the range in force, when
an ETA promise of the case was broken with a deadline before the arrival and after the case's previous
arrival at `deliver` (a fresh estimate given once the promised one had passed does not make it on time;
a reopened case's earlier cycles do not count against its later arrival). A deadline moved with the
client before it passed (the promise renegotiated, not broken) is a legitimate move of the range.

On PostgreSQL one statement does it: the window's arrivals with their owner from the index
event_transition_verb (which carries it), for each one index-only read of its last estimate
(event_estimate_case, newest first with the range in `data`, read from the JSON with a cast) and of its
last ETA promise (promise_eta_case, newest first with the deadline; both migration 0013), the latest
broken deadline among its ETA promises (promise_eta_case, a handful per case, with their status since
migration 0016), and, only when there is one, whether the case arrived at `deliver` between that deadline and this
arrival (event_transition_verb over that interval, stopping at the first); then the verdicts counted per
owner. The ORDER BY of the estimate and promise lookups is
their index's order, so each stops at the first entry. Elsewhere (SQLite for `make run`) the same rows,
with every arrival of the window's cases, are fetched and matched in Python. Either way the work follows
the window."""
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.utils.dateparse import parse_datetime

from ..models import CaseEvent, Promise, PromiseKind, PromiseStatus
from ..workflow import Transition
from .bounded import among, on_postgresql

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


# The tables are the models' (cases_caseevent: CaseEvent, cases_promise: Promise); 'broken' is
# PromiseStatus.BROKEN, written out (as the CHECK constraint on status does).
ETA_SQL = """
WITH arrivals AS MATERIALIZED (
    SELECT case_id, owner_id, created_at AS arrived FROM cases_caseevent
    WHERE verb = %(arrival)s AND from_step <> '' AND created_at >= %(since)s AND created_at < %(until)s
), ranges AS (
    SELECT a.arrived, a.owner_id,
           CASE WHEN p.created_at >= e.created_at THEN LEAST(e.earliest, p.due_at) ELSE e.earliest END AS earliest,
           CASE WHEN p.created_at >= e.created_at THEN p.due_at ELSE e.latest END AS latest,
           b.due_at IS NOT NULL AND r.arrived IS NULL AS missed
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
    CROSS JOIN LATERAL (
        SELECT max(due_at) AS due_at FROM cases_promise
        WHERE kind = %(eta)s AND case_id = a.case_id AND created_at <= a.arrived
          AND status = 'broken' AND due_at < a.arrived
    ) b
    LEFT JOIN LATERAL (
        SELECT created_at AS arrived FROM cases_caseevent
        WHERE case_id = a.case_id AND created_at >= b.due_at AND created_at < a.arrived
          AND verb = %(arrival)s AND from_step <> ''
        LIMIT 1
    ) r ON true
)
SELECT owner_id, COUNT(*) FILTER (WHERE NOT missed AND arrived < earliest),
       COUNT(*) FILTER (WHERE NOT missed AND arrived >= earliest AND arrived <= latest),
       COUNT(*) FILTER (WHERE missed OR arrived > latest)
FROM ranges GROUP BY owner_id
"""


def _postgres(w):
    params = {"arrival": ARRIVAL.label, "estimate": ESTIMATE_VERB, "eta": PromiseKind.ETA.value,
              "since": w.since, "until": w.until}
    with connection.cursor() as cur:
        cur.execute(ETA_SQL, params)
        return {owner_id: Verdicts(early, within, late) for owner_id, early, within, late in cur.fetchall()}


def _python(w):
    window_cases = (CaseEvent.objects.filter(w.q(), verb=ARRIVAL.label).exclude(from_step="").order_by()
                    .values("case_id"))
    arrivals = defaultdict(list)  # every arrival of the window's cases, in time order, with the owner then
    for case_id, owner_id, arrived in (CaseEvent.objects.filter(among("case_id", window_cases), verb=ARRIVAL.label)
                                       .exclude(from_step="").order_by("created_at", "id")
                                       .values_list("case_id", "owner_id", "created_at")):
        arrivals[case_id].append((arrived, owner_id))
    estimates, deadlines, broken = defaultdict(list), defaultdict(list), defaultdict(list)
    for case_id, at, data in (CaseEvent.objects.filter(among("case_id", window_cases), verb=ESTIMATE_VERB)
                              .order_by("created_at", "id").values_list("case_id", "created_at", "data")):
        earliest = parse_datetime(str((data or {}).get("earliest", "")))
        latest = parse_datetime(str((data or {}).get("latest", "")))
        if earliest and latest:
            estimates[case_id].append((at, earliest, latest))
    for case_id, at, due_at, status in (Promise.objects.filter(among("case_id", window_cases), kind=PromiseKind.ETA)
                                        .order_by("created_at", "id")
                                        .values_list("case_id", "created_at", "due_at", "status")):
        deadlines[case_id].append((at, due_at))
        if status == PromiseStatus.BROKEN:
            broken[case_id].append(due_at)
    counts = defaultdict(lambda: {"early": 0, "within": 0, "late": 0})
    for case_id, case_arrivals in arrivals.items():
        previous = None
        for arrived, owner_id in case_arrivals:
            if w.since <= arrived < w.until:
                verdict = _verdict(arrived, estimates[case_id], deadlines[case_id], broken[case_id], previous)
                if verdict is not None:
                    counts[owner_id][verdict] += 1
            previous = arrived
    return {owner_id: Verdicts(**c) for owner_id, c in counts.items()}


def _verdict(arrived, estimates, deadlines, broken, previous):
    """Early, within or late for one arrival (None without an estimate before it); `previous` is the
    case's arrival before this one, if any."""
    estimate = _last_before(estimates, arrived)
    if estimate is None:
        return None
    if any((previous is None or previous < due_at) and due_at < arrived for due_at in broken):
        return "late"  # a deadline passed in this cycle: no later estimate talks it away
    earliest, latest = estimate[1], estimate[2]
    deadline = _last_before(deadlines, arrived)
    if deadline is not None and deadline[0] >= estimate[0]:  # renegotiated after the estimate
        latest = deadline[1]
        earliest = min(earliest, latest)
    return "early" if arrived < earliest else "late" if arrived > latest else "within"


def _last_before(rows, moment):
    """The last (at, ...) row with at <= moment; rows are in time order."""
    found = None
    for row in rows:
        if row[0] > moment:
            break
        found = row
    return found
