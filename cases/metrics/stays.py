"""Time in each step over a window, for the team and per rep, as (count, median, nearest-rank 90th
percentile) in seconds.

- The team's: the whole stays that ended in the window (transition events created in it, each carrying
  `CaseEvent.step_seconds`, recorded by cases.services.transitions), whoever held the case.
- A rep's: each stay they held the case in, counted in the window their time in it ended in (their last
  part of it, cases.models.HeldStay, recorded by cases.services.held, ended in the window), as the sum
  of ALL their parts of it, whenever each ended: each from the case entering the step, or from the rep
  taking the case in it, to the case leaving the step or changing hands. Handing a case that sat for
  days to a teammate who moves it on at once leaves the days with the rep who held them; handing it
  back and forth makes one stay for each rep, not many short ones, and does not drop from it the days
  held before the window (found by an audit: a ten-day stay handed away and straight back eight days
  ago showed as eight days on the rep's row of the last 7 days, ten on the team's). A stay the case came
  back to its rep in (cases.services.held.mark_held_again) and that they hold now has not ended: it is left
  out until its last part ends (found by an audit: it showed as a finished stay of its first part).

On PostgreSQL one statement does both: an index-only scan of the window's transitions (index
event_stay_window) and two of the window's held parts: those that are their rep's only part of the stay
(`HeldStay.alone`, index held_stay_alone), the whole of the rep's time in it, taken as they are; and the
others (index held_stay_shared), each naming a rep's stay whose parts are read and added up (index
held_stay_shared_stay, one index-only lookup per stay) and kept if the last of them ended in the window;
each aggregated with percentile_cont(0.5) / percentile_disc(0.9). Elsewhere (SQLite for `make run`) the
same parts are fetched in one query and the same statistics taken in Python. Either way the work follows
the window, not the history.

A median over the stays that ended leaves out those that have not: a case left sitting in a step never
reaches it, so a rep who keeps the hard case in Gather shows only the quick ones (found by a padding red
team). `still_in_step` gives beside it how many sat in each step at the window's end and how long the
longest of them had been there, for the team and for the rep who owned each then: the cases themselves
(partial index case_in_step_now) and, for those changed since, the owners' part of the stay then."""
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q

from ..models import Case, CaseEvent, HeldStay
from ..workflow import OPEN_STEPS
from .bounded import on_postgresql
from .window import percentile

MEDIAN, HIGH = 0.5, 90  # percentile_cont(0.5) is statistics.median; percentile_disc(0.9) is the nearest rank


@dataclass(frozen=True)
class Stays:
    count: int
    median: float  # seconds
    p90: float  # seconds


@dataclass(frozen=True)
class Waiting:
    count: int  # cases in the step at the window's end
    longest: float  # seconds the one there longest had been in it then


def still_in_step(w):
    """{(owner_id, step): Waiting} of the cases each rep owned that sat in a workflow step at the end of window
    `w`, and {(None, step): Waiting} of the team's, whoever owned them; each from entering its step (where the
    team's finished stays are measured from too). At the end of a past window too (a CSV downloaded from a page
    drawn earlier: found by a red team, a case moved on or handed over in between was in no step of it, or on
    its new owner's row): in_step_now."""
    waiting, team = {}, {}
    for row in in_step_now(w):
        key = (row["owner_id"], row["step"])
        n, since = waiting[key] if key in waiting else (0, row["since"])
        waiting[key] = (n + row["n"], min(since, row["since"]))
        n, since = team.get(row["step"], (0, row["since"]))
        team[row["step"]] = (n + row["n"], min(since, row["since"]))
    waiting.update({(None, step): value for step, value in team.items()})
    return {key: Waiting(n, (w.until - since).total_seconds()) for key, (n, since) in waiting.items()}


def in_step_now(w):
    """still_in_step's read, per owner and step: how many cases and since when the earliest, in one statement.
    The cases as they are, unless they moved on or changed hands after the window's end (an owner's part of a
    stay ended since: HeldStay), read index-only (case_in_step_now); and the parts running at the window's end
    that have ended since, from HeldStay (none when the window ends now)."""
    open_steps, until = [s.value for s in OPEN_STEPS], w.until
    # Ended since: each half from its partial index on ended_at (held_stay_alone, held_stay_shared), OR-ed. A change
    # at `until` is the next window's, as everywhere on the page ([since, until)): the state then is the one before.
    ended_since = Q(alone=True, ended_at__gte=until) | Q(alone=False, ended_at__gte=until)
    changed = HeldStay.objects.filter(ended_since).values("case_id")
    unchanged = (Case.objects.filter(step__in=open_steps, step_entered_at__lt=until).exclude(pk__in=changed)
                 .order_by().values("owner_id", "step").annotate(n=Count("step"), since=Min("step_entered_at")))
    then = (HeldStay.objects.filter(ended_since, step__in=open_steps, started_at__lt=until).order_by()
            .values("owner_id", "step").annotate(n=Count("step"), since=Min("entered_at")))
    return unchanged.union(then, all=True)


def step_stays(w):
    """{(owner_id, step): Stays} of each rep's time in the stays they held (all their parts of each stay
    added up, in the window the last of them ended in), and {(None, step): Stays} of the team's whole
    stays, in the workflow's steps, over window `w`."""
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
WHERE step_seconds IS NOT NULL AND created_at >= %(since)s AND created_at < %(until)s AND from_step = ANY(%(steps)s)
GROUP BY from_step
UNION ALL
SELECT owner_id, step, COUNT(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY held),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY held)
FROM (SELECT owner_id, step, seconds AS held
      FROM cases_heldstay
      WHERE alone AND ended_at >= %(since)s AND ended_at < %(until)s AND step = ANY(%(steps)s)
      UNION ALL
      SELECT shared.owner_id, shared.step, whole.held
      FROM (SELECT DISTINCT case_id, entered_at, step, owner_id
            FROM cases_heldstay
            WHERE NOT alone AND ended_at >= %(since)s AND ended_at < %(until)s AND step = ANY(%(steps)s)) AS shared
      CROSS JOIN LATERAL (SELECT SUM(part.seconds) AS held, MAX(part.ended_at) AS last_ended
                          FROM cases_heldstay AS part
                          WHERE NOT part.alone AND part.case_id = shared.case_id
                            AND part.entered_at = shared.entered_at AND part.step = shared.step
                            AND part.owner_id = shared.owner_id) AS whole
      WHERE whole.last_ended < %(until)s
        AND NOT EXISTS (SELECT 1 FROM cases_case AS c WHERE c.id = shared.case_id AND c.owner_id = shared.owner_id
                        AND c.step = shared.step AND c.step_entered_at = shared.entered_at)) AS rep_stays
GROUP BY owner_id, step
"""


def _postgres(w):
    with connection.cursor() as cur:
        cur.execute(STAYS_SQL, {"since": w.since, "until": w.until, "steps": [s.value for s in OPEN_STEPS]})
        rows = cur.fetchall()
    return {(owner_id, step): Stays(n, median, p90) for owner_id, step, n, median, p90 in rows}


def _python(w):
    values = defaultdict(list)
    for step, seconds in _window_events(w).values_list("from_step", "step_seconds"):
        values[(None, step)].append(seconds)
    # The window's parts, and every part of a rep's stay one of the window's shared parts belongs to.
    in_window = w.q("ended_at") & Q(step__in=[s.value for s in OPEN_STEPS])
    same_stay = HeldStay.objects.filter(in_window, alone=False, case_id=OuterRef("case_id"),
                                        entered_at=OuterRef("entered_at"), step=OuterRef("step"),
                                        owner_id=OuterRef("owner_id"))
    rows = HeldStay.objects.filter(in_window | Q(Exists(same_stay), alone=False))
    held = defaultdict(lambda: [0.0, None])  # (case, stay, step, owner, alone) -> [seconds added up, last end]
    for *key, seconds, ended in rows.values_list("case_id", "entered_at", "step", "owner_id", "alone", "seconds",
                                                 "ended_at"):
        stay = held[tuple(key)]
        stay[0] += seconds
        stay[1] = ended if stay[1] is None else max(stay[1], ended)
    holding = set(Case.objects.filter(pk__in={key[0] for key in held if not key[4]})
                  .values_list("pk", "step_entered_at", "step", "owner_id"))  # the stays their reps hold now
    for (case_id, entered, step, owner_id, alone), (seconds, last_ended) in held.items():
        if last_ended < w.until and (alone or (case_id, entered, step, owner_id) not in holding):
            values[(owner_id, step)].append(seconds)
    return {key: Stays(len(v), statistics.median(v), percentile(v, HIGH)) for key, v in values.items()}
