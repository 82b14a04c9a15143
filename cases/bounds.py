"""How far the promises the recipe asks for may reach, from settings, in one place: the services refuse
with these, and the forms (cases/forms.py) refuse any date past the sane horizon before a service
ever sees it. A bound keeps a promise meaningful: a cadence of 10,000 days or an estimate ten years
out is not a promise a client can hold us to."""
import datetime as dt

from django.conf import settings
from django.utils import timezone

from .choices import PromiseKind
from .errors import CaseRuleError


def _days(n):
    return f"{n} day{'s' if n != 1 else ''}"


def cadence_range():
    return settings.CADENCE_MIN_MINUTES, settings.CADENCE_MAX_MINUTES


def check_cadence(minutes, *, field="minutes"):
    low, high = cadence_range()
    if not minutes or int(minutes) < low:
        raise CaseRuleError(f"Updates must be at least {low} minutes apart.", field=field)
    if int(minutes) > high:
        raise CaseRuleError(f"Update the client at least every {high // 1440} days; a longer gap is not a cadence.",
                            field=field)
    return int(minutes)


def date_horizon(now=None):
    return (now or timezone.now()) + dt.timedelta(days=settings.DATE_HORIZON_DAYS)


def check_within_horizon(value, *, field, now=None):
    """Any date a user gives: no later than the sane horizon (a year by default)."""
    if value is None:
        return value
    if isinstance(value, dt.datetime):
        too_far = value > date_horizon(now)
    else:
        too_far = value > date_horizon(now).date()
    if too_far:
        raise CaseRuleError(f"That date is too far out: choose one within {_days(settings.DATE_HORIZON_DAYS)}.",
                            field=field)
    return value


def check_eta(latest, *, now=None, field="eta_latest"):
    now = now or timezone.now()
    if latest > now + dt.timedelta(days=settings.ETA_MAX_DAYS):
        raise CaseRuleError(f"An estimate reaches at most {_days(settings.ETA_MAX_DAYS)} ahead; if the fix takes "
                            "longer, plan a mitigation first and estimate that.", field=field)
    return latest


def check_eta_range(earliest, latest, *, now=None, field="eta_earliest"):
    """An estimate the client can plan by, and one that an early arrival can show was padded: its range is
    at most ETA_RANGE_MIN_HOURS wide, or ETA_RANGE_MAX_SHARE_PCT of the time from now to its latest end.
    Read when a range is given (plan.eta_set) and when its latest end is renegotiated later."""
    now = now or timezone.now()
    widest = max(dt.timedelta(hours=settings.ETA_RANGE_MIN_HOURS),
                 (latest - now) * settings.ETA_RANGE_MAX_SHARE_PCT / 100)
    if latest - earliest > widest:
        soonest = timezone.localtime(latest - widest)
        raise CaseRuleError(f"A range this wide tells the client little, and the fix could never come early or "
                            f"late: make it narrower (with this latest end, the earliest no sooner than "
                            f"{soonest:%d %b %H:%M}).", field=field)
    return earliest


# Why a follow-up date is refused when follow_up_day_has_come: the delivery form's words and the service's.
FOLLOW_UP_LATER = "The follow-up call comes later: pick a date after today (the client's today)."


def follow_up_day_has_come(day, client):
    """Whether the follow-up `day` is the client's today or before it: the call must come on a later day
    than the one the case is delivered and resolved on (read when the delivery is recorded and when the
    case resolves)."""
    return day <= timezone.localdate(timezone=client.tz)


def day_begins(at, tz, *, days_after=0):
    """The instant (UTC) the day holding `at` in `tz` begins there (or the one `days_after` later): from then
    the day has come for someone living in `tz`."""
    day = at.astimezone(tz).date() + dt.timedelta(days=days_after)
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def call_day_has_come(due_at, client, now):
    """Whether the day of the follow-up call due at `due_at` has begun for `client` at `now` (day_begins in
    their zone of the moment): from then the call may be logged (not sooner), is reminded, and is due today
    (not reopened away). The one reading of it; a change of the client's zone or quiet hours that moves that
    instant is a move they agree to (cases.services.client_schedule._moves)."""
    return now >= day_begins(due_at, client.tz)


def check_follow_up(day, *, today, field="follow_up_on"):
    if day > today + dt.timedelta(days=settings.FOLLOW_UP_MAX_DAYS):
        raise CaseRuleError(f"Schedule the follow-up call within {_days(settings.FOLLOW_UP_MAX_DAYS)}.", field=field)
    return day


def move_horizon(kind):
    """The furthest a renegotiation may move a promise of this kind, from now."""
    return dt.timedelta(days={
        PromiseKind.STATUS_UPDATE: settings.RENEGOTIATE_UPDATE_MAX_DAYS,
        PromiseKind.ACTION_ITEM: settings.RENEGOTIATE_ITEM_MAX_DAYS,
        PromiseKind.ETA: settings.RENEGOTIATE_ETA_MAX_DAYS,
        PromiseKind.FOLLOW_UP: settings.FOLLOW_UP_MAX_DAYS,
    }[PromiseKind(kind)])


def check_move(kind, new_due_at, *, now=None, field="new_due_at"):
    now = now or timezone.now()
    if new_due_at is None or new_due_at <= now:
        raise CaseRuleError("The new deadline must be in the future.", field=field)
    horizon = move_horizon(kind)
    if new_due_at > now + horizon:
        raise CaseRuleError(f"A {PromiseKind(kind).label.lower()} can be moved at most {_days(horizon.days)} ahead. "
                            "If the client needs longer, agree a nearer step you can keep.", field=field)
    return new_due_at


def check_after_dropped_work(due_at, *, now=None, field="due_at", moved_out_of_quiet_hours=""):
    """A new item's due time on a case that let promised work go (an item cancelled while the client held
    its due time, or after it was missed): at most as far out as a renegotiation could move an item now.
    Nothing tells re-added work from new work, so every item added after such a cancel is held to it;
    otherwise cancelling and adding the work again would set a due time months out that a renegotiation
    refuses (RENEGOTIATE_ITEM_MAX_DAYS against DATE_HORIZON_DAYS). The other order (the work added again
    first, then the promised item cancelled) is held by check_before_dropping_work."""
    now = now or timezone.now()
    horizon = move_horizon(PromiseKind.ACTION_ITEM)
    if due_at is not None and due_at > now + horizon:
        raise CaseRuleError(f"{moved_out_of_quiet_hours}An item was cancelled on this case while the client held its "
                            f"due time: a new item falls due at most {_days(horizon.days)} ahead, as far as a "
                            "renegotiation could move that one. If the work takes longer, agree a nearer step you "
                            "can keep.", field=field)
    return due_at


def check_before_dropping_work(later_item, *, now=None):
    """Letting promised work go (cancelling an item whose due time the client holds, or missed) while
    `later_item`, given its first due time since that item was promised, falls due further out than a
    renegotiation could move an item now: refused, as it would be had it been added after the cancel
    (check_after_dropped_work); otherwise adding the work again first, eleven months out (nothing was let
    go yet), then cancelling the promised item moved it there by the rep alone. `later_item`: the furthest
    such open item, or None."""
    now = now or timezone.now()
    horizon = move_horizon(PromiseKind.ACTION_ITEM)
    if later_item is None or later_item.due_at is None or later_item.due_at <= now + horizon:
        return
    words = later_item.description if len(later_item.description) <= 80 else later_item.description[:79] + "…"
    raise CaseRuleError(f"“{words}”, added since this item was promised, falls due on "
                        f"{timezone.localtime(later_item.due_at):%d %b %Y}: further out than a renegotiation could "
                        f"move this one ({_days(horizon.days)}). Agree a nearer due time for it with the client, or "
                        "cancel it, before cancelling this item.")
