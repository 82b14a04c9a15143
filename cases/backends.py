"""Signing in: Django's ModelBackend, except that
- loading the signed-in user (once per request, by AuthenticationMiddleware) joins the user's
  StaffProfile in the same query. ViewerTimezoneMiddleware then reads the viewer's time zone from the
  loaded row instead of paying a query of its own on every request, and a changed zone still shows on
  the very next request (nothing is cached across requests);
- the user's permissions (every page's menu asks `perms`) are read in one statement (the user's own and
  their groups', as a UNION) instead of two, once per request as Django does."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class StaffProfileBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("staff_profile").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            # .order_by(): no ordering inside a compound statement (SQLite refuses Permission's default one).
            own = Permission.objects.filter(user=user_obj).order_by().values_list(*fields)
            via_groups = Permission.objects.filter(group__user=user_obj).order_by().values_list(*fields)
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in own.union(via_groups)}
        return user_obj._perm_cache
