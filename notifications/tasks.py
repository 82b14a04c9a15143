"""Celery tasks: thin wrappers that call the sweeps (notifications/sweeps/). They take only JSON
(an optional ISO-8601 `now`, for operators and tests that replay a moment) and hold no state, so
a lost or duplicated message costs nothing: beat sends each sweep again within a minute, and a
sweep run twice has one effect. No automatic retry: the next tick is the retry.

Each task drains batches until one comes back short or its time budget is spent, so a backlog
(after an outage) clears in one tick without any single query or transaction growing."""
import time

from celery import shared_task
from celery.utils.log import get_task_logger

from . import sweeps

logger = get_task_logger(__name__)

SOFT_TIME_LIMIT = 50
TIME_LIMIT = 60
DRAIN_BUDGET_SECONDS = 30  # stop starting new batches after this; the soft limit is the backstop


def drain(name, now=None, *, budget=DRAIN_BUDGET_SECONDS):
    """Run sweep `name` batch after batch; the whole tick is one run in its heartbeat."""
    fn = sweeps.SWEEPS[name]
    size = sweeps.base.batch_size()

    def batches():
        started = time.monotonic()
        total = 0
        while True:
            done = fn(now)
            total += done
            if done < size or time.monotonic() - started > budget:
                return total

    total = sweeps.base.run_recorded(name, batches)
    if total:
        logger.info("sweep %s: %d", name, total)
    return total


def _sweep_task(name, task_name):
    @shared_task(name=task_name, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT,
                 ignore_result=True)
    def task(now=None):
        return drain(name, now)

    task.__doc__ = f"Run the {name.replace('_', ' ')} sweep (see notifications.sweeps)."
    return task


# Task names, as the beat schedule (config/settings/base.py) refers to them.
TASK_NAMES = {
    "update_reminders": "notifications.sweep_update_reminders",
    "broken_promises": "notifications.sweep_broken_promises",
    "item_reminders": "notifications.sweep_item_reminders",
    "overdue_items": "notifications.sweep_overdue_items",
    "follow_ups": "notifications.sweep_follow_ups",
    "stalled_cases": "notifications.sweep_stalled_cases",
    "outbox": "notifications.deliver_outbox",
}

sweep_update_reminders = _sweep_task("update_reminders", TASK_NAMES["update_reminders"])
sweep_broken_promises = _sweep_task("broken_promises", TASK_NAMES["broken_promises"])
sweep_item_reminders = _sweep_task("item_reminders", TASK_NAMES["item_reminders"])
sweep_overdue_items = _sweep_task("overdue_items", TASK_NAMES["overdue_items"])
sweep_follow_ups = _sweep_task("follow_ups", TASK_NAMES["follow_ups"])
sweep_stalled_cases = _sweep_task("stalled_cases", TASK_NAMES["stalled_cases"])
# Also kicked on commit by outbox_enqueue, so an email leaves seconds after the change that caused it.
deliver_outbox = _sweep_task("outbox", TASK_NAMES["outbox"])
