from django.apps import AppConfig


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import lookups  # noqa: F401 - registers field__any
        from .db_session import configure_session

        connection_created.connect(configure_session, dispatch_uid="cases.db_session")
