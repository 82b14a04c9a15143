"""The stalled-case sweep: a case that has sat too long in a step before acting (STALLED_CASE_HOURS)
is flagged once, escalated and reported to the supervisors. The rule is the cases app's
(cases/services/automation.py)."""
from cases.services import automation

from .base import run_sweep


def sweep_stalled_cases(now=None):
    return run_sweep("stalled cases", automation.stalled_case_candidates, automation.case_flag_stalled, now)
