"""Sweeps over action items: a reminder to the assignee before the due time, and an overdue notice
to the assignee and the case owner. The rules are the cases app's (cases/services/automation.py)."""
from cases.services import automation

from .base import run_sweep


def sweep_item_reminders(now=None):
    """Remind the assignee ACTION_ITEM_REMINDER_LEAD_MINUTES before an open item is due."""
    return run_sweep("item reminders", automation.item_reminder_candidates, automation.item_reminder_send, now)


def sweep_overdue_items(now=None):
    """Tell the assignee and the case owner once when an open item passes its due time."""
    return run_sweep("overdue items", automation.overdue_item_candidates, automation.item_overdue_notify, now)
