"""The system's periodic work, one function per sweep: `sweep_x(now=None) -> int` handles one
bounded batch (SWEEP_BATCH_SIZE) of due rows and returns how many it acted on. Beat runs each every
minute (notifications/tasks.py); `manage.py run_sweeps` runs them all once. See base.py for the
locking and idempotency rules every sweep follows."""
from .cases import sweep_stalled_cases
from .items import sweep_item_reminders, sweep_overdue_items
from .outbox import sweep_outbox
from .promises import sweep_broken_promises, sweep_follow_ups, sweep_update_reminders

# In the order run_sweeps runs them: notices before delivery, so one run also sends what it queued.
SWEEPS = {
    "update_reminders": sweep_update_reminders,
    "broken_promises": sweep_broken_promises,
    "item_reminders": sweep_item_reminders,
    "overdue_items": sweep_overdue_items,
    "follow_ups": sweep_follow_ups,
    "stalled_cases": sweep_stalled_cases,
    "outbox": sweep_outbox,
}

__all__ = ["SWEEPS", "sweep_broken_promises", "sweep_follow_ups", "sweep_item_reminders", "sweep_outbox",
           "sweep_overdue_items", "sweep_stalled_cases", "sweep_update_reminders"]
