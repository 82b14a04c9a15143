"""`team_dashboard`: every measure of the team page, per rep and for the team, in a fixed number of
queries whatever the number of cases (9). Each collector makes one grouped query (the weekly series
come from the same queries, grouped by the window's weeks as well: cases/metrics/bounded.Weeks) and adds
each fact to its rep's row and the team's row. On PostgreSQL every number is aggregated by the
database: the resolved cases with their mood and follow-up (cases/metrics/outcomes.py), ETA honesty
(cases/metrics/eta.py) and the escalations per rep and per week (cases/metrics/escalations.py) each in
one statement, so Python handles a few rows per rep and per week, never the window's rows.

Per rep means the rep who owned the case when the counted thing happened: each event carries the case's
owner then (CaseEvent.owner), promises their holder, escalations the case's owner when raised; so a
handoff or a reassignment moves no number onto the teammate who takes the case. A resolution's follow-up
call counts for the holder of its promise, the one who must make it (a resolved case reassigned with its
call still to make passes the call on, and its done or missed with it: cases/metrics/outcomes.py).

The work follows the window, not the history: every query starts from an index on the window's
timestamp (promises by due_at, events by (verb, created_at), the stays' or the openings' index,
escalations by created_at) and reaches other rows only by index probes (cases/metrics/bounded.py);
the times in each step are aggregated by cases/metrics/stays.py from the stay each transition event
records (CaseEvent.step_seconds, the team's) and from the owners' parts of the stays (HeldStay, a
rep's). Transition events are found by their verb, the transition's label
(cases.workflow.Transition.label, written by cases.services.transitions), which the index serves; the
JSON copy of the transition's name in `data` is for the timeline only."""
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case as SqlCase, Count, F, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce

from ..models import CaseEvent, PromiseStatus
from ..selectors import REP_GROUP, promises_for_rate
from ..workflow import Transition
from .bounded import Weeks
from .escalations import escalation_counts
from .eta import eta_verdicts
from .measures import Dashboard, Measures, RepMeasures
from .outcomes import OUTCOME_FIELDS, resolved_outcomes
from .stays import step_stays, still_in_step
from .window import DEFAULT_WINDOW_DAYS, window

# The statuses the keeping rate and the renegotiated share count (index promise_settled_due).
SETTLED = (PromiseStatus.KEPT, PromiseStatus.BROKEN, PromiseStatus.RENEGOTIATED)
# A case's first event (cases.services.intake, client_mail.case_open_from_mail); index event_opened_window.
OPENED = "opened"


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
    for collect in (_promises, _step_times, _still_in_step, _opened, _closures, _escalations, _resolved_outcomes,
                    _eta_calibration):
        collect(w, tally)
    users = {u.pk: u for u in _people(tally.by_owner.keys())}
    reps = [RepMeasures(user=users[pk], measures=tally.by_owner.get(pk, Measures())) for pk in users]
    reps.sort(key=lambda r: (r.name.lower(), r.user.pk))
    return Dashboard(window=w, team=tally.team, reps=reps)


def _people(owner_ids):
    """Everyone with a number in the window, plus every active rep (a rep with no activity shows zeros)."""
    User = get_user_model()
    return User.objects.filter(Q(pk__in=list(owner_ids)) | Q(is_active=True, groups__name=REP_GROUP)).distinct()


# Whose number a settled promise is: a kept or broken one its holder's when it fell due, a renegotiated one
# the one its move counts for (Promise.moved_by, services.promises.move_counted_for; the holder's on a
# promise moved before it was recorded).
COUNTED_FOR = SqlCase(When(status=PromiseStatus.RENEGOTIATED, moved_by__isnull=False, then=F("moved_by")),
                      default=F("owner"), output_field=IntegerField())


def _promises(w, tally):
    """By COUNTED_FOR: the rep who held the promise when it fell due (a handoff passes only the promises
    with HANDOVER_MIN_MINUTES still to run to the new owner, cases.services.promises.handover_cutoff), or
    the one its move counts for."""
    weeks = Weeks(w)
    # Counting `status` (a column of the index promise_settled_due, not the id) keeps the scan index-only.
    rows = (promises_for_rate(since=w.since, until=w.until).filter(status__in=SETTLED).order_by()
            .values(who=COUNTED_FOR, week=weeks.of("due_at"))
            .annotate(kept=Count("status", filter=Q(status=PromiseStatus.KEPT)),
                      broken=Count("status", filter=Q(status=PromiseStatus.BROKEN)),
                      renegotiated=Count("status", filter=Q(status=PromiseStatus.RENEGOTIATED))))
    for row in rows:
        week = weeks.monday(row["week"])
        for m in tally.rows(row["who"]):
            m.kept += row["kept"]
            m.broken += row["broken"]
            m.renegotiated += row["renegotiated"]
            m.weekly_kept[week] += row["kept"]
            m.weekly_broken[week] += row["broken"]


def _step_times(w, tally):
    """The team's: each whole stay that ended in the window; a rep's: the time they held the case in each
    stay, their parts of it added up (cases.metrics.stays). The team's statistics are taken over the stays,
    not from the reps' (a median of medians is not a median)."""
    for (owner_id, step), stays in step_stays(w).items():
        measures = tally.team if owner_id is None else tally.by_owner[owner_id]
        measures.step_stays[step] = stays


def _still_in_step(w, tally):
    """The cases sitting in each step at the window's end, beside the finished stays: the team's, and each
    owner's now (cases.metrics.stays.still_in_step)."""
    for (owner_id, step), waiting in still_in_step(w).items():
        measures = tally.team if owner_id is None else tally.by_owner[owner_id]
        measures.waiting[step] = waiting


def _transitions(w, *specs):
    """The window's events of these transitions (index event_transition_verb)."""
    return CaseEvent.objects.filter(w.q(), verb__in=[spec.label for spec in specs]).exclude(from_step="").order_by()


def _opened(w, tally):
    """The cases opened in the window, by their owner at the opening; a case opened from email belongs
    to the mail intake (a placeholder, cases.services.client_mail) until a rep takes it, and counts for
    the first rep it went to (its first change of owner: claimed, or reassigned by a supervisor, or a
    handoff accepted; found by an audit: a reassigned one stayed on the intake's row), else for the
    intake's row. Index event_opened_window (with the case); the first owner is looked up for the intake's
    cases only."""
    # A claim after the window's end is not yet for it: a past window's figures do not change (found by an audit).
    claimer = Subquery(CaseEvent.objects.filter(case_id=OuterRef("case_id"), verb__in=sorted(CaseEvent.OWNER_CHANGES),
                                                created_at__lt=w.until)
                       .order_by("created_at", "id").values("owner_id")[:1])
    intake = Subquery(get_user_model().objects.filter(username=settings.MAILIN_INTAKE_USERNAME).values("pk")[:1])
    credited = SqlCase(When(owner_id=intake, then=Coalesce(claimer, F("owner_id"))), default=F("owner_id"),
                       output_field=IntegerField())
    # Counting `created_at` (the index's key, never NULL) keeps the scan index-only.
    rows = (CaseEvent.objects.filter(w.q(), verb=OPENED).order_by()
            .values(credited_to=credited).annotate(n=Count("created_at")))
    for row in rows:
        for m in tally.rows(row["credited_to"]):
            m.opened += row["n"]


def _closures(w, tally):
    """Closed by override, reopened and sent back from deliver by loose ends: each time, for the owner at
    that event, as each resolution in the window is counted (cases/metrics/outcomes.py). A case bounced
    between deliver and plan, or resolved and reopened, again and again shows every round trip here, beside
    the short stays and the resolutions it adds (found by a review: each case was counted once, so ten
    round trips read as one while their ten resolutions and stays all counted). The window's events of the
    three, a few hundred in 90 days at 100,000 cases, counted from the index event_transition_verb."""
    counted = {Transition.FORCE_CLOSE.label: "closed_by_override", Transition.REOPEN.label: "reopened",
               Transition.LOOSE_ENDS.label: "sent_back"}
    events = (_transitions(w, Transition.FORCE_CLOSE, Transition.REOPEN, Transition.LOOSE_ENDS)
              .values("verb", "owner_id").annotate(n=Count("created_at")))
    for row in events:
        for m in tally.rows(row["owner_id"]):
            setattr(m, counted[row["verb"]], getattr(m, counted[row["verb"]]) + row["n"])


def _escalations(w, tally):
    """By the rep who owned the case when it was raised, and per week for the team
    (cases/metrics/escalations.py)."""
    by_owner, by_week = escalation_counts(w)
    for (owner_id, reason), n in by_owner.items():
        for m in tally.rows(owner_id):
            m.escalations[reason] += n
    for (week, reason), n in by_week.items():
        tally.team.weekly_escalations[week][reason] += n


def _resolved_outcomes(w, tally):
    """The window's resolutions, their mood and follow-up (cases/metrics/outcomes.py): an owner's Outcomes
    (as resolver, as call holder, or both) go to their row and to the team's once, so where a call is
    counted moves no team total."""
    for owner_id, outcome in resolved_outcomes(w).items():
        for m in tally.rows(owner_id):
            for name in OUTCOME_FIELDS:
                setattr(m, name, getattr(m, name) + getattr(outcome, name))


def _eta_calibration(w, tally):
    """Early / within / late against the range in force at each arrival at deliver (cases/metrics/eta.py)."""
    for owner_id, verdicts in eta_verdicts(w).items():
        for m in tally.rows(owner_id):
            m.eta_early += verdicts.early
            m.eta_within += verdicts.within
            m.eta_late += verdicts.late
