"""The queue's "waiting for" words are Django's `timesince`, kept per number of minutes under four weeks
(cases.templatetags.case_rows._timesince): the kept words must be what Django says for any dates with that
many minutes between them, across month ends, leap days and time zones, and beyond four weeks (where the
calendar's months count) Django is asked every time."""
import datetime as dt
import zoneinfo

import pytest
from django.template.defaultfilters import timesince_filter

from cases.templatetags import case_rows

NOWS = [
    dt.datetime(2025, 3, 1, 0, 30, tzinfo=dt.UTC),  # just after a short February
    dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC),  # after a leap day
    dt.datetime(2025, 1, 31, 23, 59, 59, tzinfo=dt.UTC),
    dt.datetime(2025, 10, 26, 3, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")),  # the clocks went back
]
DELTAS = [dt.timedelta(seconds=s) for s in (0, 1, 59, 60, 61, 3599, 3600, 3661, 86399, 86400, 90061)] + [
    dt.timedelta(days=d, hours=h, minutes=m) for d in (1, 6, 7, 13, 14, 27, 28, 29, 30, 31, 45, 400)
    for h in (0, 23) for m in (0, 59)
] + [dt.timedelta(days=27, hours=23, minutes=59, seconds=59), dt.timedelta(seconds=-30)]


@pytest.mark.parametrize("now", NOWS)
def test_the_kept_words_are_django_s_for_every_pair_of_dates(now):
    case_rows._SINCE_WORDS.clear()
    for first_now in NOWS:  # fill the cache from other dates first: the words must not depend on them
        for delta in DELTAS:
            case_rows._timesince(first_now - delta, first_now)
    for delta in DELTAS:
        assert case_rows._timesince(now - delta, now) == timesince_filter(now - delta, now), delta


def test_only_spans_under_four_weeks_are_kept():
    case_rows._SINCE_WORDS.clear()
    now = NOWS[0]
    case_rows._timesince(now - dt.timedelta(days=3, minutes=5), now)
    case_rows._timesince(now - dt.timedelta(days=40), now)
    case_rows._timesince(now + dt.timedelta(days=1), now)

    assert [minutes for minutes, _language in case_rows._SINCE_WORDS] == [3 * 24 * 60 + 5]
