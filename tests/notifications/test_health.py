"""Telling someone when the background work stops: every sweep run writes its heartbeat, the health
selector finds stale sweeps and undeliverable email, /healthz and `manage.py check_health` report it
to monitors, and supervisors see a banner on every page."""
import datetime as dt
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError, OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import sweeps, tasks
from notifications.health import system_health
from notifications.models import OutboxMessage, OutboxStatus, SweepHeartbeat
from tests.notifications.conftest import MIN, T0, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_health():
    """The banner's health is cached for 30 s; no test sees another's."""
    cache.clear()
    yield
    cache.clear()


def all_sweeps_succeeded_at(moment):
    for name in sweeps.SWEEPS:
        SweepHeartbeat.objects.update_or_create(
            name=name, defaults={"last_started_at": moment, "last_finished_at": moment, "last_succeeded_at": moment,
                                 "runs": 1})


def failed_email(to="dennis.hale@example.com", subject="Dennis Hale: your mail server"):
    return OutboxMessage.objects.create(key=f"k-{to}-{subject}", kind="update_reminder", to=[to], subject=subject,
                                        body_text="t", status=OutboxStatus.FAILED, attempts=8,
                                        last_error=f"SMTPRecipientsRefused: {to}")


def check_health():
    out = StringIO()
    try:
        call_command("check_health", stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


# --- heartbeats ----------------------------------------------------------------------------------

def test_a_sweep_task_records_when_it_started_finished_and_succeeded():
    with at(T0):
        tasks.sweep_stalled_cases.apply().get()

    beat = SweepHeartbeat.objects.get(name="stalled_cases")
    assert (beat.last_started_at, beat.last_finished_at, beat.last_succeeded_at) == (T0, T0, T0)
    assert (beat.runs, beat.last_processed, beat.last_error) == (1, 0, "")


def test_each_run_counts_once_in_the_heartbeat():
    with at(T0):
        tasks.drain("outbox")
    with at(T0 + MIN):
        tasks.drain("outbox")

    beat = SweepHeartbeat.objects.get(name="outbox")
    assert beat.runs == 2 and beat.last_succeeded_at == T0 + MIN


def test_the_heartbeat_records_how_many_rows_the_run_acted_on():
    OutboxMessage.objects.create(key="k", kind="bulk", to=["a@example.com"], subject="s", body_text="t",
                                 next_attempt_at=T0)

    with at(T0):
        tasks.drain("outbox")

    assert SweepHeartbeat.objects.get(name="outbox").last_processed == 1


def test_run_sweeps_records_a_heartbeat_for_every_sweep_it_runs():
    with at(T0):
        call_command("run_sweeps", stdout=StringIO())

    beats = SweepHeartbeat.objects.filter(last_succeeded_at=T0)
    assert sorted(beats.values_list("name", flat=True)) == sorted(sweeps.SWEEPS)


def test_a_sweep_that_raises_records_the_error_and_still_raises(monkeypatch):
    with at(T0):
        tasks.drain("outbox")

    def broken(now=None):
        raise RuntimeError("the sweep fell over")
    monkeypatch.setitem(sweeps.SWEEPS, "outbox", broken)
    with at(T0 + MIN), pytest.raises(RuntimeError, match="fell over"):
        tasks.drain("outbox")

    beat = SweepHeartbeat.objects.get(name="outbox")
    assert beat.last_error == "RuntimeError: the sweep fell over"
    assert (beat.last_finished_at, beat.last_succeeded_at) == (T0 + MIN, T0)


def test_a_heartbeat_that_cannot_be_written_does_not_stop_the_sweep(monkeypatch):
    OutboxMessage.objects.create(key="k", kind="bulk", to=["a@example.com"], subject="s", body_text="t",
                                 next_attempt_at=T0)

    def table_gone(*args, **kwargs):
        raise DatabaseError("relation notifications_sweepheartbeat does not exist")
    monkeypatch.setattr(SweepHeartbeat.objects, "filter", table_gone)
    with at(T0):
        sent = tasks.drain("outbox")

    assert sent == 1 and OutboxMessage.objects.get().status == OutboxStatus.SENT


# --- the health selector -------------------------------------------------------------------------

def test_the_stale_threshold_defaults_to_three_intervals_and_never_under_three_minutes():
    assert settings.SWEEP_STALE_AFTER_SECONDS == max(3 * settings.SWEEP_INTERVAL_SECONDS, 180)


def test_every_sweep_that_succeeded_within_the_threshold_is_healthy():
    all_sweeps_succeeded_at(T0)

    health = system_health(now=T0 + dt.timedelta(seconds=settings.SWEEP_STALE_AFTER_SECONDS))

    assert health.ok and health.problems == ()


def test_a_sweep_that_has_not_succeeded_within_the_threshold_is_stale_and_named():
    all_sweeps_succeeded_at(T0 + 11 * MIN)
    SweepHeartbeat.objects.filter(name="update_reminders").update(last_succeeded_at=T0)

    health = system_health(now=T0 + 12 * MIN)

    assert not health.ok
    assert [s.name for s in health.sweeps if s.stale] == ["update_reminders"]
    assert health.problems == ("Update reminders have not run for 12 minutes: check the Celery worker and beat.",)


def test_the_stale_threshold_is_the_setting(settings):
    all_sweeps_succeeded_at(T0)
    settings.SWEEP_STALE_AFTER_SECONDS = 600

    within, beyond = system_health(now=T0 + 10 * MIN), system_health(now=T0 + 10 * MIN + dt.timedelta(seconds=1))

    assert within.ok and not beyond.ok


def test_a_sweep_that_never_ran_counts_as_stale():
    all_sweeps_succeeded_at(T0)
    SweepHeartbeat.objects.filter(name="follow_ups").delete()

    health = system_health(now=T0 + MIN)

    assert health.problems == ("Follow-up reminders have never run: check the Celery worker and beat.",)


def test_when_every_sweep_stopped_one_sentence_says_so():
    all_sweeps_succeeded_at(T0)

    health = system_health(now=T0 + 3 * dt.timedelta(hours=1))

    assert health.problems == (
        "Reminders and email delivery have not run for 3 hours: check the Celery worker and beat.",)


def test_a_stale_sweep_whose_last_run_failed_points_to_the_error():
    all_sweeps_succeeded_at(T0 + 20 * MIN)
    SweepHeartbeat.objects.filter(name="outbox").update(last_succeeded_at=T0, last_error="RuntimeError: boom")

    health = system_health(now=T0 + 20 * MIN)

    assert health.problems == (
        "Email delivery has been failing for 20 minutes: see Admin → Sweep heartbeats for the error.",)


def test_failed_emails_are_counted():
    all_sweeps_succeeded_at(T0)
    failed_email(to="a@example.com")
    failed_email(to="b@example.com")
    OutboxMessage.objects.create(key="sent", kind="bulk", to=["c@example.com"], subject="s", body_text="t",
                                 status=OutboxStatus.SENT)

    health = system_health(now=T0)

    assert health.failed_emails == 2
    assert health.problems == ("2 emails could not be sent: see Admin → Outbox messages.",)


def test_an_email_due_for_longer_than_the_threshold_is_reported():
    all_sweeps_succeeded_at(T0 + 15 * MIN)
    OutboxMessage.objects.create(key="old", kind="bulk", to=["a@example.com"], subject="s", body_text="t",
                                 next_attempt_at=T0)

    health = system_health(now=T0 + 15 * MIN)

    assert health.oldest_due_email_seconds == 15 * 60
    assert health.problems == ("An email has been waiting 15 minutes to be sent: check the Celery worker and beat.",)


def test_an_email_waiting_for_its_retry_is_not_due():
    all_sweeps_succeeded_at(T0)
    OutboxMessage.objects.create(key="later", kind="bulk", to=["a@example.com"], subject="s", body_text="t",
                                 attempts=3, next_attempt_at=T0 + 10 * MIN)

    health = system_health(now=T0)

    assert health.ok and health.oldest_due_email_seconds is None


# --- /healthz and check_health -------------------------------------------------------------------

def test_healthz_answers_200_ok_without_a_login(client):
    all_sweeps_succeeded_at(T0)

    with at(T0 + MIN):
        response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["checks"]["outbox"]["ok"] and body["checks"]["sweeps"]["outbox"]["ok"]


def test_healthz_answers_503_degraded_when_a_check_fails(client):
    all_sweeps_succeeded_at(T0)
    failed_email()

    with at(T0 + MIN):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["outbox"]["failed"] == 1


def test_healthz_shows_no_addresses_names_or_error_texts(client):
    all_sweeps_succeeded_at(T0)
    SweepHeartbeat.objects.filter(name="outbox").update(last_succeeded_at=None,
                                                        last_error="SMTPRecipientsRefused: dennis.hale@example.com")
    failed_email(to="dennis.hale@example.com", subject="Dennis Hale: your mail server")

    with at(T0 + MIN):
        body = client.get("/healthz").content.decode()

    assert "@" not in body and "Dennis" not in body and "SMTP" not in body


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(now=None):
        raise OperationalError("connection refused")
    monkeypatch.setattr("notifications.views.system_health", unreachable)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "unreachable"


def test_check_health_exits_0_when_all_is_well():
    all_sweeps_succeeded_at(T0)

    with at(T0 + MIN):
        code, output = check_health()

    assert code == 0 and output.startswith("OK")


def test_check_health_prints_each_problem_and_exits_1():
    all_sweeps_succeeded_at(T0)
    failed_email()

    with at(T0 + 10 * MIN):
        code, output = check_health()

    assert code == 1
    assert "Reminders and email delivery have not run for 10 minutes" in output
    assert "1 email could not be sent: see Admin → Outbox messages." in output


# --- the supervisors' banner ---------------------------------------------------------------------

BANNER = "Reminders and emails may not be going out."


def page_for(client, user):
    client.force_login(user)
    return client.get(reverse("cases:my_cases")).content.decode()


def test_a_supervisor_sees_the_banner_when_something_is_wrong(client, supervisor):
    all_sweeps_succeeded_at(T0)
    failed_email()

    with at(T0 + MIN):
        page = page_for(client, supervisor)

    assert BANNER in page and "1 email could not be sent" in page


def test_a_rep_never_sees_the_banner(client, rep):
    all_sweeps_succeeded_at(T0)
    failed_email()

    with at(T0 + MIN):
        page = page_for(client, rep)

    assert BANNER not in page and "could not be sent" not in page


def test_a_supervisor_sees_no_banner_when_all_is_well(client, supervisor):
    all_sweeps_succeeded_at(T0)

    with at(T0 + MIN):
        page = page_for(client, supervisor)

    assert BANNER not in page


def test_a_page_after_the_first_costs_no_query_for_the_banner(client, supervisor):
    all_sweeps_succeeded_at(T0)
    failed_email()
    with at(T0 + MIN):
        page_for(client, supervisor)

    with at(T0 + MIN + dt.timedelta(seconds=20)), CaptureQueriesContext(connection) as queries:
        page = page_for(client, supervisor)

    assert BANNER in page
    assert not [q["sql"] for q in queries if "notifications_" in q["sql"]]


def test_the_banner_goes_away_within_30_seconds_of_the_fix(client, supervisor):
    all_sweeps_succeeded_at(T0)
    row = failed_email()
    with at(T0 + MIN):
        page_for(client, supervisor)
    row.delete()

    with at(T0 + MIN + dt.timedelta(seconds=31)):
        page = page_for(client, supervisor)

    assert BANNER not in page
