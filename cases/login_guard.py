"""Signing in under django-axes (settings in config/settings/security.py): which address a request
comes from, when an address is locked for every username, and the page a locked-out person sees.

- `client_ip`: REMOTE_ADDR, or, behind settings.TRUSTED_PROXY_COUNT proxies, the address the
  outermost of them saw (counted from the right of X-Forwarded-For, where the proxies append). What a
  client writes into that header itself sits further left and is never read.
- `LoginAttemptHandler`: axes locks a username+address pair after AXES_FAILURE_LIMIT failures; this
  adds a lock on the address alone after LOGIN_ADDRESS_FAILURE_LIMIT failures over all usernames
  within the cool-off window (one address spraying many usernames).
- `lockout_response`: the login page again, status 429, saying why and for how long.
- `username`: the username an attempt is recorded and locked under, no longer than a username can be."""
import ipaddress
import math

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.shortcuts import render

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt

USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username


def _valid_ip(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except (ValueError, AttributeError):
        return None


def username(request, credentials=None):
    """The typed username (from the credentials, else the posted form), cut to the longest a username can be:
    axes records it in a 255-character column, and a longer one answered the sign-in page 500 (found by an
    audit). No user has a longer name, so the cut one locks the same nobody."""
    typed = (credentials or {}).get("username")
    if typed is None:
        typed = getattr(request, "POST", {}).get("username")
    if typed is None:
        return None
    return str(typed)[:USERNAME_MAX_LENGTH]


def client_ip(request):
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote  # not through all our proxies (a direct request, or a health check)
    return _valid_ip(hops[-proxies]) or remote


class LoginAttemptHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None):
        failures = super().get_failures(request, credentials)
        ip_address = getattr(request, "axes_ip_address", None)
        if ip_address is None or settings.AXES_COOLOFF_TIME is None:
            return failures
        from_address = AccessAttempt.objects.filter(
            ip_address=ip_address, attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(n=Sum("failures_since_start"))["n"] or 0
        if from_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            request.login_address_locked = True
            return max(failures, get_failure_limit(request, credentials))
        return failures


def lockout_response(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", ""),
        "locked_out": True,
        "locked_username": username,
        "address_locked": getattr(request, "login_address_locked", False),
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
