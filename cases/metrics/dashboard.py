"""`team_dashboard`: every measure of the team page, per rep and for the team, in a fixed number of
queries whatever the number of cases (at most 10). Each collector makes one grouped query (the weekly
series come from the same queries, grouped by TruncWeek as well) and adds each fact to its rep's row
and the team's row; mood scores and ETA matching are finished in Python over the few columns fetched.

The work follows the window, not the history: every query starts from an index on the window's
timestamp (promises by due_at, cases by opened_at, events by (verb, created_at) or the stays' index,
escalations by created_at) and reaches other rows only by index probes (cases/metrics/bounded.py);
the times in each step are aggregated by cases/metrics/stays.py from the stay each transition event
records (CaseEvent.step_seconds). Transition events are found by their verb, the transition's label
(cases.workflow.Transition.label, written by cases.services.transitions), which the index serves; the
JSON copy of the transition's name in `data` is for the timeline only."""
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import Case, CaseEvent, Delivery, Escalation, Promise, PromiseKind, PromiseStatus
from ..selectors import REP_GROUP, promises_for_rate
from ..workflow import Transition
from .bounded import among, case_owner
from .measures import ANXIOUS_OR_WORSE, MOOD_SCORES, SATISFIED_OR_BETTER, Dashboard, Measures, RepMeasures
from .stays import step_stays
from .window import DEFAULT_WINDOW_DAYS, week_of, window

# The statuses the keeping rate and the renegotiated share count (index promise_settled_due).
SETTLED = (PromiseStatus.KEPT, PromiseStatus.BROKEN, PromiseStatus.RENEGOTIATED)


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
    rows = (promises_for_rate(since=w.since, until=w.until).filter(status__in=SETTLED).order_by()
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
    """Each stay that ended in the window, by the case's owner; the team's statistics are taken over all
    the stays, not from the reps' (a median of medians is not a median)."""
    for (owner_id, step), stays in step_stays(w).items():
        measures = tally.team if owner_id is None else tally.by_owner[owner_id]
        measures.step_stays[step] = stays


def _transitions(w, *specs):
    """The window's events of these transitions (index event_transition_verb)."""
    return CaseEvent.objects.filter(w.q(), verb__in=[spec.label for spec in specs]).exclude(from_step="").order_by()


def _opened(w, tally):
    for row in Case.objects.filter(w.q("opened_at")).order_by().values("owner_id").annotate(n=Count("id")):
        for m in tally.rows(row["owner_id"]):
            m.opened += row["n"]


def _closures(w, tally):
    resolve, force, reopen = Transition.COMPLETE_DELIVER, Transition.FORCE_CLOSE, Transition.REOPEN
    rows = (_transitions(w, resolve, force, reopen).order_by()
            .values(owner=case_owner())
            .annotate(resolved=Count("case_id", distinct=True, filter=Q(verb=resolve.label)),
                      override=Count("case_id", distinct=True, filter=Q(verb=force.label)),
                      reopened=Count("case_id", distinct=True, filter=Q(verb=reopen.label))))
    for row in rows:
        for m in tally.rows(row["owner"]):
            m.resolved += row["resolved"]
            m.closed_by_override += row["override"]
            m.reopened += row["reopened"]


def _escalations(w, tally):
    """By the rep who owned the case when it was raised (Escalation.case_owner; the case's owner today
    only for a row recorded before that column existed)."""
    rows = (Escalation.objects.filter(w.q()).order_by()
            .values("reason", owner=Coalesce("case_owner_id", case_owner(), output_field=IntegerField()), week=TruncWeek("created_at"))
            .annotate(n=Count("id")))
    for row in rows:
        week = week_of(row["week"])
        for m in tally.rows(row["owner"]):
            m.escalations[row["reason"]] += row["n"]
            m.weekly_escalations[week][row["reason"]] += row["n"]


def _resolved_outcomes(w, tally):
    resolved = _transitions(w, Transition.COMPLETE_DELIVER).values("case_id")
    latest = Delivery.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    rows = (Case.objects.filter(among("pk", resolved)).order_by()
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
    arrivals_qs = _transitions(w, Transition.COMPLETE_MANAGE_ANXIETY)
    arrivals = list(arrivals_qs.annotate(owner=case_owner()).values_list("case_id", "owner", "created_at"))
    if not arrivals:
        return
    case_ids = arrivals_qs.values("case_id")
    estimates, deadlines = defaultdict(list), defaultdict(list)
    for case_id, at, data in (CaseEvent.objects.filter(among("case_id", case_ids), verb="estimate given")
                              .order_by("created_at", "id").values_list("case_id", "created_at", "data")):
        earliest = parse_datetime(str((data or {}).get("earliest", "")))
        latest = parse_datetime(str((data or {}).get("latest", "")))
        if earliest and latest:
            estimates[case_id].append((at, earliest, latest))
    for case_id, at, due_at in (Promise.objects.filter(among("case_id", case_ids), kind=PromiseKind.ETA)
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
