"""The team page counts in the site's time zone (settings.TIME_ZONE, UTC in the tests), whoever looks:
the same page at the same moment says the same numbers to a supervisor whose own zone is Auckland and to
one in Los Angeles (found by a review: a promise broken on Sunday evening in UTC fell in the next week for
Auckland, and a follow-up call due that day was "missed" there and "not due yet" in Los Angeles)."""
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import metrics
from cases.models import Step
from notifications.sweeps.promises import sweep_broken_promises
from tests.cases.helpers import advance_to, open_case, plan_ready

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc
SUNDAY_EVENING = dt.datetime(2026, 3, 8, 20, 0, tzinfo=UTC)  # Monday 09:00 in Auckland, Sunday noon in LA
LOOKED_AT = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ZONES = ("Pacific/Auckland", "America/Los_Angeles", "UTC")


def _seen_from(zone):
    with time_machine.travel(LOOKED_AT, tick=False), timezone.override(zone):
        board = metrics.team_dashboard(days=30)
        keeping = metrics.figure_named(board, "keeping")
        return list(keeping.csv_rows), board.team.broken, board.window.weeks


def test_a_broken_promise_falls_in_the_sites_week_whatever_the_viewers_zone(rep, dennis):
    with time_machine.travel(SUNDAY_EVENING - dt.timedelta(hours=3), tick=False):
        plan_ready(advance_to(open_case(rep, dennis), Step.PLAN, rep), rep)  # its item due in 3 hours
    with time_machine.travel(SUNDAY_EVENING + dt.timedelta(minutes=1), tick=False):
        assert sweep_broken_promises() >= 1

    seen = {zone: _seen_from(zone) for zone in ZONES}

    assert seen["Pacific/Auckland"] == seen["America/Los_Angeles"] == seen["UTC"]
    rows, broken, weeks = seen["UTC"]
    team = {week: broken_that_week for week, who, _kept, broken_that_week, _rate in rows if who == "Team"}
    assert broken >= 1 and team["2026-03-02"] == broken  # all in the week of Monday 2 March, as in UTC
    assert team.get("2026-03-09", 0) == 0
