"""The team page's tables that have no chart, as CSV downloads: the main table of every measure per rep
("reps"), the time in each step by rep ("steps-by-rep") and the escalations by reason by rep
("escalations-by-rep"). Each is built from the same Measures the page shows (cases/metrics/measures.py),
so a download cannot disagree with the table it sits under; the charts' own CSVs are in figures.py.
A team lead pasting the numbers into a review gets every rep's row, the team's first, as numbers
(shares in percent with one decimal, durations in hours), with the counts each share is taken over."""
from dataclasses import dataclass

from ..models import EscalationReason
from .figures import figure_named, hours_csv, pct_csv
from .measures import WORKFLOW_STEPS


@dataclass(frozen=True)
class Table:
    name: str  # ?format=csv&chart=<name>, as a figure's
    csv_columns: tuple
    csv_rows: tuple
    is_empty: bool = False  # the team's row is always there


def _mood(score):
    return "" if score is None else round(score, 2)


REPS_COLUMNS = (
    "who", "kept", "broken", "keeping_rate_pct", "renegotiated", "renegotiated_share_pct", "opened", "resolved",
    "closed_by_override", "reopened", "sent_back", "escalations", "mood_cases", "mood_at_intake",
    "mood_at_delivery", "intake_score_0_to_6", "delivery_score_0_to_6", "anxious_to_joy", "follow_up_done",
    "follow_up_missed", "follow_up_not_due_yet", "follow_up_moved_by_reopen", "follow_up_done_pct", "eta_early",
    "eta_within", "eta_late", "eta_within_pct",
)


def reps_table(board):
    """The page's main table: every measure, the team's row then each rep's."""
    rows = tuple((who, m.kept, m.broken, pct_csv(m.promise_rate), m.renegotiated, pct_csv(m.renegotiated_share),
                  m.opened, m.resolved, m.closed_by_override, m.reopened, m.sent_back, m.escalation_total,
                  m.mood_cases, m.intake_mood_label if m.mood_cases else "",
                  m.delivery_mood_label if m.mood_cases else "", _mood(m.intake_mood), _mood(m.delivery_mood),
                  m.anxious_to_joy, m.follow_up_done, m.follow_up_missed, m.follow_up_waiting,
                  m.follow_up_moved, pct_csv(m.follow_up_share), m.eta_early, m.eta_within, m.eta_late,
                  pct_csv(m.eta_within_share))
                 for who, m, _ in board.rows())
    return REPS_COLUMNS, rows


def steps_by_rep_table(board):
    """Time in each step by rep: a line per rep and step (the team's first), with the number of stays, and
    the cases in the step now (a rep's: those they own) with how long the longest has been there."""
    rows = tuple((who, step.label, m.stays_in(step), hours_csv(m.median_in(step)), hours_csv(m.p90_in(step)),
                  m.waiting_in(step), hours_csv(m.longest_waiting_in(step)))
                 for who, m, _ in board.rows() for step in WORKFLOW_STEPS)
    return ("who", "step", "stays", "median_hours", "p90_hours", "in_it_now", "longest_now_hours"), rows


def escalations_by_rep_table(board):
    """Escalations by reason by rep (the rep who owned the case when each was raised), with the total."""
    rows = tuple((who, *(n for _, n in m.escalations_by_reason), m.escalation_total) for who, m, _ in board.rows())
    return ("who", *(r.value for r in EscalationReason), "total"), rows


# Each table's name (the download's `chart=`) and the function giving its (columns, rows).
TABLES = {"reps": reps_table, "steps-by-rep": steps_by_rep_table, "escalations-by-rep": escalations_by_rep_table}


def table_named(board, name):
    """The table called `name`, or None (only the one asked for is built)."""
    build = TABLES.get(name)
    return None if build is None else Table(name, *build(board))


def download_named(board, name):
    """What `?format=csv&chart=<name>` downloads: a table's numbers, or a chart's (figures.py); None for
    any other name."""
    return table_named(board, name) or figure_named(board, name)
