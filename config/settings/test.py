"""Settings for pytest: PostgreSQL is required (row locks and partial indexes are part of what is
tested). DATABASE_URL and CELERY_BROKER_URL are exported by scripts/test-services.sh."""
import os

from .base import *  # noqa: F403
from .base import env

if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "psql", "pgsql")):
    raise RuntimeError(
        "Tests run against PostgreSQL: set DATABASE_URL=postgres://... (make test does this)."
    )

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6390/0")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Many tests move the clock days ahead with a signed-in client; the 12-hour session lifetime itself
# (config/settings/security.py) is tested with its own value in tests/test_security_headers.py.
SESSION_COOKIE_AGE = 60 * 24 * 60 * 60
# The suite's own connections (its threads' too) say who they are, so the worker tests can wait for
# the connections of the Celery worker processes alone (tests/notifications/processes.py).
DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = "pytest"  # noqa: F405
