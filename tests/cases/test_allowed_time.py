"""Quiet hours that leave no allowed time (cases.schedule.has_allowed_time), and next_allowed with such
settings: it neither runs out of jumps nor lands inside the quiet hours."""
import datetime as dt
import zoneinfo

import pytest
from django.test import override_settings

from cases.schedule import has_allowed_time, in_business_hours, in_quiet_hours, next_allowed

UTC = dt.timezone.utc
ZONES = [UTC, zoneinfo.ZoneInfo("Europe/London"), zoneinfo.ZoneInfo("Pacific/Chatham"),
         zoneinfo.ZoneInfo("America/St_Johns")]
T = dt.time

pytestmark = pytest.mark.usefixtures("nine_to_five")


@pytest.fixture
def nine_to_five():
    with override_settings(BUSINESS_HOURS_START=9, BUSINESS_HOURS_END=17):
        yield


def allowed(quiet_start, quiet_end, business_hours_only, tz=UTC):
    return has_allowed_time(tz=tz, quiet_start=quiet_start, quiet_end=quiet_end,
                            business_hours_only=business_hours_only)


@pytest.mark.parametrize("business_hours_only", [False, True])
def test_no_quiet_hours_leave_time(business_hours_only):
    assert allowed(None, None, business_hours_only)


@pytest.mark.parametrize("business_hours_only", [False, True])
def test_equal_ends_mean_no_quiet_hours(business_hours_only):
    assert allowed(T(9), T(9), business_hours_only)


@pytest.mark.parametrize("quiet", [(T(8), T(18)), (T(9), T(17)), (T(18), T(17)), (T(0), T(23, 59))])
def test_quiet_hours_over_the_whole_business_day_leave_no_business_time(quiet):
    assert not allowed(*quiet, business_hours_only=True)


@pytest.mark.parametrize("quiet", [(T(8), T(18)), (T(9), T(17)), (T(18), T(17)), (T(0), T(23, 59))])
def test_the_same_quiet_hours_leave_time_for_an_any_hour_cadence(quiet):
    assert allowed(*quiet, business_hours_only=False)


@pytest.mark.parametrize("quiet", [(T(17), T(9)), (T(22), T(7)), (T(0), T(9)), (T(9), T(16, 59)), (T(9, 1), T(17)),
                                   (T(12), T(11))])
def test_quiet_hours_leaving_part_of_the_business_day_leave_time(quiet):
    assert allowed(*quiet, business_hours_only=True)


@pytest.mark.parametrize("tz", ZONES)
def test_the_answer_is_read_on_the_clients_clock_in_any_zone(tz):
    assert allowed(T(8), T(18), True, tz) is False and allowed(T(22), T(7), True, tz) is True


def test_it_agrees_with_checking_every_minute_of_a_weekday():
    monday = dt.datetime(2026, 3, 2, tzinfo=UTC)
    minutes = [monday + dt.timedelta(minutes=m) for m in range(0, 24 * 60)]
    hours = [T(h) for h in range(24)]
    for start in hours:
        for end in hours:
            sampled = any(in_business_hours(t) and not in_quiet_hours(t, start, end) for t in minutes)

            assert allowed(start, end, True) == sampled, (start, end)


@pytest.mark.parametrize("quiet", [(T(8), T(18)), (T(0), T(23, 59)), (T(18), T(17))])
@pytest.mark.parametrize("hours_later", [0, 3, 10, 30, 80, 130])
def test_next_allowed_with_no_business_time_left_lands_outside_the_quiet_hours(quiet, hours_later):
    instant = dt.datetime(2026, 3, 6, 7, 0, tzinfo=UTC) + dt.timedelta(hours=hours_later)  # from Friday morning

    result = next_allowed(instant, tz=UTC, quiet_start=quiet[0], quiet_end=quiet[1], business_hours_only=True)

    assert result >= instant
    assert not in_quiet_hours(result, *quiet)
    assert result - instant <= dt.timedelta(days=1)


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("quiet", [(T(22), T(7)), (T(12), T(11)), (T(9), T(16, 59)), (T(0), T(9))])
def test_next_allowed_with_some_business_time_left_lands_inside_it(tz, quiet):
    start = dt.datetime(2026, 3, 2, tzinfo=UTC)
    for hour in range(0, 7 * 24, 5):
        instant = start + dt.timedelta(hours=hour, minutes=17)

        result = next_allowed(instant, tz=tz, quiet_start=quiet[0], quiet_end=quiet[1], business_hours_only=True)

        local = result.astimezone(tz)
        assert result >= instant and in_business_hours(local) and not in_quiet_hours(local, *quiet), (instant, result)
