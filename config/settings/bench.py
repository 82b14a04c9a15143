"""Settings for `make bench` (benchmarks/): production-like serving (DEBUG off, persistent database
connections, 127.0.0.1 only) against the benchmark's own database, BENCH_DB_NAME (default
casetracker_bench_<BENCH_CASES>) on the server DATABASE_URL names, never the test database. Its URLs add the two
floor views (benchmarks/urls.py), which exist only under these settings."""
import warnings

from .base import *  # noqa: F403
from .base import database, env

# The pages are measured, not their static files (which production serves after collectstatic).
warnings.filterwarnings("ignore", message="No directory at")

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="bench-only-secret-key-not-for-production-0123456789")
DATABASES = {"default": database()}
# One database per size, so the quick (10,000) and the full (100,000) one are both kept.
DATABASES["default"]["NAME"] = env.str(
    "BENCH_DB_NAME", default=f"casetracker_bench_{env.int('BENCH_CASES', default=100_000)}")
DATABASES["default"]["CONN_MAX_AGE"] = None  # persistent: one connection per worker for its life
ROOT_URLCONF = "benchmarks.urls"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the outbox bench points it at its sink
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
