"""The window the team page covers (the last 7, 30 or 90 days, ending now), its weeks, and the small
pure helpers that turn numbers into the words the page shows."""
import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from ..models import Mood

WINDOW_DAYS = (7, 30, 90)
DEFAULT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Window:
    days: int
    since: dt.datetime
    until: dt.datetime

    def q(self, name="created_at"):
        return Q(**{f"{name}__gte": self.since, f"{name}__lt": self.until})

    @property
    def weeks(self):
        """The Monday of each week the window touches, oldest first, in the site's time zone (the zone
        the database's week truncation uses). The first and last weeks are usually cut by the window."""
        first = week_of(self.since)
        last = week_of(self.until - dt.timedelta(microseconds=1))
        return [first + dt.timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def window(days=DEFAULT_WINDOW_DAYS, now=None):
    until = now or timezone.now()
    return Window(days=days, since=until - dt.timedelta(days=days), until=until)


def site_zone():
    """The zone the team page's days and weeks are in: the site's (settings.TIME_ZONE), whoever looks. The
    request's zone is the viewer's own (cases.middleware); read through it, the same page at the same moment
    counted a promise in another week for a supervisor in Auckland than for one in Los Angeles (found by a
    review)."""
    return timezone.get_default_timezone()


def site_date(moment):
    """The site's date at `moment`."""
    return timezone.localtime(moment, site_zone()).date()


def week_of(moment):
    """The Monday (a date) of the week holding `moment`, a datetime or a date (as TruncWeek returns it)."""
    if isinstance(moment, dt.datetime):
        moment = site_date(moment) if timezone.is_aware(moment) else moment.date()
    return moment - dt.timedelta(days=moment.weekday())


def week_label(monday):
    return f"{monday.day} {monday:%b}"


def format_duration(td):
    if td is None:
        return "—"
    minutes = int(td.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def share(part, whole):
    return None if not whole else part / whole


def pct(fraction):
    """A share in whole percent, halves rounded up as a reader does (5 of 8 is 63%, not Python's 62), as the
    page's moods are (found by an audit)."""
    return None if fraction is None else math.floor(100 * fraction + 0.5)


def percentile(values, p):
    """The nearest-rank percentile: the smallest value with at least p% of the values at or below it
    (the 90th of 1..10 is 9, of a single value is that value). None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def mood_label(score):
    """The mood nearest an average score, halves up: 4.6 -> "Satisfied", 2.5 -> "Anxious"."""
    return None if score is None else list(Mood)[min(max(math.floor(score + 0.5), 0), len(Mood) - 1)].label


def mood_move(before, after):
    """An average mood at intake and at delivery in words: "Upset → Satisfied"."""
    if before is None or after is None:
        return "—"
    return f"{mood_label(before)} → {mood_label(after)}"
