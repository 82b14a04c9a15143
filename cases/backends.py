"""Signing in: Django's ModelBackend, except that loading the signed-in user (once per request, by
AuthenticationMiddleware) joins the user's StaffProfile in the same query. ViewerTimezoneMiddleware
then reads the viewer's time zone from the loaded row instead of paying a query of its own on every
request, and a changed zone still shows on the very next request (nothing is cached across requests)."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffProfileBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("staff_profile").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
