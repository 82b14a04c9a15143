"""The team's numbers, per rep and for the team, over a window ending now. Read-only: every measure
comes from the promise ledger, the case timeline (CaseEvent) and the step records, in a fixed number
of queries whatever the number of cases (`team_dashboard` makes at most 10). Counting and grouping happen in
the database; medians, mood scores and ETA matching are finished in Python over the few columns
fetched, so the page also works on SQLite for `make run`.

Definitions (the dashboard shows the same words):
- "Per rep" means the case's current owner, except the promise-keeping rate, which belongs to each
  promise's owner (the rep who had to keep it, an enrolled teammate for an action item).
- Promise-keeping rate: kept / (kept + broken) over promises due in the window (kept late is broken;
  pending, renegotiated and withdrawn promises do not count). Same rule as `selectors.promise_keeping_rate`.
- Renegotiated share: renegotiated / (kept + broken + renegotiated) over the same promises: how much of
  the rate was kept by moving deadlines (each move needs the client's recorded agreement).
- Median time in a step: for each stay in a step that ended in the window (a transition out of it),
  the time from the transition into it to the transition out of it.
- Opened: cases opened in the window. Resolved: cases taken through the deliver gate to resolved in
  the window. Closed by override: cases a supervisor force-closed in the window (never counted as
  resolved). Reopened: cases reopened in the window. Each counts distinct cases.
- Escalations by reason: escalations raised in the window, by reps or the system.
- Mood, intake vs delivery: over cases resolved through the gate in the window, the average
  Mood.score (0 irate .. 6 delighted) at intake and at delivery (the mood recorded with the latest
  delivery, else the case's last recorded mood); "anxious to joy" counts the cases that came in
  anxious or worse and left satisfied or delighted.
- Follow-up: over the same cases, those whose follow-up call was logged, as a share of those whose
  follow-up date has passed (cases whose date is still ahead are shown as waiting, not as misses).
- ETA calibration: each arrival at `deliver` in the window against the range in force then (the
  latest estimate's earliest end, and the ETA promise's deadline, which a renegotiation moves):
  early (before the earliest), within, or late (after the latest).
"""
import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import (
    Case, CaseEvent, Delivery, Escalation, EscalationReason, Mood, Promise, PromiseKind, PromiseStatus, Step,
)
from .selectors import REP_GROUP, promises_for_rate
from .workflow import OPEN_STEPS, Transition

WINDOW_DAYS = (7, 30, 90)
DEFAULT_WINDOW_DAYS = 30
WORKFLOW_STEPS = OPEN_STEPS  # the steps a case spends time in (cases.workflow)
ANXIOUS_OR_WORSE = Mood.ANXIOUS.score
SATISFIED_OR_BETTER = Mood.SATISFIED.score
MOOD_SCORES = {m.value: m.score for m in Mood}


@dataclass(frozen=True)
class Window:
    days: int
    since: dt.datetime
    until: dt.datetime

    def q(self, name="created_at"):
        return Q(**{f"{name}__gte": self.since, f"{name}__lt": self.until})


def window(days=DEFAULT_WINDOW_DAYS, now=None):
    until = now or timezone.now()
    return Window(days=days, since=until - dt.timedelta(days=days), until=until)


def format_duration(td):
    if td is None:
        return "—"
    minutes = int(td.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def _share(part, whole):
    return None if not whole else part / whole


def _pct(share):
    return None if share is None else round(100 * share)


def mood_label(score):
    """The mood nearest an average score, e.g. 4.6 -> "Satisfied"."""
    return None if score is None else list(Mood)[min(max(round(score), 0), len(Mood) - 1)].label


@dataclass
class Measures:
    """One rep's numbers, or the team's."""

    kept: int = 0
    broken: int = 0
    renegotiated: int = 0
    opened: int = 0
    resolved: int = 0
    closed_by_override: int = 0
    reopened: int = 0
    escalations: Counter = field(default_factory=Counter)
    step_seconds: dict = field(default_factory=lambda: defaultdict(list))
    mood_cases: int = 0
    intake_score_sum: int = 0
    delivery_score_sum: int = 0
    anxious_to_joy: int = 0
    follow_up_done: int = 0
    follow_up_missed: int = 0
    follow_up_waiting: int = 0
    eta_early: int = 0
    eta_within: int = 0
    eta_late: int = 0

    @property
    def promise_rate(self):
        return _share(self.kept, self.kept + self.broken)

    def median_in(self, step):
        seconds = self.step_seconds.get(step)
        return dt.timedelta(seconds=statistics.median(seconds)) if seconds else None

    @property
    def promise_pct(self):
        return _pct(self.promise_rate)

    @property
    def renegotiated_share(self):
        """Of the promises that came to an end in the window, how many were moved instead (a rep who keeps
        the rate up by moving deadlines shows here)."""
        return _share(self.renegotiated, self.kept + self.broken + self.renegotiated)

    @property
    def renegotiated_pct(self):
        return _pct(self.renegotiated_share)

    @property
    def step_medians(self):
        """[(step, median timedelta or None, number of stays, display)] for the seven steps, in order."""
        rows = []
        for step in WORKFLOW_STEPS:
            median = self.median_in(step)
            rows.append((step, median, len(self.step_seconds.get(step, ())), format_duration(median)))
        return rows

    @property
    def escalations_by_reason(self):
        return [(r, self.escalations.get(r.value, 0)) for r in EscalationReason]

    @property
    def escalation_total(self):
        return sum(self.escalations.values())

    @property
    def intake_mood(self):
        return _share(self.intake_score_sum, self.mood_cases)

    @property
    def delivery_mood(self):
        return _share(self.delivery_score_sum, self.mood_cases)

    @property
    def intake_mood_label(self):
        return mood_label(self.intake_mood)

    @property
    def delivery_mood_label(self):
        return mood_label(self.delivery_mood)

    @property
    def follow_up_share(self):
        return _share(self.follow_up_done, self.follow_up_done + self.follow_up_missed)

    @property
    def follow_up_pct(self):
        return _pct(self.follow_up_share)

    @property
    def eta_arrivals(self):
        return self.eta_early + self.eta_within + self.eta_late

    @property
    def eta_within_share(self):
        return _share(self.eta_within, self.eta_arrivals)

    @property
    def eta_within_pct(self):
        return _pct(self.eta_within_share)


@dataclass
class RepMeasures:
    user: object
    measures: Measures


@dataclass
class Dashboard:
    window: Window
    team: Measures
    reps: list


class _Tally:
    """Adds each fact to its rep's row and to the team's row."""

    def __init__(self):
        self.team = Measures()
        self.by_owner = defaultdict(Measures)

    def rows(self, owner_id):
        return (self.by_owner[owner_id], self.team)


def team_dashboard(*, days=DEFAULT_WINDOW_DAYS, now=None):
    w = window(days, now)
    tally = _Tally()
    for collect in (_promises, _step_times, _opened, _closures, _escalations, _resolved_outcomes, _eta_calibration):
        collect(w, tally)
    users = {u.pk: u for u in _people(tally.by_owner.keys())}
    reps = [RepMeasures(user=users[pk], measures=tally.by_owner.get(pk, Measures())) for pk in users]
    reps.sort(key=lambda r: ((r.user.get_full_name() or r.user.username).lower(), r.user.pk))
    return Dashboard(window=w, team=tally.team, reps=reps)


def _people(owner_ids):
    """Everyone with a number in the window, plus every active rep (a rep with no activity shows zeros)."""
    User = get_user_model()
    return User.objects.filter(Q(pk__in=list(owner_ids)) | Q(is_active=True, groups__name=REP_GROUP)).distinct()


def _promises(w, tally):
    rows = (promises_for_rate(since=w.since, until=w.until).order_by().values("owner_id")
            .annotate(kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
                      broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)),
                      renegotiated=Count("id", filter=Q(status=PromiseStatus.RENEGOTIATED))))
    for row in rows:
        for m in tally.rows(row["owner_id"]):
            m.kept += row["kept"]
            m.broken += row["broken"]
            m.renegotiated += row["renegotiated"]


def _step_times(w, tally):
    """Pairs each transition out of a step with the transition into it (the case's previous one)."""
    moved = CaseEvent.objects.filter(w.q()).exclude(from_step="").exclude(to_step="").values("case_id")
    events = (CaseEvent.objects.filter(case_id__in=moved).exclude(to_step="")
              .order_by("case_id", "created_at", "id")
              .values_list("case_id", "case__owner_id", "from_step", "to_step", "created_at"))
    previous = None
    for case_id, owner_id, from_step, to_step, at in events.iterator(chunk_size=2000):
        if (previous and previous[0] == case_id and from_step == previous[1] and from_step in WORKFLOW_STEPS
                and w.since <= at < w.until):
            for m in tally.rows(owner_id):
                m.step_seconds[from_step].append((at - previous[2]).total_seconds())
        previous = (case_id, to_step, at)


def _opened(w, tally):
    for row in Case.objects.filter(w.q("opened_at")).order_by().values("owner_id").annotate(n=Count("id")):
        for m in tally.rows(row["owner_id"]):
            m.opened += row["n"]


def _closures(w, tally):
    rows = (CaseEvent.objects.filter(w.q(), to_step__in=[Step.RESOLVED, Step.PLAN]).order_by()
            .values("case__owner_id")
            .annotate(resolved=Count("case_id", distinct=True, filter=Q(data__transition=Transition.COMPLETE_DELIVER.method)),
                      override=Count("case_id", distinct=True, filter=Q(data__transition=Transition.FORCE_CLOSE.method)),
                      reopened=Count("case_id", distinct=True, filter=Q(data__transition=Transition.REOPEN.method))))
    for row in rows:
        for m in tally.rows(row["case__owner_id"]):
            m.resolved += row["resolved"]
            m.closed_by_override += row["override"]
            m.reopened += row["reopened"]


def _escalations(w, tally):
    rows = Escalation.objects.filter(w.q()).order_by().values("case__owner_id", "reason").annotate(n=Count("id"))
    for row in rows:
        for m in tally.rows(row["case__owner_id"]):
            m.escalations[row["reason"]] += row["n"]


def _resolved_outcomes(w, tally):
    resolved = CaseEvent.objects.filter(w.q(), data__transition=Transition.COMPLETE_DELIVER.method).values("case_id")
    latest = Delivery.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    rows = (Case.objects.filter(pk__in=resolved).order_by()
            .annotate(d_mood=Subquery(latest.values("client_mood")[:1]),
                      fu_on=Subquery(latest.values("follow_up_on")[:1]),
                      fu_at=Subquery(latest.values("follow_up_logged_at")[:1]))
            .values_list("owner_id", "intake_temperature", "temperature", "d_mood", "fu_on", "fu_at"))
    today = timezone.localdate(w.until)
    for owner_id, intake, temperature, d_mood, fu_on, fu_at in rows:
        intake_score = MOOD_SCORES.get(intake)
        delivery_score = MOOD_SCORES.get(d_mood or temperature)
        for m in tally.rows(owner_id):
            if intake_score is not None and delivery_score is not None:
                m.mood_cases += 1
                m.intake_score_sum += intake_score
                m.delivery_score_sum += delivery_score
                m.anxious_to_joy += intake_score <= ANXIOUS_OR_WORSE and delivery_score >= SATISFIED_OR_BETTER
            if fu_at:
                m.follow_up_done += 1
            elif fu_on and fu_on < today:
                m.follow_up_missed += 1
            else:
                m.follow_up_waiting += 1


def _eta_calibration(w, tally):
    arrivals_qs = CaseEvent.objects.filter(w.q(), data__transition=Transition.COMPLETE_MANAGE_ANXIETY.method)
    arrivals = list(arrivals_qs.values_list("case_id", "case__owner_id", "created_at"))
    if not arrivals:
        return
    case_ids = arrivals_qs.values("case_id")
    estimates, deadlines = defaultdict(list), defaultdict(list)
    for case_id, at, data in (CaseEvent.objects.filter(case_id__in=case_ids, verb="estimate given")
                              .order_by("created_at", "id").values_list("case_id", "created_at", "data")):
        earliest = parse_datetime(str((data or {}).get("earliest", "")))
        latest = parse_datetime(str((data or {}).get("latest", "")))
        if earliest and latest:
            estimates[case_id].append((at, earliest, latest))
    for case_id, at, due_at in (Promise.objects.filter(case_id__in=case_ids, kind=PromiseKind.ETA)
                                .order_by("created_at", "id").values_list("case_id", "created_at", "due_at")):
        deadlines[case_id].append((at, due_at))
    for case_id, owner_id, arrived in arrivals:
        estimate = _last_before(estimates[case_id], arrived)
        if estimate is None:
            continue
        earliest, latest = estimate[1], estimate[2]
        deadline = _last_before(deadlines[case_id], arrived)
        if deadline is not None and deadline[0] >= estimate[0]:  # renegotiated after the estimate
            latest = deadline[1]
            earliest = min(earliest, latest)
        verdict = "eta_early" if arrived < earliest else "eta_late" if arrived > latest else "eta_within"
        for m in tally.rows(owner_id):
            setattr(m, verdict, getattr(m, verdict) + 1)


def _last_before(rows, moment):
    """The last (at, ...) row with at <= moment; rows are in time order."""
    found = None
    for row in rows:
        if row[0] > moment:
            break
        found = row
    return found
