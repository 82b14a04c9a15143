"""ETA honesty: each arrival at `deliver` (the transition event of Transition.COMPLETE_MANAGE_ANXIETY)
against the estimate range in force at that moment: early (before the range's earliest end), within, or
late (after its latest end), counted over a window for the rep whose estimate it judges
(`CaseEvent.eta_owner`: who held the ETA promise that decided it, arrival_judgement), else for the case's
owner at the arrival (`CaseEvent.owner`); a later handoff does not move the verdict, nor does handing the
case on after its estimate broke.

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

An arrival the client does not accept delivered nothing: when the case leaves `deliver` after it any
other way than the client's confirmation (sent back with loose ends, or closed by a supervisor's
override), it is not judged (its kept verdict is voided then), the estimate it kept is put back
(cases.services.transitions._unaccepted_arrival), and the cycle goes on to the next arrival. Unless it
was late: that stands whatever follows (sending a late delivery back must not hide the lateness until a
later window, or for good if the case never arrives again). The "previous arrival" above is the last one
whose verdict stands (accepted, still waiting in `deliver`, or late), so a deadline is held against
one arrival only.

The verdict is judged once, at the arrival (`arrival_judgement`, called by cases.services.transitions after
the arrival settled the ETA promise), and kept on the arrival's event (`CaseEvent.eta_verdict`). It reads
only rows older than the arrival: the estimates and ETA promises given before it (each settled by then:
the arrival keeps or breaks the pending one) and the case's earlier arrivals, none of which changes
afterwards, so the kept verdict is what judging again from the rows gives (migration 0022 judged the
arrivals recorded before the column with the same `verdicts`). The team page counts one verdict per case
from the kept verdicts of its arrivals in the window (`per_case`): late when any of them was late, else
its first one's, so a late delivery is not washed out by cheap re-deliveries after reopens (found by a
review); an index-only scan of event_transition_verb, which carries the case, the owner and the verdict,
whatever the history behind them."""
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case as SqlCase, F, Q, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils.dateparse import parse_datetime

from ..client_word import SAID_NOT_YET
from ..models import CaseEvent, PromiseKind, PromiseStatus, Step
from ..workflow import Transition

ARRIVAL = Transition.COMPLETE_MANAGE_ANXIETY
ACCEPTED = Transition.COMPLETE_DELIVER  # the client confirmed the delivery: the one way out of deliver that counts it
ESTIMATE_VERB = "estimate given"  # cases.services.plan.eta_set


@dataclass
class Verdicts:
    early: int = 0
    within: int = 0
    late: int = 0


def eta_verdicts(w):
    """{owner_id: Verdicts} for the cases arriving at `deliver` in window `w` against an estimate, one
    verdict per case (`per_case`)."""
    counts = {}
    for owner_id, verdict, n in verdict_counts(w):
        setattr(counts.setdefault(owner_id, Verdicts()), verdict, n)
    return counts


def verdict_counts(w):
    """(rep id, verdict, n) over the window's judged arrivals, one verdict per case (`per_case`)."""
    sql, params = per_case(w)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


PER_CASE_SQL = "SELECT rep, verdict, COUNT(*) FROM ({ranked}) AS ranked WHERE nth = 1 GROUP BY rep, verdict"


def per_case(w):
    """The statement (sql, params) counting one verdict per case with judged arrivals in window `w`: late
    when any of them was late (its first late one's), else its first one's; each for whose estimate it
    judges. Found by a review: every arrival counted, so a case reopened and re-delivered within cheap
    fresh estimates five times after one late delivery read 5 within, 1 late. The window's arrivals come
    from event_transition_verb (index-only: it carries the case, the owner and the verdict) and are ranked
    per case; ties at one instant by verdict, then rep. The inner query is the ORM's, so the parameters are
    adapted for either database (SQLite for `make run` has window functions too)."""
    first = Window(RowNumber(), partition_by=F("case_id"),
                   order_by=[SqlCase(When(eta_verdict="late", then=Value(0)), default=Value(1)).asc(),
                             F("created_at").asc(), F("eta_verdict").asc(), F("rep").asc()])
    ranked = (CaseEvent.objects.filter(w.q(), verb=ARRIVAL.label).exclude(from_step="").exclude(eta_verdict="")
              .order_by().annotate(rep=Coalesce("eta_owner_id", "owner_id"), verdict=F("eta_verdict"))
              .annotate(nth=first).values("rep", "verdict", "nth"))
    sql, params = ranked.query.sql_with_params()
    # Only the ORM's own SQL goes in (its values stay parameters): Django cannot group over a window.
    return PER_CASE_SQL.format(ranked=sql), params  # nosec B608  # noqa: S608


# --- judging: one case's rows, in time order -----------------------------------------------------------
def estimate_row(at, data):
    """(at, earliest, latest) of an "estimate given" event, or None when its range is not readable."""
    earliest = parse_datetime(str((data or {}).get("earliest", "")))
    latest = parse_datetime(str((data or {}).get("latest", "")))
    return (at, earliest, latest) if earliest and latest else None


def verdicts(arrivals, estimates, promises, sent_back=None):
    """The verdict ("early", "within", "late", or "" without an estimate before it, or when the client
    did not accept it and it was not late) of each of a case's arrivals at `deliver`. `arrivals`: their
    times; `estimates`: estimate_row()s; `promises`: its ETA promises as (created_at, due_at, status),
    or with the holder's id after them; each list in time order (then by id); `sent_back`: for each
    arrival, whether the case left `deliver` after it without the client's acceptance (arrival_rows)."""
    return [verdict for verdict, _holder in judgements(arrivals, estimates, promises, sent_back)]


def judgements(arrivals, estimates, promises, sent_back=None):
    """(verdict, holder) of each arrival, as `verdicts`; the holder is who held the ETA promise that decided
    the verdict (promises given with their holder's id, else None): for a late arrival after a deadline
    broken in its cycle, the first such promise (held by whoever held it when it fell due: a handoff passes
    only promises still ahead); else the last one given before the arrival, which the arrival settled."""
    estimates = [row for row in estimates if row is not None]
    judged, previous = [], None
    for arrived, bounced in zip(arrivals, sent_back or [False] * len(arrivals)):
        verdict, holder = _verdict(arrived, estimates, promises, previous)
        if bounced and verdict != "late":  # a late arrival was late whatever follows it
            judged.append(("", None))
            continue
        judged.append((verdict or "", holder if verdict else None))
        previous = arrived
    return judged


def arrival_judgement(case):
    """(verdict, holder's id) of the case's last arrival at `deliver` (the one just recorded), from its rows
    now (judgements); ("", None) without a verdict."""
    arrivals, sent_back, estimates, promises = _case_rows(case)
    judged = judgements(arrivals, estimates, promises, sent_back)
    return judged[-1] if judged else ("", None)


def case_verdicts(case):
    """The verdicts of all the case's arrivals at `deliver`, in time order, judged from its rows now."""
    arrivals, sent_back, estimates, promises = _case_rows(case)
    return verdicts(arrivals, estimates, promises, sent_back)


def _case_rows(case):
    """A case's arrivals at `deliver` with whether each went unaccepted, its estimates, and its ETA promises
    as (created_at, due_at, status, owner_id), each in time order."""
    events = case.events.order_by("created_at", "id")
    moves = events.filter((Q(verb=ARRIVAL.label) | Q(from_step=Step.DELIVER)) & ~Q(from_step="") | Q(verb=SAID_NOT_YET))
    arrivals, sent_back = arrival_rows(moves.values_list("verb", "from_step", "created_at", "data__client_accepted"))
    estimates = [estimate_row(at, data)
                 for at, data in events.filter(verb=ESTIMATE_VERB).values_list("created_at", "data")]
    promises = list(case.promises.filter(kind=PromiseKind.ETA).order_by("created_at", "id")
                    .values_list("created_at", "due_at", "status", "owner_id"))
    return arrivals, sent_back, estimates, promises


def arrival_rows(moves, arrival_verb=ARRIVAL.label, accepted_verb=ACCEPTED.label, deliver=Step.DELIVER,
                 not_yet_verb=SAID_NOT_YET):
    """(arrival times, whether each went unaccepted) from a case's transitions into and out of `deliver`,
    as (verb, from_step, at) or (verb, from_step, at, client_accepted) in time order: an arrival is
    unaccepted when the case left `deliver` after it some other way than the client's acceptance (loose
    ends, a supervisor's override), unless the move says the client accepted it (an override after the
    client said "It works": the transition's `client_accepted`, services.transitions), or as soon as the
    client said "Not yet" to it (the event `not_yet_verb` among the moves). The verbs are the
    transitions' labels and `deliver` the step's value (a migration passes those of its day)."""
    arrivals, sent_back = [], []
    for verb, from_step, at, *accepted in moves:
        if verb == arrival_verb:
            arrivals.append(at)
            sent_back.append(False)
        elif verb == not_yet_verb and arrivals:
            sent_back[-1] = True
        elif from_step == deliver and verb != accepted_verb and not any(accepted) and arrivals:
            sent_back[-1] = True
    return arrivals, sent_back


def _verdict(arrived, estimates, promises, previous):
    """(early, within or late, the holder of the promise that decided it) for one arrival ((None, None)
    without an estimate before it); `previous` is the case's last arrival before this one whose verdict
    stands, if any."""
    estimate = _last_before(estimates, arrived)
    if estimate is None:
        return None, None
    # A deadline passed in this cycle: late, and no later estimate talks it away.
    for row in sorted(promises, key=lambda row: row[1]):
        due_at, status = row[1], row[2]
        if status == PromiseStatus.BROKEN and (previous is None or previous < due_at) and due_at < arrived:
            return "late", _holder(row)
    earliest, latest = estimate[1], estimate[2]
    deadline = _last_before(promises, arrived)
    if deadline is not None and deadline[0] >= estimate[0]:  # renegotiated after the estimate
        latest = deadline[1]
        earliest = min(earliest, latest)
    verdict = "early" if arrived < earliest else "late" if arrived > latest else "within"
    return verdict, _holder(deadline) if deadline is not None else None


def _holder(promise_row):
    return promise_row[3] if len(promise_row) > 3 else None


def _last_before(rows, moment):
    """The last (at, ...) row with at <= moment; rows are in time order."""
    found = None
    for row in rows:
        if row[0] > moment:
            break
        found = row
    return found
