"""Settings for the bench's `floor_plain` server (benchmarks/run.py): config/settings/bench.py exactly,
except for MIDDLEWARE, which is the stack `django-admin startproject` generates. The same trivial
authenticated view served under both tells what the project's own middleware costs (`stack_ratio`:
the floor's requests/s over this one's). Never a setting for serving the app: it drops the CSP,
Permissions-Policy, NUL-byte guard, login lockout and the viewer's time zone."""
from .bench import *  # noqa: F403

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
