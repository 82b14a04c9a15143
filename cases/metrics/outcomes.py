"""The outcomes of the resolutions through the deliver gate in a window (each Transition.COMPLETE_DELIVER
event in it), by the rep who owned the case when it was resolved (`CaseEvent.owner` of the resolution: a
later handoff or reassignment does not move it): how many (the page's "Resolved": each resolution, a case
resolved, reopened and resolved again counts twice, beside its reopen) and the client's mood at intake and
at delivery, once per case; and the follow-up call of each resolution, by the holder of its promise (below).

- The mood counts each case once, by its first resolution in the window, for the rep who owned the case
  then: reopening and resolving the same case again adds no mood case or "anxious to joy" each round (found
  by a review: five reopen cycles of one case read as six anxious clients brought to joy), and a quick
  re-delivery does not turn the upset client of that first resolution into a happy one (the earlier
  padding review's rule, kept). Two resolutions of a case at the same instant confirm the same
  delivery; the owner id breaks the tie, in the same ORDER BY on both paths.
- The delivery counted is the one a resolution confirmed (the case's latest delivery recorded at or
  before it): a reopen and a new delivery later do not rewrite a past window's mood, nor any resolution's
  follow-up, in a past window or in the same one (a call missed after the first resolution stays missed
  when the case is reopened and resolved again: found by a padding review).
- Mood: Mood.score (0 irate .. 6 delighted) of the case's intake temperature, and of the mood recorded
  with that delivery (the rep's reading, else the client's temperature when the case was resolved, kept on
  the delivery then: cases.services.transitions._resolve, migration 0031 for the past), never the case's
  temperature now, which a reading after a reopen changes; a case counts when both are known.
  "Anxious to joy": intake anxious or worse, delivery satisfied or better.
- Follow-up: judged by the ledger, as each case page shows it. The resolution's follow-up promise is the
  one in force for it: the call promised with that delivery (the first follow-up promise opened at or
  after the resolution, none when the delivery set no date), or the last of its moves (the one of its
  chain no promise replaces: a call moved with the client's agreement when their time zone changed,
  cases.services.intake). Done when the call was logged and that promise was not broken (kept late is
  broken); missed when it was logged late, or is not logged and its promise is broken or pending with its
  deadline passed by the window's end (the ledger's overdue, cases.services.promises._overdue: the sweep
  breaks it, or has not got there yet). The deadline is the end of the client's business day on the client's date
  (cases.schedule.follow_up_due), never the site's date, which said "missed" while the case page's promise
  was pending, or "not due yet" when the ledger had broken it (found by a review). Moved when a reopen
  dropped it before its day (cases.services.promises.promise_drop: renegotiated, no successor; the next
  resolution promises the call again): it is owed no more on this resolution, so it is not "not due yet"
  for ever (a doubt of an earlier note), and it counts in the renegotiated share. Otherwise waiting: a call
  due after the window's end (a CSV asked for an earlier page), or a resolution with no follow-up date.
- The call is counted for the holder of that promise (Promise.owner), the rep who must make it: a
  supervisor reassigning a resolved case whose call is still to make passes it on
  (cases.services.handoffs.follow_up_to_hand_on), and the call's done or missed goes with it, while
  "Resolved" and the mood stay with the resolver (found by a review). Each owner's Outcomes hold both.

On PostgreSQL one statement does it: the window's resolutions with their owner (index-only, from
event_transition_verb), each case's first of them marked, the resolved cases by primary key, each case's latest
delivery by one index-only read (delivery_latest_case, newest first with the mood and the follow-up:
migration 0013), the resolution's follow-up promise from the case's follow-up promises (promise_follow_up_case)
with a probe of the unique index on `replaces`, and the sums per owner (the mood scale is passed as an
array, so the scores are Mood's), the resolver's and the call holder's in two groupings of the same rows.
Elsewhere (SQLite for `make run`) the same rows are fetched and added up in Python."""
from collections import defaultdict
from dataclasses import dataclass, fields

from django.db import connection
from django.db.models import F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber

from ..models import CaseEvent, Delivery, Promise, PromiseKind, PromiseStatus
from ..workflow import Transition
from .bounded import on_postgresql
from .measures import ANXIOUS_OR_WORSE, MOOD_SCORES, SATISFIED_OR_BETTER

RESOLVE = Transition.COMPLETE_DELIVER
MOOD_SCALE = sorted(MOOD_SCORES, key=MOOD_SCORES.get)  # the moods in score order: index = Mood.score


@dataclass
class Outcomes:
    resolved: int = 0  # the resolutions (the page's "Resolved": each round of a reopened case)
    mood_cases: int = 0
    intake_score_sum: int = 0
    delivery_score_sum: int = 0
    anxious_to_joy: int = 0
    follow_up_done: int = 0
    follow_up_missed: int = 0
    follow_up_waiting: int = 0
    follow_up_moved: int = 0  # dropped by a reopen before its day


OUTCOME_FIELDS = tuple(f.name for f in fields(Outcomes))


def resolved_outcomes(w):
    """{owner_id: Outcomes} over the cases resolved in window `w`."""
    return _postgres(w) if on_postgresql() else _python(w)


# The tables are the models' (cases_case: Case, cases_delivery: Delivery, cases_caseevent: CaseEvent,
# cases_promise: Promise). Each resolution gives two rows: its resolver's (Resolved, and the mood when it
# is its case's first in the window: `known`) and its call holder's (the follow-up), added up per owner
# by `_per_owner`.
OUTCOMES_SQL = """
WITH resolutions AS MATERIALIZED (
    SELECT case_id, owner_id, created_at AS resolved_at,
           row_number() OVER (PARTITION BY case_id ORDER BY created_at, owner_id) = 1 AS first
    FROM cases_caseevent
    WHERE verb = %(resolve)s AND from_step <> '' AND created_at >= %(since)s AND created_at < %(until)s
), resolved AS (
    SELECT r.owner_id, r.first,
           array_position(%(scale)s::text[], c.intake_temperature::text) - 1 AS intake,
           array_position(%(scale)s::text[], NULLIF(d.client_mood, '')::text) - 1 AS delivery,
           COALESCE(p.owner_id, r.owner_id) AS caller_id,
           CASE WHEN d.follow_up_logged_at < %(until)s
                THEN CASE WHEN p.status = %(broken)s THEN 'missed' ELSE 'done' END
                WHEN p.status IN (%(broken)s, %(pending)s) AND p.due_at <= %(until)s THEN 'missed'
                WHEN p.status = %(renegotiated)s AND p.closed_at < %(until)s THEN 'moved'
                ELSE 'waiting' END AS verdict
    FROM cases_case c
    JOIN resolutions r ON r.case_id = c.id
    LEFT JOIN LATERAL (
        SELECT client_mood, follow_up_on, follow_up_logged_at FROM cases_delivery
        WHERE case_id = c.id AND created_at <= r.resolved_at ORDER BY created_at DESC, id DESC LIMIT 1
    ) d ON true
    LEFT JOIN LATERAL (  -- the call promised with this resolution
        SELECT id FROM cases_promise WHERE case_id = c.id AND kind = %(follow_up)s AND created_at >= r.resolved_at
        AND d.follow_up_on IS NOT NULL ORDER BY created_at, id LIMIT 1
    ) f ON true
    LEFT JOIN LATERAL (  -- the last of its moves: the first from it on that no promise replaces
        SELECT status, due_at, closed_at, owner_id FROM cases_promise p
        WHERE p.case_id = c.id AND p.kind = %(follow_up)s AND p.id >= f.id
        AND NOT EXISTS (SELECT 1 FROM cases_promise s WHERE s.replaces_id = p.id)
        ORDER BY p.id LIMIT 1
    ) p ON true
    WHERE c.id = ANY(ARRAY(SELECT case_id FROM resolutions))
), mood AS (
    SELECT *, first AND intake IS NOT NULL AND delivery IS NOT NULL AS known FROM resolved
)
SELECT owner_id,
       COUNT(*),
       COUNT(*) FILTER (WHERE known),
       COALESCE(SUM(intake) FILTER (WHERE known), 0),
       COALESCE(SUM(delivery) FILTER (WHERE known), 0),
       COUNT(*) FILTER (WHERE known AND intake <= %(anxious)s AND delivery >= %(satisfied)s),
       0, 0, 0, 0
FROM mood GROUP BY owner_id
UNION ALL
SELECT caller_id, 0, 0, 0, 0, 0,
       COUNT(*) FILTER (WHERE verdict = 'done'), COUNT(*) FILTER (WHERE verdict = 'missed'),
       COUNT(*) FILTER (WHERE verdict = 'waiting'), COUNT(*) FILTER (WHERE verdict = 'moved')
FROM mood GROUP BY caller_id
"""
SQL_CONSTANTS = {"broken": PromiseStatus.BROKEN.value, "pending": PromiseStatus.PENDING.value,
                 "renegotiated": PromiseStatus.RENEGOTIATED.value, "follow_up": PromiseKind.FOLLOW_UP.value}


def _postgres(w):
    params = {"scale": MOOD_SCALE, "resolve": RESOLVE.label, "since": w.since, "until": w.until,
              "anxious": ANXIOUS_OR_WORSE, "satisfied": SATISFIED_OR_BETTER, **SQL_CONSTANTS}
    with connection.cursor() as cur:
        cur.execute(OUTCOMES_SQL, params)
        return _per_owner(cur.fetchall())


def _per_owner(rows):
    """{owner_id: Outcomes} from (owner_id, *counts) rows, an owner's rows added up."""
    by_owner = defaultdict(Outcomes)
    for owner_id, *counts in rows:
        o = by_owner[owner_id]
        for name, n in zip(OUTCOME_FIELDS, counts, strict=True):
            setattr(o, name, getattr(o, name) + n)
    return dict(by_owner)


def call_verdict(logged_at, status, due_at, closed_at, until):
    """"done", "missed", "moved" or "waiting" for a resolution's follow-up call: when it was logged (None: not
    yet), and the status, deadline and closing time of its follow-up promise (None when it has none), at the
    window's end `until`. A call logged, or dropped by a reopen, after the window's end is not yet for it: a
    past window's figures do not change when the call comes later (found by an audit: a closed week's
    "waiting" turned "done")."""
    if logged_at is not None and logged_at < until:
        return "missed" if status == PromiseStatus.BROKEN else "done"
    if status in (PromiseStatus.BROKEN, PromiseStatus.PENDING) and due_at <= until:
        return "missed"
    if status == PromiseStatus.RENEGOTIATED and closed_at < until:  # dropped by a reopen before its day
        return "moved"
    return "waiting"


def _python(w):
    resolutions = CaseEvent.objects.filter(w.q(), verb=RESOLVE.label).exclude(from_step="").order_by()
    latest = Delivery.objects.filter(case=OuterRef("case_id"), created_at__lte=OuterRef("created_at")).order_by(
        "-created_at", "-id")
    follow_ups = Promise.objects.filter(case=OuterRef("case_id"), kind=PromiseKind.FOLLOW_UP)
    first_call = follow_ups.filter(created_at__gte=OuterRef("created_at")).order_by("created_at", "id")
    in_force = follow_ups.filter(pk__gte=OuterRef("first_call"), replaced_by__isnull=True).order_by("pk")
    oldest_first = Window(RowNumber(), partition_by=F("case_id"),
                          order_by=[F("created_at").asc(), F("owner_id").asc()])  # as the statement's `first`
    rows = (resolutions
            .annotate(nth=oldest_first, d_mood=Subquery(latest.values("client_mood")[:1]),
                      fu_on=Subquery(latest.values("follow_up_on")[:1]),
                      fu_at=Subquery(latest.values("follow_up_logged_at")[:1]),
                      first_call=Subquery(first_call.values("pk")[:1]))
            .annotate(call_status=Subquery(in_force.values("status")[:1]),
                      call_due=Subquery(in_force.values("due_at")[:1]),
                      call_closed=Subquery(in_force.values("closed_at")[:1]),
                      caller=Subquery(in_force.values("owner_id")[:1]))
            .values_list("owner_id", "nth", "case__intake_temperature", "d_mood", "fu_on", "fu_at", "call_status",
                         "call_due", "call_closed", "caller"))
    by_owner = defaultdict(Outcomes)
    for owner_id, nth, intake, d_mood, fu_on, fu_at, status, due_at, closed_at, caller in rows:
        if fu_on is None:  # no call promised with this delivery: a later resolution's is not its own
            status = due_at = closed_at = caller = None
        o = by_owner[owner_id]
        o.resolved += 1
        intake_score, delivery_score = MOOD_SCORES.get(intake), MOOD_SCORES.get(d_mood)
        if nth == 1 and intake_score is not None and delivery_score is not None:  # the case's first in the window, once
            o.mood_cases += 1
            o.intake_score_sum += intake_score
            o.delivery_score_sum += delivery_score
            o.anxious_to_joy += intake_score <= ANXIOUS_OR_WORSE and delivery_score >= SATISFIED_OR_BETTER
        held = by_owner[caller or owner_id]
        name = f"follow_up_{call_verdict(fu_at, status, due_at, closed_at, w.until)}"
        setattr(held, name, getattr(held, name) + 1)
    return dict(by_owner)
