"""When a promise may fall due: never inside the client's quiet hours, and for a cadence agreed as
"business hours only", only on weekdays between BUSINESS_HOURS_START and BUSINESS_HOURS_END in the
client's time zone. Pure functions of (instant, client settings); no database access."""
import datetime as dt

from django.conf import settings


def _in_window(t, start, end):
    """Is local time-of-day `t` inside [start, end)? The window may wrap midnight."""
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def in_quiet_hours(local, quiet_start, quiet_end):
    if quiet_start is None or quiet_end is None:
        return False
    return _in_window(local.timetz().replace(tzinfo=None), quiet_start, quiet_end)


def _business_bounds():
    return dt.time(settings.BUSINESS_HOURS_START), dt.time(settings.BUSINESS_HOURS_END)


def in_business_hours(local):
    start, end = _business_bounds()
    return local.weekday() < 5 and start <= local.time() < end


def _real(local, tz):
    """`local` as the instant it names, read again on the clock of `tz`: a wall time that does not exist
    (in a DST gap) becomes the one that does. (astimezone to the same zone changes nothing: through UTC.)"""
    return local.astimezone(dt.timezone.utc).astimezone(tz)


def _next_at(local, at_time):
    """The next local datetime at `at_time` strictly after (or at) `local`."""
    candidate = local.replace(hour=at_time.hour, minute=at_time.minute, second=at_time.second,
                              microsecond=at_time.microsecond)  # quiet hours may end on a second
    if candidate < local:
        candidate += dt.timedelta(days=1)
    return candidate


def next_allowed(instant, *, tz, quiet_start=None, quiet_end=None, business_hours_only=False):
    """The first instant at or after `instant` when a promise may fall due for this client. Settings
    that leave no business-hours time at all (quiet hours over the whole business day: refused when
    edited, but a row may predate the rule) let the business-hours rule give way: the result is then
    the first instant outside the quiet hours, never one inside them."""
    if business_hours_only and not has_allowed_time(tz=tz, quiet_start=quiet_start, quiet_end=quiet_end,
                                                    business_hours_only=True):
        business_hours_only = False
    local = instant.astimezone(tz)
    for _ in range(30):  # a handful of jumps suffices once some time is allowed; the bound guards odd settings
        moved = False
        if in_quiet_hours(local, quiet_start, quiet_end):
            local = _next_at(local, quiet_end)
            moved = True
        if business_hours_only and not in_business_hours(local):
            start, end = _business_bounds()
            if local.weekday() < 5 and local.time() < start:
                local = local.replace(hour=start.hour, minute=0, second=0, microsecond=0)
            else:
                local = (local + dt.timedelta(days=1)).replace(hour=start.hour, minute=0, second=0, microsecond=0)
            while local.weekday() >= 5:
                local += dt.timedelta(days=1)
            moved = True
        if not moved:
            break
        local = _real(local, tz)  # a wall time the jump put in a DST gap is read as the instant it names
    local = _real(local, tz)
    if in_quiet_hours(local, quiet_start, quiet_end):  # the bound ran out (a DST oddity): the quiet hours win
        local = _next_at(local, quiet_end)
    return local.astimezone(dt.timezone.utc)


_DAY = 24 * 60 * 60 * 10**6  # a day in microseconds


def _of_day(t):
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 10**6 + t.microsecond


def _quiet_spans(quiet_start, quiet_end):
    """The quiet hours as [start, end) spans of the day in microseconds; none when start == end."""
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return []
    start, end = _of_day(quiet_start), _of_day(quiet_end)
    return [(start, end)] if start < end else [(start, _DAY), (0, end)]


def quiet_widened(old_start, old_end, new_start, new_end):
    """Whether the new quiet hours cover some time of day the old ones left free (a later slot of an
    agreed update rhythm may then fall due later than agreed)."""
    old = _quiet_spans(old_start, old_end)
    for lo, hi in _quiet_spans(new_start, new_end):
        free = [(lo, hi)]
        for quiet_from, quiet_to in old:
            free = [p for a, b in free for p in ((a, min(b, quiet_from)), (max(a, quiet_to), b)) if p[0] < p[1]]
        if free:
            return True
    return False


def has_allowed_time(*, tz, quiet_start, quiet_end, business_hours_only):
    """Is there any instant in a week when a promise may fall due with these settings? Computed exactly:
    the allowed part of a day (all of it, or the business hours on a weekday) minus the quiet hours.
    Both windows are read on the client's clock, so the answer does not depend on `tz` (a DST change
    removes an hour on one day, never on every day); it is taken so callers pass the same settings as
    to `next_allowed`."""
    if business_hours_only:
        start, end = _business_bounds()
        allowed = [(_of_day(start), _of_day(end))]
    else:
        allowed = [(0, _DAY)]
    for quiet_from, quiet_to in _quiet_spans(quiet_start, quiet_end):
        pieces = [piece for lo, hi in allowed for piece in ((lo, min(hi, quiet_from)), (max(lo, quiet_to), hi))]
        allowed = [(lo, hi) for lo, hi in pieces if lo < hi]
    return bool(allowed)


def next_allowed_for_client(instant, client, *, business_hours_only=False):
    return next_allowed(
        instant,
        tz=client.tz,
        quiet_start=client.quiet_hours_start,
        quiet_end=client.quiet_hours_end,
        business_hours_only=business_hours_only,
    )


def on_day_outside_quiet(instant, *, tz, quiet_start=None, quiet_end=None):
    """For a promise made for a day (the follow-up call): `instant` if it is outside the quiet hours,
    else the nearest time on the same local day that is: just before the quiet hours begin, when they
    begin that day, or when they end, when they began the day before (or at midnight). The day never
    changes, so the call is still due on the day the client was given."""
    local = instant.astimezone(tz)
    if not in_quiet_hours(local, quiet_start, quiet_end):
        return instant
    began_today = dt.time(0) < quiet_start <= local.time()
    at = quiet_start if began_today else quiet_end
    candidate = dt.datetime.combine(local.date(), at, tzinfo=tz)
    if began_today:
        candidate -= dt.timedelta(minutes=1)
    candidate = _real(candidate, tz)  # re-read across a DST change
    if in_quiet_hours(candidate, quiet_start, quiet_end) or candidate.date() != local.date():
        return next_allowed(instant, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end)  # a DST oddity
    return candidate.astimezone(dt.timezone.utc)


def on_day_outside_quiet_for_client(instant, client):
    return on_day_outside_quiet(instant, tz=client.tz, quiet_start=client.quiet_hours_start,
                                quiet_end=client.quiet_hours_end)


def follow_up_due(day, client):
    """A follow-up date falls due at the end of the client's business day on that date (earlier that
    day, or when they end, if the client's quiet hours cover it: `on_day_outside_quiet`)."""
    local = dt.datetime.combine(day, dt.time(settings.BUSINESS_HOURS_END), tzinfo=client.tz)
    return on_day_outside_quiet_for_client(local.astimezone(dt.timezone.utc), client)
