"""Celery tasks: thin wrappers that call the sweeps (notifications/sweeps/). They take only JSON
(an optional ISO-8601 `now`, for operators and tests that replay a moment) and hold no state, so
a lost or duplicated message costs nothing: beat sends each sweep again within a minute, and a
sweep run twice has one effect. No automatic retry: the next tick is the retry.

Each task drains batches until one comes back short or its time budget is spent, so a backlog
(after an outage) clears in one tick without any single query or transaction growing."""
import time

from celery import shared_task
from celery.utils.log import get_task_logger

from . import registry, sweeps

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


# One task per sweep in the registry (notifications/registry.py), which the beat schedule also reads:
# TASK_NAMES maps a sweep to its task's name, TASKS to the task, and each task is also a module
# attribute named after it (`sweep_update_reminders`, ..., `deliver_outbox`, which outbox_enqueue
# kicks on commit so an email leaves seconds after the change that caused it).
TASK_NAMES = {s.name: s.task for s in registry.SWEEPS}
TASKS = {s.name: _sweep_task(s.name, s.task) for s in registry.SWEEPS}
globals().update({s.attribute: TASKS[s.name] for s in registry.SWEEPS})
__all__ = ["TASKS", "TASK_NAMES", "drain", *(s.attribute for s in registry.SWEEPS)]
