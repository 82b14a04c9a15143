"""Operators' tools: `manage.py run_sweeps [--now]` runs every sweep once and says what it did; the
admin lists the outbox with filters, shows failed rows, and retries them on demand; beat runs every
sweep every minute."""
import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from notifications.models import OutboxMessage, OutboxStatus
from notifications.sweeps.base import MomentToCome, resolve_now
from notifications.tasks import TASK_NAMES, TASKS
from tests.notifications.conftest import MIN, T0, at, planned_case


def _run(*args):
    out = StringIO()
    call_command("run_sweeps", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_run_sweeps_at_a_given_moment_runs_every_sweep_and_reports_each(rep, supervisor, dennis):
    planned_case(rep, dennis)

    with at(T0 + 61 * MIN):
        output = _run("--now", (T0 + 61 * MIN).isoformat())

    assert "Sweeping as of 2026-03-02T11:01:00+00:00" in output
    assert "promises marked broken           1" in output
    assert "emails sent                      2" in output  # to the owner and to the supervisor
    assert "Outbox: 0 waiting, 0 failed" in output
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_run_sweeps_twice_does_nothing_the_second_time(rep, supervisor, dennis):
    planned_case(rep, dennis)

    with at(T0 + 61 * MIN):
        _run("--now", (T0 + 61 * MIN).isoformat())
        second = _run("--now", (T0 + 61 * MIN).isoformat())

    assert "promises marked broken           0" in second and "emails sent                      0" in second


@pytest.mark.django_db
def test_run_sweeps_refuses_a_moment_it_cannot_read():
    with pytest.raises(CommandError, match="ISO-8601"):
        _run("--now", "next tuesday")


@pytest.mark.django_db
def test_run_sweeps_refuses_a_moment_still_to_come_and_breaks_nothing(rep, supervisor, dennis):
    case = planned_case(rep, dennis)

    with at(T0 + 5 * MIN), pytest.raises(CommandError, match="has not come yet"):
        _run("--now", (T0 + 61 * MIN).isoformat())

    assert not case.promises.filter(status="broken").exists()
    assert len(mail.outbox) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00+23:59",
                                    "1999-12-31T23:59:59+00:00", "not a moment"])
def test_run_sweeps_refuses_a_moment_no_sweep_can_act_as_of_with_a_message(moment):
    with pytest.raises(CommandError, match="--now"):
        _run("--now", moment)


@pytest.mark.django_db
def test_a_moment_written_with_an_offset_the_database_cannot_hold_is_read_in_utc():
    moment = resolve_now("2026-03-02T11:05:00+23:59")

    assert moment == dt.datetime(2026, 3, 1, 11, 6, tzinfo=dt.timezone.utc) and moment.tzinfo is dt.timezone.utc


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["broken_promises", "outbox"])
def test_a_sweep_task_given_a_moment_still_to_come_refuses_it_and_breaks_or_sends_nothing(
        name, rep, supervisor, dennis):
    """The refusal is in the moment every sweep reads (sweeps.base.resolve_now), not only in the command:
    a task called with a `now` ahead of the clock (celery call ... --kwargs) acts on nothing."""
    case = planned_case(rep, dennis)
    with at(T0 + 61 * MIN):
        call_command("run_sweeps", "--only", "broken_promises", stdout=StringIO())  # one broken, emails queued
    queued = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
    assert queued == 2  # to the owner and to the supervisor, not sent yet
    mail.outbox.clear()

    with at(T0 + 62 * MIN), pytest.raises(MomentToCome, match="has not come yet"):
        TASKS[name].run(now=(T0 + 3 * 24 * 60 * MIN).isoformat())

    assert case.promises.filter(status="broken").count() == 1
    assert (OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count(), len(mail.outbox)) == (queued, 0)


@pytest.mark.django_db
def test_run_sweeps_warns_about_failed_emails():
    OutboxMessage.objects.create(key="k", kind="bulk", to=["a@example.com"], subject="s", body_text="t",
                                 status=OutboxStatus.FAILED, attempts=8, last_error="SMTPRecipientsRefused")

    output = _run("--only", "outbox")

    assert "Outbox: 0 waiting, 1 failed (see the admin" in output


def test_beat_runs_every_sweep_every_minute_and_drops_stale_ticks():
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert sorted(entry["task"] for entry in schedule.values()) == sorted(TASK_NAMES.values())
    assert all(entry["schedule"] == 60.0 and entry["options"]["expires"] <= 60 for entry in schedule.values())


@pytest.mark.django_db
def test_failed_emails_are_listed_in_the_admin_with_their_error(admin_client_):
    OutboxMessage.objects.create(key="failed:1", kind="update_reminder", to=["fran@example.com"],
                                 subject="Dennis expects an update", body_text="t", status=OutboxStatus.FAILED,
                                 attempts=8, last_error="SMTPRecipientsRefused: 550 No such mailbox")
    OutboxMessage.objects.create(key="sent:1", kind="update_reminder", to=["alex@example.com"], subject="Other",
                                 body_text="t", status=OutboxStatus.SENT)

    response = admin_client_.get(reverse("admin:notifications_outboxmessage_changelist"), {"status__exact": "failed"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "fran@example.com" in body and "550 No such mailbox" in body
    assert "alex@example.com" not in body


@pytest.mark.django_db
def test_retry_now_puts_failed_rows_back_in_the_queue_at_once(admin_client_, django_capture_on_commit_callbacks):
    row = OutboxMessage.objects.create(key="failed:1", kind="bulk", to=["fran@example.com"], subject="s",
                                       body_text="t", status=OutboxStatus.FAILED, attempts=8,
                                       next_attempt_at=T0, last_error="boom")
    moment = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.timezone.utc)

    with at(moment), django_capture_on_commit_callbacks() as callbacks:
        response = admin_client_.post(reverse("admin:notifications_outboxmessage_changelist"),
                                      {"action": "retry_now", "_selected_action": [row.pk]})

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.PENDING, 0, moment)
    assert row.last_error == "boom"  # kept until the next attempt tells otherwise
    assert len(callbacks) == 1  # delivery is kicked on commit


def test_run_sweeps_names_a_database_that_is_not_migrated_instead_of_failing_on_a_missing_table(tmp_path):
    """A wrong CASETRACKER_VAR_DIR or DATABASE_URL: the command says which database, and to migrate it."""
    import os
    import subprocess
    import sys

    empty = tmp_path / "empty.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DATABASE_URL": f"sqlite:///{empty}",
           "CASETRACKER_VAR_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "manage.py", "run_sweeps"], cwd=settings.BASE_DIR, env=env,
                         capture_output=True, text=True, timeout=120)

    assert run.returncode == 1
    assert f"The database {empty} is missing" in run.stderr and "manage.py migrate" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_moment_a_clocks_skew_ahead_is_taken_as_this_clocks_now():
    import datetime as _dt

    from django.utils import timezone

    ahead = timezone.now() + _dt.timedelta(milliseconds=3)

    assert resolve_now(ahead) <= timezone.now()
