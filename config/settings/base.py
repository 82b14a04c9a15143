"""Settings shared by every environment. Every value that differs between machines comes from the
environment (django-environ); the defaults are the embedded ones `make run` uses: an SQLite file and
Celery's filesystem broker under var/, so no database or broker server is needed."""
from pathlib import Path

import environ

from notifications.registry import beat_schedule

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("CASETRACKER_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

# The development key below is refused by production.py (config/settings/secret_key.py), which
# requires a strong key from the environment or a key file.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
# Off unless asked for: `make run` (scripts/run-dev.sh) turns it on; any other start, including a
# bare `manage.py runserver`, shows the plain 404/500 pages, never the URL list or a traceback.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base of links in emails ("open the case"), since emails are rendered outside a request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # search's trigram lookups; harmless on SQLite (cases/search.py falls back)
    "django_fsm",
    "django_htmx",
    "axes",
    "csp",
    "cases",
    "playbook",
    "notifications",
    "anymail",  # inbound webhooks of the mail providers (mailin/webhooks.py)
    "mailin",  # client email coming in: replies on the case, new mail for the team to claim
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's middleware with the policy built once, not per response (cases/headers.py).
    "cases.headers.ContentSecurityPolicyMiddleware",
    "cases.headers.PermissionsPolicyMiddleware",
    # Before anything reads the session, the database or the form: a body larger than a form needs answers
    # 413, NUL bytes 404/400 here.
    "cases.middleware.RejectOversizedBodyMiddleware",
    "cases.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cases.middleware.ViewerTimezoneMiddleware",
    # Whose action a notice to other people is charged to (cases/throttle.py, NOTIFY_OTHERS_RATES).
    "cases.throttle.NotifyBudgetMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A form posted to a page behind the sign-in by someone signed out: 401 and what they typed, not the
    # way to the sign-in form (cases/session_expired.py).
    "cases.session_expired.SignedOutFormMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the login page's lockout message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "cases.roles.held_perms",  # `perms` reads the app's roles: a superuser's flag gives none
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database(default=environ.Env.NOTSET):
    """DATABASE_URL's database. PostgreSQL is served by config.postgresql: Django's backend with psycopg's
    compiled timestamp loader (the same values, parsed in C)."""
    db = env.db("DATABASE_URL", default=default)
    if db["ENGINE"] == "django.db.backends.postgresql":
        db["ENGINE"] = "config.postgresql"
        # The fixed-shape reads (cases.frozen: the case page's records, a list's rows) are prepared once
        # per connection: PostgreSQL then skips parsing and planning them. Off (0) for a connection
        # pooler in transaction mode that does not carry prepared statements.
        db.setdefault("OPTIONS", {})["prepared_reads"] = env.bool("DATABASE_PREPARED_READS", default=True)
    return db


DATABASES = {"default": database(default=f"sqlite:///{VAR_DIR / 'casetracker.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded file's folder is made when missing, so `manage.py migrate` on a fresh clone works without
    # `make run` (found by an audit: "unable to open database file").
    if str(DATABASES["default"]["NAME"]) != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Worker, beat and web share the file: take the write lock when a transaction starts (a deferred
    # read-then-write transaction fails at once with "database is locked" instead of waiting), wait up
    # to 20 s for it, and let readers go on beside the writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
    # The list indexes carry INCLUDE columns for PostgreSQL's index-only scans; SQLite builds them
    # without (same rows, same answers), which is all `make run` needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password rules (AUTH_PASSWORD_VALIDATORS) and login throttling are in security.py.
# Axes first: a locked-out username+address is refused before any password is hashed. The signed-in
# user is loaded with their StaffProfile (time zone) in one query: cases/backends.py.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "cases.backends.StaffProfileBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# A form behind the sign-in that fails the CSRF check (drawn before the rep signed in again) answers 403
# with what was typed; the pages open to anyone keep Django's page (cases/session_expired.py).
CSRF_FAILURE_VIEW = "cases.session_expired.csrf_failure"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# English only, so Django's translation machinery is off: with it on, every date, URL and number a page
# writes asks a context-local for the active language (~10% of a list page's time). en-gb's formats
# still apply (formats follow LANGUAGE_CODE), and Django's en-gb texts are its English ones.
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (client email attachments, mailin/). Never served as /media/: each download goes
# through a view that checks the reader may see the case (mailin/views.py).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# --- Security: login throttling, CSP and headers, proxy, password rules (config/settings/security.py)
from .security import *  # noqa: E402, F403

# --- Email ---------------------------------------------------------------------------------------
# The embedded default prints emails to the worker's console; production.py defaults to SMTP.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Case tracker <cases@example.com>")

# --- Celery --------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _folder in ("queue", "processed", "control"):  # as for the database file: a worker started by hand works
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # Short socket timeouts: a web request that queues an email kicks delivery on commit, and must
    # not hang on an unreachable broker (the kick is best effort; beat's sweep is the guarantee).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3, "socket_timeout": 10}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_TASK_TIME_LIMIT = 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# The queue tasks are sent to and workers consume by default (several deployments may share a Redis).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Every sweep once a minute (the sweeps are listed in notifications/registry.py). A tick that waited
# longer than the next one expires unrun, so a stopped worker does not come back to a pile of
# identical sweeps.
SWEEP_INTERVAL_SECONDS = env.int("SWEEP_INTERVAL_SECONDS", default=60)
# A sweep that has not succeeded for this long is reported (/healthz, check_health, the supervisors'
# banner): three missed ticks, and never under 3 minutes, so one slow tick or a restart stays quiet.
SWEEP_STALE_AFTER_SECONDS = env.int("SWEEP_STALE_AFTER_SECONDS", default=max(3 * SWEEP_INTERVAL_SECONDS, 180))
CELERY_BEAT_SCHEDULE = beat_schedule(SWEEP_INTERVAL_SECONDS)

# --- The recipe's knobs ---------------------------------------------------------------------------
# Minutes before a status-update promise falls due that its owner is reminded.
UPDATE_REMINDER_LEAD_MINUTES = env.int("UPDATE_REMINDER_LEAD_MINUTES", default=15)
# Minutes before an action item is due that its assignee is reminded.
ACTION_ITEM_REMINDER_LEAD_MINUTES = env.int("ACTION_ITEM_REMINDER_LEAD_MINUTES", default=60)
# Minutes a promise must still have to run for it to pass to a teammate who is given its work by someone
# else (an item, or the whole case); closer to its deadline it stays on the count of the one who held it.
HANDOVER_MIN_MINUTES = env.int("HANDOVER_MIN_MINUTES", default=60)
# Hours a case may sit in steps 1-5 before supervisors are told it has stalled.
STALLED_CASE_HOURS = env.int("STALLED_CASE_HOURS", default=24)
# Outbox delivery: attempts before a row is marked failed, and the first backoff in seconds.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# An email the server keeps answering "try again later" (4xx: a mailbox full, a local problem) waits this long
# without using up its attempts; then it fails as a refusal does (a 421 "service not available" is an outage).
OUTBOX_TRY_LATER_HOURS = env.int("OUTBOX_TRY_LATER_HOURS", default=24)
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=30)
# The longest wait between two delivery attempts of one email (the exponential backoff's cap).
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=3600)
# SMTP connections one outbox run sends a backlog over side by side (PostgreSQL only; 1: one at a time).
OUTBOX_CONNECTIONS = env.int("OUTBOX_CONNECTIONS", default=4)
# Rows each sweep claims per run.
SWEEP_BATCH_SIZE = env.int("SWEEP_BATCH_SIZE", default=100)
# Email volume (cases/throttle.py, notifications/coalesce.py). Actions that email other people (a
# contact logged on a teammate's case, asking for a case, escalating, a handoff...) are limited per
# person by each of these django-ratelimit rates ("8/m": 8 per minute; "60/h"); an empty list turns
# the limit off. Notices about one case to one person within NOTIFY_COALESCE_MINUTES of the last
# one go out together as one email at the end of that window (0: every notice is its own email).
NOTIFY_OTHERS_RATES = env.list("NOTIFY_OTHERS_RATES", default=["8/m", "60/h"])
NOTIFY_COALESCE_MINUTES = env.int("NOTIFY_COALESCE_MINUTES", default=10)
# The rate limits above count in the default cache: per process unless CACHE_URL names a shared one
# (production: Redis, e.g. redis://redis:6379/1, so every web process shares the count).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# A Redis cache that cannot be reached fails within CACHE_SOCKET_TIMEOUT seconds instead of holding the request:
# the pages and actions go on without it (cases/throttle.py, notifications/health.py).
if CACHES["default"]["BACKEND"].endswith(".RedisCache"):
    _timeout = env.float("CACHE_SOCKET_TIMEOUT", default=1.0)
    CACHES["default"].setdefault("OPTIONS", {}).update(socket_connect_timeout=_timeout, socket_timeout=_timeout)
# PostgreSQL's JIT compilation, off by default for the app's connections (cases/db_session.py).
POSTGRES_JIT = env.bool("POSTGRES_JIT", default=False)
# Business hours in the client's local time, for "business hours only" cadences.
BUSINESS_HOURS_START = env.int("BUSINESS_HOURS_START", default=9)
BUSINESS_HOURS_END = env.int("BUSINESS_HOURS_END", default=17)
# Bounds on what may be promised (cases/bounds.py): the update cadence, how far an estimate and a
# follow-up call may reach, the furthest any date may be, and how far one renegotiation may move a
# promise of each kind (from the moment it is agreed).
CADENCE_MIN_MINUTES = env.int("CADENCE_MIN_MINUTES", default=5)
CADENCE_MAX_MINUTES = env.int("CADENCE_MAX_MINUTES", default=7 * 24 * 60)
ETA_MAX_DAYS = env.int("ETA_MAX_DAYS", default=90)
# How wide an estimate's range may be: two days, or up to this share of the time to its latest end (an
# estimate "from now to three months out" can be neither early nor late: cases/bounds.py check_eta_range).
ETA_RANGE_MIN_HOURS = env.int("ETA_RANGE_MIN_HOURS", default=48)
ETA_RANGE_MAX_SHARE_PCT = env.int("ETA_RANGE_MAX_SHARE_PCT", default=75)
FOLLOW_UP_MAX_DAYS = env.int("FOLLOW_UP_MAX_DAYS", default=90)
DATE_HORIZON_DAYS = env.int("DATE_HORIZON_DAYS", default=365)
RENEGOTIATE_UPDATE_MAX_DAYS = env.int("RENEGOTIATE_UPDATE_MAX_DAYS", default=7)
RENEGOTIATE_ITEM_MAX_DAYS = env.int("RENEGOTIATE_ITEM_MAX_DAYS", default=30)
RENEGOTIATE_ETA_MAX_DAYS = env.int("RENEGOTIATE_ETA_MAX_DAYS", default=90)
# Whoever hears it, helps: every rep can find and read any case of the team. A team that needs it can
# restrict reps to their own cases (and those they hold an item on or watch).
REPS_SEE_OWN_CASES_ONLY = env.bool("REPS_SEE_OWN_CASES_ONLY", default=False)
# Days a signed client status link stays valid.
CLIENT_LINK_MAX_AGE_DAYS = env.int("CLIENT_LINK_MAX_AGE_DAYS", default=14)
# Days the client's link keeps showing "resolved" (and nothing else) after the case is closed.
CLIENT_LINK_RESOLVED_DAYS = env.int("CLIENT_LINK_RESOLVED_DAYS", default=14)
# Whom a client with a link that no longer works is told to ask for a new one.
CLIENT_LINK_TEAM_NAME = env.str("CLIENT_LINK_TEAM_NAME", default="our support team")

# --- Client email going out (cases/services/client_messages.py; README "Client email (outbound)") ---
# The team's address the client's messages come from (replies go to the case's signed reply address).
CLIENT_MAIL_FROM = env.str("CLIENT_MAIL_FROM", default=DEFAULT_FROM_EMAIL)

# --- Client email coming in (mailin/; README "Client email (inbound)") -----------------------------
# Replies come back to case+<reference>.<signature>@MAILIN_DOMAIN (mailin/addresses.py, signed); any
# other address at the domain is the team's general inbox.
MAILIN_DOMAIN = env.str("MAILIN_DOMAIN", default="reply.example.com").lower()
MAILIN_REPLY_LOCAL_PART = env.str("MAILIN_REPLY_LOCAL_PART", default="case")
# Who owns a case opened from an email until a rep claims it (a user that cannot sign in, made when
# first needed), and who hears that such a case is waiting (e.g. the team's shared mailbox).
MAILIN_INTAKE_USERNAME = env.str("MAILIN_INTAKE_USERNAME", default="client-mail")
MAILIN_UNCLAIMED_NOTIFY = env.list("MAILIN_UNCLAIMED_NOTIFY", default=[])
# Limits: a message over the first is kept but not posted; an attachment over the second, of a type
# not listed, or beyond the count, is refused and noted while its message is still posted.
MAILIN_MAX_MESSAGE_BYTES = env.int("MAILIN_MAX_MESSAGE_BYTES", default=30 * 1024 * 1024)
MAILIN_MAX_ATTACHMENT_BYTES = env.int("MAILIN_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
MAILIN_MAX_ATTACHMENTS = env.int("MAILIN_MAX_ATTACHMENTS", default=10)
# Request bodies. A page's form never needs more than FORM_MAX_BODY_BYTES (its text fields are capped far
# below): a larger body answers 413 before anything reads it (cases.middleware.RejectOversizedBodyMiddleware).
# The providers' inbound webhooks (WEBHOOK_PATHS) carry a whole email, base64- or JSON-escaped (about 4/3 of
# its size): Django's ceiling lets one of MAILIN_MAX_MESSAGE_BYTES through, so it is kept (found by an
# audit: Django's 2.5 MB default answered 400 to a reply with a 3 MB screenshot, and the email was lost).
FORM_MAX_BODY_BYTES = env.int("FORM_MAX_BODY_BYTES", default=2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAILIN_MAX_MESSAGE_BYTES * 4 // 3 + 1024 * 1024
MAILIN_ALLOWED_CONTENT_TYPES = env.list("MAILIN_ALLOWED_CONTENT_TYPES", default=[
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
])
# Webhooks (django-anymail, under /anymail/<provider>/inbound/): the providers accepted, each only with
# its own check set: Mailgun's signing key, or for the others (Postmark, ...) the basic-auth secret
# "user:password" that their webhook URL carries.
MAILIN_WEBHOOK_PROVIDERS = env.list("MAILIN_WEBHOOK_PROVIDERS", default=[])
ANYMAIL = dict(globals().get("ANYMAIL", {}))  # outbound settings, if any, are kept
if env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""):
    ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"] = env.str("MAILGUN_WEBHOOK_SIGNING_KEY")
if env.list("ANYMAIL_WEBHOOK_SECRET", default=[]):
    ANYMAIL["WEBHOOK_SECRET"] = env.list("ANYMAIL_WEBHOOK_SECRET")
# A plain mailbox (the IMAP sweep, mailin/sweeps.py): it runs only when MAILIN_IMAP_HOST is set.
MAILIN_IMAP_HOST = env.str("MAILIN_IMAP_HOST", default="")
MAILIN_IMAP_PORT = env.int("MAILIN_IMAP_PORT", default=993)
MAILIN_IMAP_SSL = env.bool("MAILIN_IMAP_SSL", default=True)
MAILIN_IMAP_STARTTLS = env.bool("MAILIN_IMAP_STARTTLS", default=False)
MAILIN_IMAP_USER = env.str("MAILIN_IMAP_USER", default="")
MAILIN_IMAP_PASSWORD = env.str("MAILIN_IMAP_PASSWORD", default="")
MAILIN_IMAP_FOLDER = env.str("MAILIN_IMAP_FOLDER", default="INBOX")
MAILIN_IMAP_DONE_FOLDER = env.str("MAILIN_IMAP_DONE_FOLDER", default="Processed")
MAILIN_IMAP_FAILED_FOLDER = env.str("MAILIN_IMAP_FAILED_FOLDER", default="Failed")
MAILIN_IMAP_BATCH_SIZE = env.int("MAILIN_IMAP_BATCH_SIZE", default=50)
MAILIN_IMAP_TIMEOUT = env.int("MAILIN_IMAP_TIMEOUT", default=20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
