"""Times are shown in the viewer's own time zone: activate StaffProfile.time_zone for every request of
a signed-in user (settings.TIME_ZONE for anyone without a profile). Form fields with datetimes are
then also read in that zone, which is what a rep typing "14:00" means.

The profile comes joined to the user row (cases.backends.StaffProfileBackend), so this costs no query;
a user loaded some other way falls back to one query for the profile."""
import zoneinfo

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone


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
