"""The Celery tasks are thin: JSON in (an optional ISO-8601 moment), the sweep called, batches drained
until one comes back short, so a backlog clears in one tick without any batch growing."""
import pytest
from django.test import override_settings

from notifications import tasks
from notifications.models import OutboxMessage
from tests.notifications.conftest import MIN, T0, at, planned_case


@pytest.mark.django_db
@override_settings(SWEEP_BATCH_SIZE=2)
def test_a_sweep_task_drains_a_backlog_bigger_than_one_batch(rep, dennis):
    for _ in range(5):
        planned_case(rep, dennis)

    with at(T0 + 46 * MIN):
        result = tasks.sweep_update_reminders.apply(args=[(T0 + 46 * MIN).isoformat()]).get()

    assert result == 5
    assert OutboxMessage.objects.filter(kind="update_reminder").count() == 5


def test_every_sweep_task_has_soft_and_hard_time_limits_and_no_automatic_retry():
    from config.celery import app

    for name in tasks.TASK_NAMES.values():
        task = app.tasks[name]
        assert task.soft_time_limit and task.time_limit and task.soft_time_limit < task.time_limit
        assert not getattr(task, "autoretry_for", ())
