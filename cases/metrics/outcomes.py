"""The outcomes of the resolutions through the deliver gate in a window (each Transition.COMPLETE_DELIVER
event in it: a case resolved, reopened and resolved again in the window counts twice, each resolution
judged by its own delivery), by the rep who owned the case when it was resolved (`CaseEvent.owner` of the
resolution: a later handoff or reassignment does not move it): how many (the page's "Resolved"), the
client's mood at intake and at delivery, and the follow-up call.

- The delivery counted is the one that resolution confirmed (the case's latest delivery recorded at or
  before it): a reopen and a new delivery later do not rewrite that resolution's mood or follow-up, in a
  past window or in the same one (a call missed after the first resolution stays missed when the case is
  reopened and resolved again: found by a padding review).
- Mood: Mood.score (0 irate .. 6 delighted) of the case's intake temperature, and of the mood recorded
  with that delivery (the rep's reading, else the client's temperature when the case was resolved, kept on
  the delivery then: cases.services.transitions._resolve, migration 0031 for the past), never the case's
  temperature now, which a reading after a reopen changes; a case counts when both are known.
  "Anxious to joy": intake anxious or worse, delivery satisfied or better.
- Follow-up, from that delivery and the follow-up promise in force when its call was logged (the latest
  made by then): done when the call was logged and kept its promise (on its day); missed when it was
  logged late (its promise broken: kept late is broken), or not logged and its date is before today (the
  site's day at the window's end); otherwise waiting, as is a call a reopen dropped before its day (the
  resolution's follow-up promise renegotiated with no successor: cases.services.promises.promise_drop).

On PostgreSQL one statement does it: the window's resolutions with their owner (index-only, from
event_transition_verb), the resolved cases by primary key, each case's latest
delivery by one index-only read (delivery_latest_case, newest first with the mood and the follow-up:
migration 0013), and the sums per owner (the mood scale is passed as an array, so the scores are Mood's).
Elsewhere (SQLite for `make run`) the same rows are fetched and added up in Python."""
from collections import defaultdict
from dataclasses import dataclass, fields

from django.db import connection
from django.db.models import Exists, OuterRef, Subquery

from ..models import CaseEvent, Delivery, Promise, PromiseKind, PromiseStatus
from ..workflow import Transition
from .bounded import on_postgresql
from .measures import ANXIOUS_OR_WORSE, MOOD_SCORES, SATISFIED_OR_BETTER
from .window import site_date

RESOLVE = Transition.COMPLETE_DELIVER
MOOD_SCALE = sorted(MOOD_SCORES, key=MOOD_SCORES.get)  # the moods in score order: index = Mood.score


@dataclass
class Outcomes:
    resolved: int = 0  # the resolved cases themselves (the page's "Resolved")
    mood_cases: int = 0
    intake_score_sum: int = 0
    delivery_score_sum: int = 0
    anxious_to_joy: int = 0
    follow_up_done: int = 0
    follow_up_missed: int = 0
    follow_up_waiting: int = 0


OUTCOME_FIELDS = tuple(f.name for f in fields(Outcomes))


def resolved_outcomes(w):
    """{owner_id: Outcomes} over the cases resolved in window `w`."""
    return _postgres(w) if on_postgresql() else _python(w)


# The tables are the models' (cases_case: Case, cases_delivery: Delivery, cases_caseevent: CaseEvent).
OUTCOMES_SQL = """
WITH resolutions AS MATERIALIZED (
    SELECT case_id, owner_id, created_at AS resolved_at FROM cases_caseevent
    WHERE verb = %(resolve)s AND from_step <> '' AND created_at >= %(since)s AND created_at < %(until)s
), resolved AS (
    SELECT r.owner_id,
           array_position(%(scale)s::text[], c.intake_temperature::text) - 1 AS intake,
           array_position(%(scale)s::text[], NULLIF(d.client_mood, '')::text) - 1 AS delivery,
           d.follow_up_on, d.follow_up_logged_at, p.status = %(broken)s AS call_late, q.dropped
    FROM cases_case c
    JOIN resolutions r ON r.case_id = c.id
    LEFT JOIN LATERAL (
        SELECT client_mood, follow_up_on, follow_up_logged_at FROM cases_delivery
        WHERE case_id = c.id AND created_at <= r.resolved_at ORDER BY created_at DESC, id DESC LIMIT 1
    ) d ON true
    LEFT JOIN LATERAL (
        SELECT status FROM cases_promise WHERE case_id = c.id AND kind = %(follow_up)s
        AND created_at <= d.follow_up_logged_at AND d.follow_up_logged_at IS NOT NULL ORDER BY id DESC LIMIT 1
    ) p ON true
    LEFT JOIN LATERAL (
        SELECT f.status = %(renegotiated)s AND NOT EXISTS (SELECT 1 FROM cases_promise s WHERE s.replaces_id = f.id)
               AS dropped
        FROM cases_promise f WHERE f.case_id = c.id AND f.kind = %(follow_up)s AND f.created_at >= r.resolved_at
          AND d.follow_up_logged_at IS NULL AND d.follow_up_on < %(today)s  -- only then is `dropped` read
        ORDER BY f.created_at, f.id LIMIT 1
    ) q ON true
    WHERE c.id = ANY(ARRAY(SELECT case_id FROM resolutions))
), mood AS (
    SELECT *, intake IS NOT NULL AND delivery IS NOT NULL AS known FROM resolved
)
SELECT owner_id,
       COUNT(*),
       COUNT(*) FILTER (WHERE known),
       COALESCE(SUM(intake) FILTER (WHERE known), 0),
       COALESCE(SUM(delivery) FILTER (WHERE known), 0),
       COUNT(*) FILTER (WHERE known AND intake <= %(anxious)s AND delivery >= %(satisfied)s),
       COUNT(*) FILTER (WHERE follow_up_logged_at IS NOT NULL AND call_late IS NOT TRUE),
       COUNT(*) FILTER (WHERE follow_up_logged_at IS NOT NULL AND call_late
                        OR follow_up_logged_at IS NULL AND follow_up_on < %(today)s AND dropped IS NOT TRUE),
       COUNT(*) FILTER (WHERE follow_up_logged_at IS NULL
                        AND (follow_up_on IS NULL OR follow_up_on >= %(today)s OR dropped))
FROM mood GROUP BY owner_id
"""
SQL_CONSTANTS = {"broken": PromiseStatus.BROKEN.value, "renegotiated": PromiseStatus.RENEGOTIATED.value,
                 "follow_up": PromiseKind.FOLLOW_UP.value}


def _postgres(w):
    params = {"scale": MOOD_SCALE, "resolve": RESOLVE.label, "since": w.since, "until": w.until,
              "anxious": ANXIOUS_OR_WORSE, "satisfied": SATISFIED_OR_BETTER, "today": site_date(w.until),
              **SQL_CONSTANTS}
    with connection.cursor() as cur:
        cur.execute(OUTCOMES_SQL, params)
        return {owner_id: Outcomes(*counts) for owner_id, *counts in cur.fetchall()}


def _python(w):
    resolutions = CaseEvent.objects.filter(w.q(), verb=RESOLVE.label).exclude(from_step="").order_by()
    latest = Delivery.objects.filter(case=OuterRef("case_id"), created_at__lte=OuterRef("created_at")).order_by(
        "-created_at", "-id")
    call = Promise.objects.filter(case=OuterRef("case_id"), kind=PromiseKind.FOLLOW_UP,
                                  created_at__lte=OuterRef("fu_at")).order_by("-id")
    first_call = Promise.objects.filter(case=OuterRef("case_id"), kind=PromiseKind.FOLLOW_UP,
                                        created_at__gte=OuterRef("created_at")).order_by("created_at", "id")
    rows = (resolutions
            .annotate(d_mood=Subquery(latest.values("client_mood")[:1]),
                      fu_on=Subquery(latest.values("follow_up_on")[:1]),
                      fu_at=Subquery(latest.values("follow_up_logged_at")[:1]))
            .annotate(call=Subquery(call.values("status")[:1]), first_call=Subquery(first_call.values("pk")[:1]),
                      first_call_status=Subquery(first_call.values("status")[:1]))
            .annotate(first_call_moved=Exists(Promise.objects.filter(replaces=OuterRef("first_call"))))
            .values_list("owner_id", "case__intake_temperature", "d_mood", "fu_on", "fu_at", "call",
                         "first_call_status", "first_call_moved"))
    today = site_date(w.until)
    by_owner = defaultdict(Outcomes)
    for owner_id, intake, d_mood, fu_on, fu_at, call, first_status, first_moved in rows:
        dropped = first_status == PromiseStatus.RENEGOTIATED and not first_moved
        o = by_owner[owner_id]
        o.resolved += 1
        intake_score, delivery_score = MOOD_SCORES.get(intake), MOOD_SCORES.get(d_mood)
        if intake_score is not None and delivery_score is not None:
            o.mood_cases += 1
            o.intake_score_sum += intake_score
            o.delivery_score_sum += delivery_score
            o.anxious_to_joy += intake_score <= ANXIOUS_OR_WORSE and delivery_score >= SATISFIED_OR_BETTER
        if fu_at and call != PromiseStatus.BROKEN:
            o.follow_up_done += 1
        elif fu_at or (fu_on and fu_on < today and not dropped):
            o.follow_up_missed += 1
        else:
            o.follow_up_waiting += 1
    return dict(by_owner)
