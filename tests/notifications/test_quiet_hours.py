"""The client's night is respected end to end: with quiet hours, or a cadence agreed as "business
hours only", no update falls due at night, so no promise breaks at night; the next one is due at the
first allowed hour and its reminder comes just before. Beat is simulated every 15 minutes."""
import datetime as dt
import zoneinfo

import pytest

from cases.models import PromiseKind, PromiseStatus
from cases.schedule import in_business_hours, in_quiet_hours
from notifications.models import OutboxMessage
from tests.factories import ClientFactory
from tests.notifications.conftest import HOUR, MIN, log_update, planned_case, run_all

LONDON = zoneinfo.ZoneInfo("Europe/London")
FRIDAY_1630 = dt.datetime(2026, 3, 6, 16, 30, tzinfo=LONDON)  # GMT, so also 16:30 UTC


def _beat(start, end, step=15 * MIN):
    moment = start
    while moment <= end:
        run_all(moment)
        moment += step


def _broken_at(case):
    return list(case.promises.filter(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.BROKEN)
                .values_list("broken_at", flat=True))


@pytest.mark.django_db
def test_a_business_hours_cadence_set_late_on_friday_is_next_due_on_monday_morning(rep):
    client = ClientFactory(name="Dennis Hale", time_zone="Europe/London")
    case = planned_case(rep, client, at_time=FRIDAY_1630, business_hours_only=True,
                        item_due=100 * HOUR, eta_latest=100 * HOUR)
    # An hour into Monday's business day: due at 09:00 sharp, it could be kept only by an update before
    # the office opens (promises.allowed_due: found by a review).
    monday_10 = dt.datetime(2026, 3, 9, 10, 0, tzinfo=LONDON)

    _beat(FRIDAY_1630, monday_10 + 15 * MIN)

    due = case.promises.filter(kind=PromiseKind.STATUS_UPDATE).order_by("due_at").first().due_at
    assert due == monday_10
    assert _broken_at(case) == [monday_10]  # not one minute of the weekend
    beat = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
    assert beat.after_missed and beat.due_at == monday_10 + HOUR  # the rhythm goes on: missed, the next is 11:00
    reminder = OutboxMessage.objects.get(kind="update_reminder")
    assert reminder.created_at == monday_10 - 15 * MIN
    assert "Dennis Hale expects an update by 10:00 GMT" in reminder.subject


@pytest.mark.django_db
def test_an_update_due_inside_quiet_hours_moves_past_their_end_and_nothing_breaks_at_night(rep):
    client = ClientFactory(name="Dennis Hale", time_zone="Europe/London",
                           quiet_hours_start=dt.time(22, 0), quiet_hours_end=dt.time(7, 0))
    evening = dt.datetime(2026, 3, 3, 20, 40, tzinfo=LONDON)  # hourly cadence agreed: due 21:40
    case = planned_case(rep, client, at_time=evening, item_due=30 * HOUR, eta_latest=30 * HOUR)
    log_update(rep, case, evening + 50 * MIN)  # 21:30, on time; the next hourly update would be 22:30
    # 07:00, when the quiet hours end, plus the hour: the hour before 07:00 is quiet too (allowed_due)
    eight = dt.datetime(2026, 3, 4, 8, 0, tzinfo=LONDON)

    _beat(evening + 50 * MIN, eight + 15 * MIN)

    assert case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.BROKEN).due_at == eight
    assert _broken_at(case) == [eight]
    night_promise = case.promises.get(status=PromiseStatus.BROKEN)
    reminder = OutboxMessage.objects.get(key__startswith=f"update-reminder:{night_promise.pk}:")
    assert reminder.created_at == eight - 15 * MIN


@pytest.mark.django_db
@pytest.mark.parametrize("business_hours_only", [False, True])
def test_whatever_the_hour_of_the_last_update_the_next_is_never_due_at_night(rep, business_hours_only):
    client = ClientFactory(time_zone="America/New_York", quiet_hours_start=dt.time(21, 0),
                           quiet_hours_end=dt.time(8, 0))
    start = dt.datetime(2026, 3, 5, 9, 0, tzinfo=client.tz)  # spans the US DST change of 8 March
    case = planned_case(rep, client, at_time=start, business_hours_only=business_hours_only,
                        item_due=200 * HOUR, eta_latest=200 * HOUR)
    moment = start + 37 * MIN

    while moment < start + 5 * 24 * HOUR:
        log_update(rep, case, moment)
        due = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING).due_at
        local = due.astimezone(client.tz)
        assert not in_quiet_hours(local, client.quiet_hours_start, client.quiet_hours_end), local
        if business_hours_only:
            assert in_business_hours(local), local
        moment = max(moment + 97 * MIN, due - 5 * MIN)
