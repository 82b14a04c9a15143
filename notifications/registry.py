"""The sweeps, declared once. Everything that lists them derives from `SWEEPS`: the beat schedule
(config/settings/base.py), the Celery tasks and TASK_NAMES (notifications/tasks.py), the name ->
function map (notifications.sweeps.SWEEPS), `manage.py run_sweeps` and the health report
(notifications/health.py). Adding a sweep is one entry here plus its function.

A pure module: no Django import, so that settings can import it."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Sweep:
    name: str  # the key everywhere (SweepHeartbeat.name, run_sweeps --only, /healthz)
    task: str  # the Celery task's name, as beat sends it
    label: str  # what run_sweeps prints before the count ("promises marked broken   3")
    function: str  # dotted path of `fn(now=None) -> int` inside notifications.sweeps
    title: str  # what the health report calls it, as a supervisor would say it
    verb: str = "have"  # "Reminders have not run", "Email delivery has not run"
    # Works through the database's due rows (so its cost must follow the due rows, not the open cases:
    # benchmarks/scaling.py and tests/notifications/test_query_counts.py measure those); False for a
    # sweep that reads somewhere else (a mailbox).
    due_rows: bool = True

    @property
    def attribute(self):
        """The task's name in notifications.tasks (`sweep_update_reminders`, `deliver_outbox`)."""
        return self.task.rsplit(".", 1)[1]


# In the order run_sweeps runs them: notices before delivery, so one run also sends what it queued.
SWEEPS = (
    Sweep("update_reminders", "notifications.sweep_update_reminders", "update reminders queued",
          "notifications.sweeps.promises.sweep_update_reminders", "Update reminders"),
    Sweep("broken_promises", "notifications.sweep_broken_promises", "promises marked broken",
          "notifications.sweeps.promises.sweep_broken_promises", "Broken-promise checks"),
    Sweep("item_reminders", "notifications.sweep_item_reminders", "action-item reminders queued",
          "notifications.sweeps.items.sweep_item_reminders", "Action-item reminders"),
    Sweep("overdue_items", "notifications.sweep_overdue_items", "overdue action items notified",
          "notifications.sweeps.items.sweep_overdue_items", "Overdue action-item notices"),
    Sweep("follow_ups", "notifications.sweep_follow_ups", "follow-up reminders queued",
          "notifications.sweeps.promises.sweep_follow_ups", "Follow-up reminders"),
    Sweep("stalled_cases", "notifications.sweep_stalled_cases", "stalled cases flagged",
          "notifications.sweeps.cases.sweep_stalled_cases", "Stalled-case checks"),
    # Client email from a plain mailbox (mailin/sweeps.py): does nothing until MAILIN_IMAP_HOST is set.
    Sweep("client_mailbox", "notifications.sweep_client_mailbox", "client emails read",
          "mailin.sweeps.sweep_client_mailbox", "Client mailbox reading", verb="has", due_rows=False),
    # Also kicked on commit by outbox_enqueue, so an email leaves seconds after the change that caused it.
    Sweep("outbox", "notifications.deliver_outbox", "emails sent",
          "notifications.sweeps.outbox.sweep_outbox", "Email delivery", verb="has"),
)
BY_NAME = {s.name: s for s in SWEEPS}


def beat_schedule(interval_seconds):
    """CELERY_BEAT_SCHEDULE: every sweep every `interval_seconds`. A tick that waited longer than the
    next one expires unrun, so a stopped worker does not come back to a pile of identical sweeps."""
    return {
        f"sweep-{s.name.replace('_', '-')}": {
            "task": s.task,
            "schedule": float(interval_seconds),
            "options": {"expires": max(interval_seconds - 5, 5)},
        }
        for s in SWEEPS
    }
