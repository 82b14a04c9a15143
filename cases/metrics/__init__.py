"""The team's numbers, per rep and for the team, over a window ending now. Read-only: every measure
comes from the promise ledger, the case timeline (CaseEvent), the escalations and the step records, in a
fixed number of queries whatever the number of cases (`team_dashboard` makes 9).

- window.py: the window, its weeks, and the words numbers are shown in (durations, moods);
- measures.py: one rep's (or the team's) numbers and what is derived from them;
- dashboard.py: `team_dashboard`, the grouped queries that fill them; stays.py, outcomes.py, eta.py and
  escalations.py the four that are one SQL statement each on PostgreSQL (with a portable path for SQLite);
- figures.py: the page's charts, each with its table and CSV from the same rows; tables.py: the CSVs of
  the tables without a chart (every measure per rep, the time in each step and the escalations by rep).

Definitions (the team page shows the same words):
- "Per rep" means the rep who held the work when the counted thing happened, never simply the case's
  current owner, so a handoff or a reassignment moves no number: the promise-keeping rate belongs to each
  promise's owner, the rep who held it when it fell due (an enrolled teammate for an action item; work
  given by someone else passes only promises with HANDOVER_MIN_MINUTES still to run,
  services.promises.handover_cutoff); an escalation to the rep who owned the
  case when it was raised (`Escalation.case_owner`); everything read from the timeline to the case's
  owner recorded on the event (`CaseEvent.owner`): an arrival at
  deliver to the owner then, an opening to the owner at opening, a resolution to the owner then (each
  one in "Resolved": a case resolved, reopened and resolved again counts twice, each call judged by its
  own delivery; its mood once, by its first resolution in the window), and a reopen, a loose-ends
  send-back or an override to the owner then (each one, like resolutions: a case bounced back and forth
  shows every round trip).
- Promise-keeping rate: kept / (kept + broken) over promises due in the window (kept late is broken;
  pending, renegotiated and withdrawn promises do not count). Same rule as `selectors.promise_keeping_rate`
  and as the "N kept / N broken" of each case page. Per week: the same over the promises due that week.
- Renegotiated share: renegotiated / (kept + broken + renegotiated) over the same promises: how much of
  the rate was kept by moving deadlines, or dropping an item's due time by cancelling the item (each needs the
  client's recorded agreement). A move counts for the rep who made it when they answer for the work, as
  the case's owner or the promise's holder, so moving a teammate's item does not put the move on the
  teammate; a supervisor's move of a rep's promise counts for the rep whose rate it keeps
  (services.promises.move_counted_for, stored as Promise.moved_by).
- Median (and nearest-rank 90th percentile) time in a step: for the team, each stay in a step that
  ended in the window (a transition out of it), from the transition into it to the transition out of it;
  for a rep, each stay they held the case in, counting the time they held it: all their parts of the
  stay added up, in the window the last of them ended in (`HeldStay`: each from entering the step or
  taking the case over, to leaving the step or handing the case on).
- In a step now: the cases in each step at the window's end and how long the one there longest has been
  in it (from entering the step), the team's and each rep's (the cases they own then): a case left sitting
  in a step is in no median until it leaves it (cases/metrics/stays.still_in_step).
- Opened: cases opened in the window. Resolved: resolutions through the deliver gate in the window (a
  case resolved, reopened and resolved again counts each round). Closed by override: force-closes by a
  supervisor in the window (never counted as resolved). Reopened: reopens in the window, each one.
- Escalations by reason: escalations raised in the window, by reps or the system; per week by the week
  they were raised.
- Mood, intake vs delivery: over cases resolved through the gate in the window, each case once by its
  first resolution in the window, the average Mood.score (0 irate .. 6 delighted) at intake and at
  delivery (the mood kept on the delivery that resolution confirmed: the rep's reading, else the
  client's mood when it was resolved), shown as the nearest moods ("Upset → Satisfied");
  "anxious to joy" counts the cases that came in anxious or worse and left satisfied or delighted.
- Follow-up: per resolution in the window, its follow-up call judged by its promise in the ledger (done,
  missed when the ledger broke it or its deadline passed, else waiting), counted for the rep holding that
  promise (cases/metrics/outcomes.py).
- ETA calibration: each arrival at `deliver` is judged against the range in force then (the
  latest estimate's earliest end, and the ETA promise's deadline, which a renegotiation moves):
  early (before the earliest), within, or late (after the latest); the window counts each case once:
  late when any of its arrivals in the window was late, else as its first arrival in the window.
"""
from .dashboard import team_dashboard
from .figures import Figure, escalations_by_rep, figure_named, figures, steps_by_rep
from .measures import (
    ANXIOUS_OR_WORSE, MOOD_SCORES, SATISFIED_OR_BETTER, WORKFLOW_STEPS, Dashboard, Measures, RepMeasures,
)
from .tables import download_named
from .window import (
    DEFAULT_WINDOW_DAYS, WINDOW_DAYS, Window, format_duration, mood_label, mood_move, percentile, week_label,
    week_of, window,
)

__all__ = [
    "team_dashboard", "Figure", "figures", "figure_named", "download_named", "steps_by_rep", "escalations_by_rep",
    "Dashboard", "Measures", "RepMeasures",
    "WORKFLOW_STEPS", "ANXIOUS_OR_WORSE", "SATISFIED_OR_BETTER", "MOOD_SCORES", "WINDOW_DAYS",
    "DEFAULT_WINDOW_DAYS", "Window", "window", "format_duration", "mood_label", "mood_move", "percentile",
    "week_of", "week_label",
]
