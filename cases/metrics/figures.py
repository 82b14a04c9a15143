"""The team page's charts. Each `Figure` is built from one list of rows, which gives the chart (inline
SVG from cases.charts), the table under it and its CSV download, so the three cannot disagree. A figure
with nothing to show in the window says so in words instead of drawing an empty plot."""
import datetime as dt
from dataclasses import dataclass

from django.utils.html import format_html

from ..charts import Move, Series, bar_chart, before_after_chart, column_chart, line_chart, table_rows
from ..models import Mood
from .measures import WORKFLOW_STEPS
from .window import format_duration, mood_move, pct, week_label

TEAM_COLOUR = "#1c2430"
ETA_COLOURS = {"early": "#1d5fd1", "within": "#1f7a4a", "late": "#b3261e"}


@dataclass(frozen=True)
class Figure:
    name: str  # ?format=csv&chart=<name>
    title: str
    hint: str
    empty: str  # said instead of the chart when the window holds nothing for it
    chart: str | None  # SVG markup, None when empty
    columns: tuple = ()
    rows: tuple = ()  # the table: display strings, a row per line of the chart
    csv_columns: tuple = ()
    csv_rows: tuple = ()

    @property
    def is_empty(self):
        return self.chart is None

    @property
    def table_html(self):
        """The table's rows as markup (cases.charts.table_rows), the team's row marked."""
        return table_rows(self.rows)


def figures(board):
    """The page's figures, in the order it shows them."""
    return [build(board) for build in (keeping_by_week, renegotiated_by_rep, time_in_steps, mood_before_after,
                                       escalations_by_week, eta_honesty)]


def figure_named(board, name):
    return next((f for f in figures(board) if f.name == name), None)


def steps_by_rep(board):
    """The rows of the page's "time in each step, by rep" table: in each step, the median, the 90th
    percentile and the number of stays they are taken over (the time the rep held the case in each), and
    the cases still in it now, with how long the longest has been there (each rep's: the cases they own)."""
    def cell(m, step, shown, p90, n):
        stays = format_html("{} <small>· 90th {} ({})</small>", shown, p90, n) if n else shown
        return format_html("{}{}", stays, _still_there(m, step))

    return table_rows([(who, *(cell(m, step, shown, p90, n) for step, _, n, shown, p90 in m.step_medians))
                       for who, m, _ in board.rows()])


def _still_there(m, step):
    """"<br><small>3 in it now, longest 12 d</small>", or nothing when no case sits in `step`."""
    n = m.waiting_in(step)
    if not n:
        return ""
    return format_html('<br><small class="still-in-step">{} in it now, longest {}</small>', n,
                       format_duration(m.longest_waiting_in(step)))


def escalations_by_rep(board):
    """The rows of the page's "escalations by reason, by rep" table."""
    return table_rows([(who, *(str(n) for _, n in m.escalations_by_reason)) for who, m, _ in board.rows()])


def _pct_text(fraction):
    return "—" if fraction is None else f"{pct(fraction)}%"


def _pct_value(fraction):
    return None if fraction is None else round(100 * fraction, 1)


def pct_csv(fraction):
    """A share as a CSV cell: percent with one decimal, empty when there is nothing to take it over."""
    return "" if fraction is None else round(100 * fraction, 1)


def hours_csv(td):
    """A duration as a CSV cell: hours with two decimals, empty when there is none."""
    return "" if td is None else round(_hours(td), 2)


def _series(rows, values):
    """A Series per (name, measures, is_team) row: the team's drawn heavier, in ink."""
    return [Series(name, tuple(values(m)), color=TEAM_COLOUR if team else "", strong=team) for name, m, team in rows]


def _strong(rows):
    return tuple(i for i, (_, _, team) in enumerate(rows) if team)


def keeping_by_week(board):
    days, weeks = board.window.days, board.window.weeks
    name, title = "keeping", "Promise-keeping rate per week"
    hint = ("Kept / (kept + broken) over the promises that fell due each week, counted for the rep who held "
            "each promise when it fell due; kept late counts as broken. Weeks are Monday to Sunday; the first "
            "and last are cut by the window.")
    rows = [r for r in board.rows() if r[1].kept + r[1].broken]
    if not rows:
        return Figure(name, title, hint, f"No promise fell due in these {days} days.", None)
    labels = [week_label(w) for w in weeks]
    chart = line_chart(name=name, title=title, labels=labels,
                       desc=f"Team: {_pct_text(board.team.promise_rate)} kept over the {days} days.",
                       series=_series(rows, lambda m: [_pct_value(m.promise_rate_in(w)) for w in weeks]),
                       y_format=lambda v: f"{round(v)}%")

    def cell(m, week):
        kept, settled = m.weekly_kept[week], m.weekly_kept[week] + m.weekly_broken[week]
        return f"{_pct_text(m.promise_rate_in(week))} ({kept} of {settled})" if settled else "—"

    table = tuple((f"Week of {week_label(w)}", *(cell(m, w) for _, m, _ in rows)) for w in weeks)
    csv_rows = tuple((w.isoformat(), who, m.weekly_kept[w], m.weekly_broken[w], pct_csv(m.promise_rate_in(w)))
                     for w in weeks for who, m, _ in rows)
    return Figure(name, title, hint, "", chart, ("Week", *(who for who, _, _ in rows)), table,
                  ("week_starting", "who", "kept", "broken", "keeping_rate_pct"), csv_rows)


def renegotiated_by_rep(board):
    days = board.window.days
    name, title = "renegotiated", "Renegotiated share beside the keeping rate"
    hint = ("Renegotiated / (kept + broken + renegotiated) over the same promises: how much of the rate was "
            "held by moving or dropping deadlines (each with the client's recorded agreement).")
    rows = [r for r in board.rows() if r[1].kept + r[1].broken + r[1].renegotiated]
    if not rows:
        return Figure(name, title, hint, f"No promise fell due in these {days} days.", None)
    chart = bar_chart(name=name, title=title, labels=[who for who, _, _ in rows], x_max=100,
                      desc=f"Team: {_pct_text(board.team.promise_rate)} kept, "
                           f"{_pct_text(board.team.renegotiated_share)} renegotiated.",
                      series=[Series("Kept", tuple(_pct_value(m.promise_rate) for _, m, _ in rows), color="#1f7a4a"),
                              Series("Renegotiated", tuple(_pct_value(m.renegotiated_share) for _, m, _ in rows),
                                     color="#d55e00")],
                      value_format=lambda v: f"{round(v)}%", strong_rows=_strong(rows))
    table = tuple((who, str(m.kept), str(m.broken), str(m.renegotiated), _pct_text(m.promise_rate),
                   _pct_text(m.renegotiated_share)) for who, m, _ in rows)
    csv_rows = tuple((who, m.kept, m.broken, m.renegotiated, pct_csv(m.promise_rate), pct_csv(m.renegotiated_share))
                     for who, m, _ in rows)
    return Figure(name, title, hint, "", chart,
                  ("Who", "Kept", "Broken", "Renegotiated", "Keeping rate", "Renegotiated share"), table,
                  ("who", "kept", "broken", "renegotiated", "keeping_rate_pct", "renegotiated_share_pct"), csv_rows)


def _hours(td):
    return None if td is None else td.total_seconds() / 3600


def time_in_steps(board):
    days, team = board.window.days, board.team
    name, title = "steps", "Time in each step: median and 90th percentile"
    hint = ("Over the stays in each step that ended in the window, from entering the step to leaving it. "
            "One case in ten took longer than the 90th percentile. The cases still in a step are not in these "
            "figures until they leave it: the table shows how many sit in each now, and for how long the "
            "longest has.")
    if not team.stays and not team.waiting:
        return Figure(name, title, hint, f"No case left a step in these {days} days.", None)
    labels = [f"{step.number}. {step.label}" for step in WORKFLOW_STEPS]
    chart = bar_chart(name=name, title=title, labels=labels,
                      desc=f"{team.stays} stays ended in the {days} days.",
                      series=[Series("Median", tuple(_hours(team.median_in(s)) for s in WORKFLOW_STEPS)),
                              Series("90th percentile", tuple(_hours(team.p90_in(s)) for s in WORKFLOW_STEPS),
                                     color="#8a6d00")],
                      value_format=lambda h: format_duration(dt.timedelta(hours=h)))
    stays = [team.stays_in(s) for s in WORKFLOW_STEPS]
    table = tuple((label, str(n), format_duration(team.median_in(s)), format_duration(team.p90_in(s)),
                   str(team.waiting_in(s)), format_duration(team.longest_waiting_in(s)))
                  for label, n, s in zip(labels, stays, WORKFLOW_STEPS, strict=True))

    csv_rows = tuple((s.label, n, hours_csv(team.median_in(s)), hours_csv(team.p90_in(s)), team.waiting_in(s),
                      hours_csv(team.longest_waiting_in(s)))
                     for n, s in zip(stays, WORKFLOW_STEPS, strict=True))
    return Figure(name, title, hint, "", chart,
                  ("Step", "Stays", "Median", "90th percentile", "In it now", "Longest there now"), table,
                  ("step", "stays", "median_hours", "p90_hours", "in_it_now", "longest_now_hours"), csv_rows)


def mood_before_after(board):
    days = board.window.days
    name, title = "mood", "Client mood at intake and at delivery"
    hint = ("Over the cases resolved in the window: the average mood when the case was opened and at delivery "
            "(the mood recorded with the delivery, else the client's mood when the case was resolved), named by "
            "the nearest mood.")
    rows = [r for r in board.rows() if r[1].mood_cases]
    if not rows:
        return Figure(name, title, hint, f"No case was resolved in these {days} days, so there is no mood at "
                                         "delivery to compare.", None)
    chart = before_after_chart(name=name, title=title, scale=[m.label for m in Mood],
                               desc=f"Team: {board.team.mood_move} over {board.team.mood_cases} resolved cases.",
                               moves=[Move(who, m.intake_mood, m.delivery_mood, strong=team) for who, m, team in rows],
                               start_name="At intake", end_name="At delivery", describe=mood_move)
    table = tuple((who, str(m.mood_cases), m.mood_move, f"{m.anxious_to_joy} of {m.mood_cases}") for who, m, _ in rows)
    csv_rows = tuple((who, m.mood_cases, m.intake_mood_label, m.delivery_mood_label, round(m.intake_mood, 2),
                      round(m.delivery_mood, 2), m.anxious_to_joy) for who, m, _ in rows)
    return Figure(name, title, hint, "", chart,
                  ("Who", "Cases resolved", "At intake → at delivery", "Anxious or worse to satisfied or better"),
                  table, ("who", "cases_resolved", "mood_at_intake", "mood_at_delivery", "intake_score_0_to_6",
                          "delivery_score_0_to_6", "anxious_to_joy"), csv_rows)


def escalations_by_week(board):
    days, weeks, team = board.window.days, board.window.weeks, board.team
    name, title = "escalations", "Escalations by reason per week"
    hint = ("Escalations raised each week, by reps or by the system (broken promises, stalled cases). The "
            "table under the page's main figures counts them for the rep who owned the case when each was raised.")
    if not team.escalation_total:
        return Figure(name, title, hint, f"No escalation was raised in these {days} days.", None)
    reasons = [r for r, n in team.escalations_by_reason if n]
    by_week = team.weekly_escalations
    chart = column_chart(name=name, title=title, labels=[week_label(w) for w in weeks],
                         desc=f"{team.escalation_total} escalations in the {days} days.",
                         series=[Series(r.label, tuple(by_week[w][r.value] for w in weeks)) for r in reasons])
    table = tuple((f"Week of {week_label(w)}", *(str(by_week[w][r.value]) for r in reasons),
                   str(sum(by_week[w].values()))) for w in weeks)
    csv_rows = tuple((w.isoformat(), *(by_week[w][r.value] for r in reasons), sum(by_week[w].values())) for w in weeks)
    return Figure(name, title, hint, "", chart, ("Week", *(r.label for r in reasons), "Total"), table,
                  ("week_starting", *(r.value for r in reasons), "total"), csv_rows)


def eta_honesty(board):
    days = board.window.days
    name, title = "eta", "ETA honesty: delivered early, within or late against the range given"
    hint = ("Each case that reached Deliver, once: late if any of its arrivals was late against the estimate "
            "range in force then (a renegotiated deadline moves the end of the range), else as its first "
            "arrival: before the range's earliest end, within it, or after its latest.")
    rows = [r for r in board.rows() if r[1].eta_arrivals]
    if not rows:
        return Figure(name, title, hint, f"No case reached Deliver against an estimate in these {days} days.", None)
    chart = bar_chart(name=name, title=title, labels=[who for who, _, _ in rows], stacked=True,
                      desc=f"Team: {_pct_text(board.team.eta_within_share)} of {board.team.eta_arrivals} "
                           "cases delivered within the range given.",
                      series=[Series("Early", tuple(m.eta_early for _, m, _ in rows), color=ETA_COLOURS["early"]),
                              Series("Within the range", tuple(m.eta_within for _, m, _ in rows),
                                     color=ETA_COLOURS["within"]),
                              Series("Late", tuple(m.eta_late for _, m, _ in rows), color=ETA_COLOURS["late"])],
                      strong_rows=_strong(rows))
    table = tuple((who, str(m.eta_early), str(m.eta_within), str(m.eta_late), _pct_text(m.eta_within_share))
                  for who, m, _ in rows)
    csv_rows = tuple((who, m.eta_early, m.eta_within, m.eta_late, pct_csv(m.eta_within_share)) for who, m, _ in rows)
    return Figure(name, title, hint, "", chart, ("Who", "Early", "Within", "Late", "Within the range"), table,
                  ("who", "early", "within", "late", "within_pct"), csv_rows)

