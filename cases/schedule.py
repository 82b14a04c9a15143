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


def _next_at(local, at_time):
    """The next local datetime at `at_time` strictly after (or at) `local`."""
    candidate = local.replace(hour=at_time.hour, minute=at_time.minute, second=0, microsecond=0)
    if candidate < local:
        candidate += dt.timedelta(days=1)
    return candidate


def next_allowed(instant, *, tz, quiet_start=None, quiet_end=None, business_hours_only=False):
    """The first instant at or after `instant` when a promise may fall due for this client."""
    local = instant.astimezone(tz)
    for _ in range(30):  # a handful of jumps always suffices; the bound guards odd settings
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
        # Re-normalise across DST changes.
        local = local.replace(tzinfo=None).replace(tzinfo=tz)
    return local.astimezone(dt.timezone.utc)


def next_allowed_for_client(instant, client, *, business_hours_only=False):
    return next_allowed(
        instant,
        tz=client.tz,
        quiet_start=client.quiet_hours_start,
        quiet_end=client.quiet_hours_end,
        business_hours_only=business_hours_only,
    )


def follow_up_due(day, client):
    """A follow-up date falls due at the end of the client's business day on that date."""
    local = dt.datetime.combine(day, dt.time(settings.BUSINESS_HOURS_END), tzinfo=client.tz)
    return local.astimezone(dt.timezone.utc)
