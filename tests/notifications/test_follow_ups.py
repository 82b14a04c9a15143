"""Sweep 4, follow-ups: the follow-up promise is due at the end of the client's business day on the
follow-up date; the owner is reminded from the start of that date in the client's time zone."""
import datetime as dt

import pytest

from cases.models import PromiseKind, PromiseStatus, Step
from notifications.models import OutboxMessage
from notifications.sweeps import sweep_broken_promises, sweep_follow_ups
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory
from tests.notifications.conftest import MIN, T0, at

FOLLOW_UP_DAY = dt.date(2026, 3, 9)  # advance_to schedules the follow-up a week after T0


def _resolved(rep, client):
    with at(T0):
        return advance_to(open_case(rep, client), Step.RESOLVED, rep)


@pytest.mark.django_db
def test_the_owner_is_reminded_from_the_start_of_the_follow_up_date_in_the_clients_zone(rep):
    priya = ClientFactory(name="Priya Natarajan", time_zone="America/Los_Angeles", phone="+1 415 555 0144")
    case = _resolved(rep, priya)
    promise = case.promises.get(kind=PromiseKind.FOLLOW_UP)
    assert promise.due_at == dt.datetime(2026, 3, 10, 0, 0, tzinfo=dt.timezone.utc)  # 17:00 PDT on the 9th
    start_of_day = dt.datetime(2026, 3, 9, 7, 0, tzinfo=dt.timezone.utc)  # 00:00 PDT on the 9th

    with at(start_of_day - MIN):
        before = sweep_follow_ups()
    with at(start_of_day):
        on_the_day = sweep_follow_ups()

    assert (before, on_the_day) == (0, 1)
    row = OutboxMessage.objects.get(kind="follow_up_reminder")
    assert row.to == [rep.email]
    assert row.subject == f"{case.reference}: follow-up call to Priya Natarajan today"
    assert "Call by 17:00 PDT" in row.body_text and "+1 415 555 0144" in row.body_text
    assert f"/cases/{case.reference}/" in row.body_text


@pytest.mark.django_db
def test_follow_up_reminder_run_twice_is_queued_once(rep, dennis):
    case = _resolved(rep, dennis)
    moment = dt.datetime.combine(FOLLOW_UP_DAY, dt.time(9), tzinfo=dt.timezone.utc)

    with at(moment):
        first, second = sweep_follow_ups(), sweep_follow_ups()

    assert (first, second) == (1, 0)
    assert case.promises.get(kind=PromiseKind.FOLLOW_UP).reminded_at == moment


@pytest.mark.django_db
def test_an_unlogged_follow_up_breaks_at_the_end_of_the_clients_business_day(rep, dennis):
    case = _resolved(rep, dennis)
    end_of_day = dt.datetime.combine(FOLLOW_UP_DAY, dt.time(17), tzinfo=dt.timezone.utc)  # London, GMT

    with at(end_of_day - MIN):
        early = sweep_broken_promises()
    with at(end_of_day):
        due = sweep_broken_promises()

    assert (early, due) == (0, 1)
    assert case.promises.get(kind=PromiseKind.FOLLOW_UP).status == PromiseStatus.BROKEN
