"""A per-person budget for the actions that email other people (issue 10, "Email volume"): logging
the client's call on a teammate's case, asking for a case, escalating, handing off, assigning an
item to a teammate, handing one back, changing a client's details... whatever queues a notice to
someone else.

One rule, one place: the notice port (cases/notices.py) charges every notice a person causes to
someone other than themselves, so a new action that emails people is budgeted without a line
here. `NotifyBudgetMiddleware` tells the port whose request is being served (a POST by a signed-in
user); outside a request (sweeps, the seed, services called from a shell) nothing is charged.

One action is charged once, however many notices it queues. The limits are
settings.NOTIFY_OTHERS_RATES, django-ratelimit rates ("8/m", "60/h"), each counted in the default
cache (CACHES; in production point CACHE_URL at Redis so every web process shares the count).
Over a limit the action is refused with `Throttled`, a CaseRuleError: the service's transaction
rolls back, and the page shows the message at the top of the form (no 500, no bare 429 page). If
the cache itself fails (django-ratelimit reports some failures; a Redis server refusing connections raises,
found by a resilience audit: every action that emailed a teammate answered 500 and lost what was typed),
the budget is not enforced (logged): work never stops for it."""
import contextvars
import logging

from django.conf import settings
from django_ratelimit.core import _split_rate, get_usage

from .errors import CaseRuleError

logger = logging.getLogger(__name__)

GROUP = "cases.notify-others"
_serving = contextvars.ContextVar("cases_throttle_request", default=None)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
_PERIOD_WORDS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


class Throttled(CaseRuleError):
    """Refused: the person has emailed others too often in a short time."""


class NotifyBudgetMiddleware:
    """Lets the notice port know whose action it is serving (unsafe methods only)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in _SAFE_METHODS:
            return self.get_response(request)
        token = _serving.set(request)
        try:
            return self.get_response(request)
        finally:
            _serving.reset(token)


def _key(group, request):
    return str(request.user.pk)


def _period(seconds):
    if seconds in _PERIOD_WORDS:
        return _PERIOD_WORDS[seconds]
    for size, word in sorted(_PERIOD_WORDS.items(), reverse=True):
        if seconds % size == 0:
            return f"{seconds // size} {word}s"
    return f"{seconds} seconds"


def _wait(seconds):
    seconds = max(1, int(seconds))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = (seconds + 59) // 60
    return f"{minutes} minutes"


def refusal(limit, period_seconds, time_left):
    return (f"You have notified teammates {limit} times in the last {_period(period_seconds)}, the most "
            f"allowed. Nothing was saved and nobody was emailed: try again in {_wait(time_left)}, or "
            f"talk to them directly.")


def charge(recipients):
    """Charge the request being served (if any) for one action that emails people other than the
    person acting; raise Throttled when that goes over a limit."""
    request = _serving.get()
    if request is None or getattr(request, "_notify_budget_charged", False):
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    own = (user.email or "").strip().lower()
    if not any(addr and addr.strip().lower() != own for addr in recipients):
        return
    request._notify_budget_charged = True
    for rate in settings.NOTIFY_OTHERS_RATES:
        try:
            usage = get_usage(request, group=GROUP, key=_key, rate=rate, increment=True)
        except Exception:  # noqa: BLE001 - the cache's server down (Redis refusing): never stops the work
            logger.warning("the cache could not be reached; the notify-others budget is not enforced now",
                           exc_info=True)
            return
        if usage is None:  # RATELIMIT_ENABLE is off
            return
        if usage["limit"] == 0 and usage["time_left"] == -1:
            logger.warning("the cache did not count a notice; the notify-others budget is not enforced now")
            return
        if usage["should_limit"]:
            limit, period = _split_rate(rate)
            raise Throttled(refusal(limit, period, usage["time_left"]))
