"""`team_dashboard`: every measure of the team page, per rep and for the team, in a fixed number of
queries whatever the number of cases (at most 10). Each collector makes one grouped query (the weekly
series come from the same queries, grouped by TruncWeek as well) and adds each fact to its rep's row
and the team's row; medians, percentiles, mood scores and ETA matching are finished in Python over the
few columns fetched, so the page also works on SQLite for `make run`."""
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import Case, CaseEvent, Delivery, Escalation, Promise, PromiseKind, PromiseStatus, Step
from ..selectors import REP_GROUP, promises_for_rate
from ..workflow import Transition
from .measures import (
    ANXIOUS_OR_WORSE, MOOD_SCORES, SATISFIED_OR_BETTER, WORKFLOW_STEPS, Dashboard, Measures, RepMeasures,
)
from .window import DEFAULT_WINDOW_DAYS, week_of, window


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
    reps.sort(key=lambda r: (r.name.lower(), r.user.pk))
    return Dashboard(window=w, team=tally.team, reps=reps)


def _people(owner_ids):
    """Everyone with a number in the window, plus every active rep (a rep with no activity shows zeros)."""
    User = get_user_model()
    return User.objects.filter(Q(pk__in=list(owner_ids)) | Q(is_active=True, groups__name=REP_GROUP)).distinct()


def _promises(w, tally):
    """By the promise's owner: the rep who held it when it fell due (a handoff passes only the promises
    still ahead of their deadline to the new owner, cases.services.handoffs)."""
    rows = (promises_for_rate(since=w.since, until=w.until).order_by()
            .values("owner_id", week=TruncWeek("due_at"))
            .annotate(kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
                      broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)),
                      renegotiated=Count("id", filter=Q(status=PromiseStatus.RENEGOTIATED))))
    for row in rows:
        week = week_of(row["week"])
        for m in tally.rows(row["owner_id"]):
            m.kept += row["kept"]
            m.broken += row["broken"]
            m.renegotiated += row["renegotiated"]
            m.weekly_kept[week] += row["kept"]
            m.weekly_broken[week] += row["broken"]


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
    """By the rep who owned the case when it was raised (Escalation.case_owner; the case's owner today
    only for a row recorded before that column existed)."""
    rows = (Escalation.objects.filter(w.q()).order_by()
            .values("reason", owner=Coalesce("case_owner_id", "case__owner_id"), week=TruncWeek("created_at"))
            .annotate(n=Count("id")))
    for row in rows:
        week = week_of(row["week"])
        for m in tally.rows(row["owner"]):
            m.escalations[row["reason"]] += row["n"]
            m.weekly_escalations[week][row["reason"]] += row["n"]


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
