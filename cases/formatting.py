"""How notices show times, people and links. A time is shown in the client's zone (what was promised
to them) and, when it differs, in the reader's own zone (StaffProfile.time_zone)."""
import zoneinfo

from .models import StaffProfile


def user_tz(user):
    name = StaffProfile.objects.filter(user=user).values_list("time_zone", flat=True).first() if user else None
    return _zone(name)


def user_tzs(users):
    """`user_tz` of several users in one query (the sweeps' batches): {user pk: zone}."""
    names = dict(StaffProfile.objects.filter(user__in=[u.pk for u in users]).values_list("user_id", "time_zone"))
    return {u.pk: _zone(names.get(u.pk)) for u in users}


def _zone(name):
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _clock(instant, tz, now):
    local = instant.astimezone(tz)
    fmt = "%H:%M" if local.date() == now.astimezone(tz).date() else "%a %d %b %H:%M"
    return local.strftime(fmt), local.tzname()


def local_time(instant, tz, *, now):
    """"14:00 GMT" when it is the same local day as `now`, else "Tue 12 Mar 14:00 GMT"."""
    return " ".join(_clock(instant, tz, now))


def when(instant, *, client, reader, now, reader_tz=None):
    """Context for one instant: `client_time` always, `reader_time` only if it reads differently.
    `reader_tz`, when the caller already has it (user_tzs), saves the query for the reader's zone."""
    client_clock = _clock(instant, client.tz, now)
    client_time = " ".join(client_clock)
    if reader is None:  # several readers (supervisors): the client's time only
        return {"client_time": client_time, "reader_time": ""}
    reader_clock = _clock(instant, reader_tz or user_tz(reader), now)
    same_wall_clock = reader_clock[0] == client_clock[0]  # e.g. 14:00 GMT and 14:00 UTC
    return {"client_time": client_time, "reader_time": "" if same_wall_clock else " ".join(reader_clock)}


def person(user):
    if user is None:
        return "the system"
    return user.get_full_name() or user.username


def duration(delta):
    """A rounded duration a person reads at a glance: "26 hours", "3 days"."""
    hours = int(delta.total_seconds() // 3600)
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} days"


def case_path(case):
    """The case page's path (the site URL is added by the email templates), its pattern reversed once per
    process (a sweep's batch writes a hundred emails)."""
    from .templatetags.case_rows import case_url

    return case_url("cases:case_detail", case.reference)


def case_context(case):
    return {"case_ref": case.reference, "client": case.client.name, "summary": case.summary,
            "case_path": case_path(case)}
