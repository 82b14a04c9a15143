"""Sweeps over the promise ledger: update reminders, follow-up reminders and broken promises. The
rules (which promises are due, who hears what) are the cases app's (cases/services/automation.py)."""
from cases.services import automation

from .base import run_sweep


def sweep_update_reminders(now=None):
    """Email the case owner ("Dennis expects an update by 14:00") before a status update is due."""
    return run_sweep("update reminders", automation.update_reminder_candidates, automation.update_reminder_send, now)


def sweep_follow_ups(now=None):
    """On the follow-up date, remind the case owner to call the client."""
    return run_sweep("follow-up reminders", automation.follow_up_reminder_candidates,
                     automation.follow_up_reminder_send, now)


def sweep_broken_promises(now=None):
    """A pending promise past its deadline becomes broken, is escalated, and its owner and their
    supervisor(s) are told."""
    return run_sweep("broken promises", automation.broken_promise_candidates, automation.promise_break_overdue, now,
                     batch=automation.promises_break_overdue)
