"""When promises may fall due: outside quiet hours, and within business hours when agreed."""
import datetime as dt
import zoneinfo

import pytest
from django.test import override_settings

from cases.schedule import follow_up_due, in_quiet_hours, next_allowed, on_day_outside_quiet

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = dt.timezone.utc


def test_an_instant_outside_quiet_hours_is_left_alone():
    instant = dt.datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

    assert next_allowed(instant, tz=UTC, quiet_start=dt.time(22), quiet_end=dt.time(7)) == instant


def test_an_instant_inside_quiet_hours_that_wrap_midnight_moves_to_their_end():
    instant = dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC)

    assert next_allowed(instant, tz=UTC, quiet_start=dt.time(22), quiet_end=dt.time(7)) == dt.datetime(
        2026, 3, 3, 7, 0, tzinfo=UTC)


def test_quiet_hours_are_read_in_the_clients_time_zone():
    instant = dt.datetime(2026, 7, 1, 21, 30, tzinfo=UTC)  # 22:30 in London (BST)

    moved = next_allowed(instant, tz=LONDON, quiet_start=dt.time(22), quiet_end=dt.time(7))

    assert moved == dt.datetime(2026, 7, 2, 6, 0, tzinfo=UTC)  # 07:00 BST


@override_settings(BUSINESS_HOURS_START=9, BUSINESS_HOURS_END=17)
def test_business_hours_only_moves_an_evening_instant_to_the_next_morning():
    instant = dt.datetime(2026, 3, 2, 18, 0, tzinfo=UTC)  # Monday evening

    assert next_allowed(instant, tz=UTC, business_hours_only=True) == dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@override_settings(BUSINESS_HOURS_START=9, BUSINESS_HOURS_END=17)
def test_business_hours_only_skips_the_weekend():
    instant = dt.datetime(2026, 3, 6, 17, 30, tzinfo=UTC)  # Friday after hours

    assert next_allowed(instant, tz=UTC, business_hours_only=True) == dt.datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@override_settings(BUSINESS_HOURS_START=9, BUSINESS_HOURS_END=17)
def test_business_hours_only_moves_an_early_instant_to_opening_time_the_same_day():
    instant = dt.datetime(2026, 3, 3, 6, 0, tzinfo=UTC)

    assert next_allowed(instant, tz=UTC, business_hours_only=True) == dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@override_settings(BUSINESS_HOURS_END=17)
def test_a_follow_up_date_falls_due_at_the_end_of_the_clients_business_day():
    class Client:
        tz = LONDON
        quiet_hours_start = quiet_hours_end = None

    assert follow_up_due(dt.date(2026, 7, 1), Client) == dt.datetime(2026, 7, 1, 16, 0, tzinfo=UTC)


LONDON = zoneinfo.ZoneInfo("Europe/London")
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


@pytest.mark.parametrize("tz, day", [(LONDON, dt.date(2027, 3, 28)), (LONDON, dt.date(2027, 10, 31)),
                                     (SYDNEY, dt.date(2027, 10, 3)), (SYDNEY, dt.date(2027, 4, 4))])
@pytest.mark.parametrize("quiet", [(dt.time(1, 30), dt.time(0, 30)), (dt.time(1, 45), dt.time(1, 15)),
                                   (dt.time(0, 30), dt.time(2, 30)), (dt.time(22), dt.time(1, 30))])
def test_around_a_dst_change_no_deadline_lands_in_the_quiet_hours(tz, day, quiet):
    quiet_start, quiet_end = quiet
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.timezone.utc) - dt.timedelta(hours=6)
    for minutes in range(0, 18 * 60, 5):
        instant = start + dt.timedelta(minutes=minutes)
        due = next_allowed(instant, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end)
        on_day = on_day_outside_quiet(instant, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end)
        for moment in (due, on_day):
            assert not in_quiet_hours(moment.astimezone(tz), quiet_start, quiet_end), (instant, moment)
        assert due >= instant


def test_the_reviewed_dst_gap_cases_land_outside_the_quiet_hours():
    on_day = on_day_outside_quiet(dt.datetime(2027, 3, 27, 21, 0, tzinfo=dt.timezone.utc), tz=LONDON,
                                  quiet_start=dt.time(1, 30), quiet_end=dt.time(0, 30))
    due = next_allowed(dt.datetime(2027, 3, 28, 0, 45, tzinfo=dt.timezone.utc), tz=LONDON,
                       quiet_start=dt.time(1, 45), quiet_end=dt.time(1, 15))

    assert not in_quiet_hours(on_day.astimezone(LONDON), dt.time(1, 30), dt.time(0, 30))
    assert not in_quiet_hours(due.astimezone(LONDON), dt.time(1, 45), dt.time(1, 15))
