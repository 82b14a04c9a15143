from django.apps import AppConfig


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"

    def ready(self):
        from django.contrib import admin
        from django.db.backends.signals import connection_created

        from . import lookups  # noqa: F401 - registers field__any
        from .admin_safe import guard_every_list
        from .db_session import configure_session

        connection_created.connect(configure_session, dispatch_uid="cases.db_session")
        # The admin's autodiscover (django.contrib.admin, first in INSTALLED_APPS) has registered every list.
        guard_every_list(admin.site)
