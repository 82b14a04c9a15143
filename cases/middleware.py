"""Two request guards.

ViewerTimezoneMiddleware: times are shown in the viewer's own time zone: activate
StaffProfile.time_zone for every request of a signed-in user (settings.TIME_ZONE for anyone without a
profile). Form fields with datetimes are then also read in that zone, which is what a rep typing
"14:00" means. The profile comes joined to the user row (cases.backends.StaffProfileBackend), so this
costs no query; a user loaded some other way falls back to one query for the profile.

RejectNulBytesMiddleware: PostgreSQL cannot store or compare a NUL character (psycopg refuses the
query), so no NUL gets past the front door: one in the path answers 404 (no such page), one in the
query string, a form field (name or value), an uploaded file's name, a cookie or a header answers 400
with the plain error page. No view, form or lookup ever sees one. The bodies of the paths in
settings.NUL_BYTES_BODY_EXEMPT_PATHS (email providers' webhooks: a raw email may hold any byte, and
the webhook view must read the body itself) are left to their view."""
import zoneinfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from .text import whole_number

NUL = "\x00"


def viewer_zone_name(user):
    """The signed-in user's zone name, or None (anonymous, or no profile)."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.staff_profile.time_zone
    except ObjectDoesNotExist:
        return None


class ViewerTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = viewer_zone_name(getattr(request, "user", None))
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _has_nul(query_dict):
    return any(NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists())


def _query_may_hold_nul(request):
    """False when request.GET, not parsed yet, cannot hold a NUL: the raw query string has neither a
    NUL nor %00 (the only escape that decodes to one), so it need not be parsed just to look."""
    if "GET" in request.__dict__:  # parsed already, or set by hand (a plain HttpRequest)
        return True
    query = request.META.get("QUERY_STRING", "")
    return NUL in query or "%00" in query


def _posted_form(request):
    """True for a form body this guard reads (not the providers' webhooks, which clean their own)."""
    exempt = tuple(getattr(settings, "NUL_BYTES_BODY_EXEMPT_PATHS", ()))
    return request.method not in ("GET", "HEAD", "OPTIONS") and request.content_type in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ) and not (exempt and request.path_info.startswith(exempt))


def nul_byte_in(request):
    """Where in the request a NUL byte is ("the address", "a form field", ...), or None. A NUL inside a posted
    field's value is not one: strip_nul_from_field_values takes it out first."""
    if NUL in request.path_info or NUL in request.path:
        return "the address"
    if _query_may_hold_nul(request) and _has_nul(request.GET):
        return "the address"
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return "a header"
    if any(NUL in name or NUL in value for name, value in request.COOKIES.items()):
        return "a cookie"
    if not _posted_form(request):
        return None
    if any(NUL in key for key in request.POST):
        return "a form field"
    if any(NUL in key or NUL in (f.name or "") for key, files in request.FILES.lists() for f in files):
        return "an uploaded file"
    return None


def strip_nul_from_field_values(request):
    """A NUL inside what was typed into a form (text pasted from a PDF, say: browsers keep it) is taken out
    of the posted values, and the form goes on to its view: it is invisible and means nothing, and refusing
    the whole form lost everything typed (found by an audit: a rep's whole intake gone for one NUL)."""
    if not _posted_form(request) or not _has_nul(request.POST):
        return
    cleaned = request.POST.copy()
    for key, values in request.POST.lists():
        cleaned.setlist(key, [value.replace(NUL, "") for value in values])
    cleaned._mutable = False
    request.POST = cleaned


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = nul_byte_in(request)
        if where == "the address" and NUL in request.path_info:
            raise Http404("NUL byte in the path")
        if where:
            return render(request, "400.html", {"where": where}, status=400)
        strip_nul_from_field_values(request)
        return self.get_response(request)


def _declared_length(request):
    """The body's Content-Length, 0 when none is given, None when it is no length at all ("abc", "-1")."""
    value = (request.META.get("CONTENT_LENGTH") or "0").strip()
    return whole_number(value)


class RejectOversizedBodyMiddleware:
    """A request whose body is larger than any page's form needs (FORM_MAX_BODY_BYTES, by its Content-Length)
    answers 413 with a page saying so, before anything reads it; only the providers' inbound webhooks
    (WEBHOOK_PATHS) may carry a whole email, up to DATA_UPLOAD_MAX_MEMORY_SIZE (config/settings/base.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _declared_length(request)
        if length is None:  # Django would fail reading it (a 500); a server in front answers 400 too
            return render(request, "400.html", {}, status=400)
        if length > settings.FORM_MAX_BODY_BYTES and not request.path_info.startswith(tuple(settings.WEBHOOK_PATHS)):
            return render(request, "400.html", {"too_large": True}, status=413)
        return self.get_response(request)
