"""Times are shown in the viewer's own time zone: activate StaffProfile.time_zone for every request of
a signed-in user (settings.TIME_ZONE for anyone without a profile). Form fields with datetimes are
then also read in that zone, which is what a rep typing "14:00" means."""
import zoneinfo

from django.utils import timezone

from .models import StaffProfile


class ViewerTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = StaffProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
