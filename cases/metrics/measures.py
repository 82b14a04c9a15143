"""What the team page shows for one rep or for the team: the counts the collectors add up
(cases/metrics/dashboard.py) and the rates, medians and percentiles derived from them."""
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..models import EscalationReason, Mood
from ..workflow import OPEN_STEPS
from .window import Window, format_duration, mood_label, mood_move, pct, share

WORKFLOW_STEPS = OPEN_STEPS  # the steps a case spends time in (cases.workflow)
ANXIOUS_OR_WORSE = Mood.ANXIOUS.score
SATISFIED_OR_BETTER = Mood.SATISFIED.score
MOOD_SCORES = {m.value: m.score for m in Mood}


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
    sent_back: int = 0  # back to plan from deliver (loose ends)
    escalations: Counter = field(default_factory=Counter)
    step_stays: dict = field(default_factory=dict)  # step -> cases.metrics.stays.Stays (count, median, p90)
    waiting: dict = field(default_factory=dict)  # step -> cases.metrics.stays.Waiting (still in it at the end)
    mood_cases: int = 0
    intake_score_sum: int = 0
    delivery_score_sum: int = 0
    anxious_to_joy: int = 0
    follow_up_done: int = 0
    follow_up_missed: int = 0
    follow_up_waiting: int = 0
    follow_up_moved: int = 0  # dropped by a reopen before its day (cases/metrics/outcomes.py)
    eta_early: int = 0
    eta_within: int = 0
    eta_late: int = 0
    # By the Monday of the week the promise fell due / the escalation was raised (cases.metrics.window);
    # the escalations' weeks are counted for the team only (the page's weekly series is the team's).
    weekly_kept: Counter = field(default_factory=Counter)
    weekly_broken: Counter = field(default_factory=Counter)
    weekly_escalations: dict = field(default_factory=lambda: defaultdict(Counter))

    @property
    def promise_rate(self):
        return share(self.kept, self.kept + self.broken)

    @property
    def promise_pct(self):
        return pct(self.promise_rate)

    def promise_rate_in(self, week):
        return share(self.weekly_kept[week], self.weekly_kept[week] + self.weekly_broken[week])

    @property
    def renegotiated_share(self):
        """Of the promises due in the window (counted by their deadline, as the keeping rate), how many were
        moved instead (a rep who keeps the rate up by moving deadlines shows here)."""
        return share(self.renegotiated, self.kept + self.broken + self.renegotiated)

    @property
    def renegotiated_pct(self):
        return pct(self.renegotiated_share)

    def stays_in(self, step):
        stays = self.step_stays.get(step)
        return stays.count if stays else 0

    def median_in(self, step):
        stays = self.step_stays.get(step)
        return dt.timedelta(seconds=stays.median) if stays else None

    def p90_in(self, step):
        stays = self.step_stays.get(step)
        return dt.timedelta(seconds=stays.p90) if stays else None

    def waiting_in(self, step):
        """How many cases sit in `step` at the window's end (for a rep: of theirs)."""
        waiting = self.waiting.get(step)
        return waiting.count if waiting else 0

    def longest_waiting_in(self, step):
        """How long the case there longest has been in `step` at the window's end, or None."""
        waiting = self.waiting.get(step)
        return dt.timedelta(seconds=waiting.longest) if waiting else None

    @property
    def step_medians(self):
        """[(step, median timedelta or None, number of stays, display, 90th percentile display)] for the
        seven steps, in order."""
        rows = []
        for step in WORKFLOW_STEPS:
            median, p90 = self.median_in(step), self.p90_in(step)
            rows.append((step, median, self.stays_in(step), format_duration(median), format_duration(p90)))
        return rows

    @property
    def stays(self):
        return sum(s.count for s in self.step_stays.values())

    @property
    def escalations_by_reason(self):
        return [(r, self.escalations.get(r.value, 0)) for r in EscalationReason]

    @property
    def escalation_total(self):
        return sum(self.escalations.values())

    @property
    def intake_mood(self):
        return share(self.intake_score_sum, self.mood_cases)

    @property
    def delivery_mood(self):
        return share(self.delivery_score_sum, self.mood_cases)

    @property
    def intake_mood_label(self):
        return mood_label(self.intake_mood)

    @property
    def delivery_mood_label(self):
        return mood_label(self.delivery_mood)

    @property
    def mood_move(self):
        """"Upset → Satisfied", or "—" with no case resolved."""
        return mood_move(self.intake_mood, self.delivery_mood)

    @property
    def follow_up_share(self):
        return share(self.follow_up_done, self.follow_up_done + self.follow_up_missed)

    @property
    def follow_up_pct(self):
        return pct(self.follow_up_share)

    @property
    def eta_arrivals(self):
        return self.eta_early + self.eta_within + self.eta_late

    @property
    def eta_within_share(self):
        return share(self.eta_within, self.eta_arrivals)

    @property
    def eta_within_pct(self):
        return pct(self.eta_within_share)


@dataclass
class RepMeasures:
    user: object
    measures: Measures

    @property
    def name(self):
        return self.user.get_full_name() or self.user.username


@dataclass
class Dashboard:
    window: Window
    team: Measures
    reps: list

    def rows(self):
        """("Team", team measures, True) then (rep name, measures, False) for each rep."""
        return [("Team", self.team, True)] + [(r.name, r.measures, False) for r in self.reps]
