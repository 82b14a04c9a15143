"""Production: PostgreSQL and Redis from the environment, a strong secret key required (the settings
refuse to load without one: secret_key.py), HTTPS enforced (redirect, HSTS, secure cookies). Behind
a TLS proxy set DJANGO_SECURE_PROXY_SSL_HEADER and DJANGO_TRUSTED_PROXY_COUNT (security.py)."""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database, env
from .secret_key import read_secret_key

DEBUG = False
# Read as is: django-environ would take a key starting with "$" (Django's own generator may write one)
# for a reference to another variable and find nothing.
SECRET_KEY = read_secret_key(os.environ.get("DJANGO_SECRET_KEY", ""), env.str("DJANGO_SECRET_KEY_FILE", default=""))
# HTTPS only. The redirect and HSTS need Django to see that a request came over HTTPS: directly, or
# through a proxy named by DJANGO_SECURE_PROXY_SSL_HEADER (else every request redirects forever).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP inside the network
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
# Covers subdomains of the app's own host name only (cases.example.com -> *.cases.example.com).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading is the domain owner's commitment: opt in once submitted to hstspreload.org.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
DATABASES = {"default": database()}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A kept connection that PostgreSQL dropped meanwhile (a restart, a failover, an idle reaper) is checked and
# opened again before a request uses it (found by a resilience audit: each web process's next request answered
# 500, a form's text lost with it).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# What clients and the team see in every email: no development default here (found by a resilience audit:
# production started with links to 127.0.0.1 and clients' replies addressed to reply.example.com). A missing
# one stops the start with "Set the ... environment variable".
# Set but empty (an .env line "SITE_URL=") is refused too (found by a red team), and SITE_URL must be a web address.


def _required(name):
    value = env.str(name).strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable (it is empty).")
    return value


SITE_URL = _required("SITE_URL").rstrip("/")
if not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// (or http://), not {SITE_URL!r}.")
DEFAULT_FROM_EMAIL = _required("DEFAULT_FROM_EMAIL")
CLIENT_MAIL_FROM = env.str("CLIENT_MAIL_FROM", default="").strip() or DEFAULT_FROM_EMAIL
MAILIN_DOMAIN = _required("MAILIN_DOMAIN").lower()
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
# Added to base's options (their short socket timeouts keep a request from hanging on a dead broker).
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 3600}  # noqa: F405
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
