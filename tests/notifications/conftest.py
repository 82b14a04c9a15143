"""Fixtures for the notification tests: the people (a rep with a supervisor), Dennis as the client,
cases built through the real services at a fixed moment, and helpers that run the sweeps."""
import datetime as dt

import pytest
import time_machine

from cases import services
from cases.models import Channel, ItemKind, Step
from notifications import sweeps
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, RepFactory, StaffProfileFactory, SupervisorFactory, UserFactory

# Monday 2 March 2026, 10:00 UTC (10:00 in London, which is on GMT until 29 March).
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def supervisor(db):
    return SupervisorFactory(username="sam", first_name="Sam", last_name="Okafor")


@pytest.fixture
def rep(db, supervisor):
    return StaffProfileFactory(user=RepFactory(username="fran", first_name="Fran", last_name="Lindqvist"),
                               supervisor=supervisor).user


@pytest.fixture
def teammate(db, supervisor):
    return StaffProfileFactory(user=RepFactory(username="alex", first_name="Alex", last_name="Moreau"),
                               supervisor=supervisor).user


@pytest.fixture
def dennis(db):
    return ClientFactory(name="Dennis Hale", organisation="Hale Online Supplies", time_zone="Europe/London")


def at(moment):
    """Freeze the clock at `moment` (time-machine; nothing sleeps)."""
    return time_machine.travel(moment, tick=False)


def queue_notice(key, to="fran@example.com"):
    """One staff notice (an escalation raised on C-000001) queued in the outbox at T0 for `to`."""
    from notifications.outbox import outbox_enqueue

    with at(T0):
        return outbox_enqueue(key=key, kind="escalation_raised", to=[to],
                              context={"case_ref": "C-000001", "client": "Dennis Hale", "reason": "Irate client",
                                       "note": "Needs a call", "raised_by": "Fran", "case_path": "/cases/C-000001/"})


def planned_case(rep, client, *, at_time=T0, cadence_minutes=60, item_due=8 * HOUR, eta_latest=10 * HOUR,
                 assignee=None, business_hours_only=False, step=Step.MANAGE_ANXIETY):
    """A case taken through the services to `step` (plan or later) at `at_time`, with one action item,
    the update cadence set at `at_time` and an ETA range, all due where the test says."""
    with at(at_time):
        case = advance_to(open_case(rep, client), Step.PLAN, rep)
        services.action_item_create(user=rep, case=case, description="Restore the mail server from backup",
                                    kind=ItemKind.FIX, assignee=assignee or rep, due_at=at_time + item_due)
        services.cadence_set(user=rep, case=case, minutes=cadence_minutes, channel=Channel.PHONE,
                             business_hours_only=business_hours_only)
        # From an hour on, or from half-way for a far latest end (a range narrow enough: bounds.check_eta_range).
        services.eta_set(user=rep, case=case, earliest=at_time + max(HOUR, eta_latest / 2), latest=at_time + eta_latest)
        if step != Step.PLAN:
            case = services.case_transition(user=rep, case=case, name="complete_plan")
        case.refresh_from_db()
    return case


def log_update(rep, case, moment, summary="Mail is being restored; back within 2 hours"):
    with at(moment):
        return services.status_update_log(user=rep, case=case, summary=summary, channel=Channel.PHONE,
                                          client_mood="anxious")


def run_all(now):
    """What beat does each minute: every sweep once, at `now`."""
    with at(now):
        return {name: fn(now) for name, fn in sweeps.SWEEPS.items()}


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend is pointed at it."""
    from tests.notifications.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 5
    yield sink
    sink.release.set()
    sink.stop()


@pytest.fixture(autouse=True)
def _kicks_not_paused(monkeypatch):
    """A broker failure pauses delivery kicks for a while (notifications.outbox); no test inherits
    another's pause."""
    from notifications import outbox

    monkeypatch.setattr(outbox, "_kicks_paused_until", 0.0)


@pytest.fixture
def admin_client_(client, db):
    """The test client signed in as a superuser (the outbox's admin)."""
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client
