"""Security settings every environment shares (imported by base.py): login throttling (django-axes),
the Content-Security-Policy (django-csp), the other response headers, the reverse-proxy settings and
the password rules. production.py adds what needs TLS in front: HSTS, the HTTPS redirect and secure
cookies. Every value comes from the environment; README "Security and deployment" lists them."""
import datetime as dt

import environ
from csp.constants import NONE, SELF

env = environ.Env()

# --- Behind a reverse proxy ----------------------------------------------------------------------
# How many proxies you run in front of the app (nginx, a load balancer: usually 1). 0 (the default):
# the app is reached directly, X-Forwarded-For is ignored and the client is REMOTE_ADDR. With N, the
# client is the N-th address from the right of X-Forwarded-For, the one your outermost proxy saw;
# whatever a client writes further left is ignored (cases/login_guard.py).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# The header your TLS proxy sets to "https" (e.g. X-Forwarded-Proto), so Django knows a request came
# over HTTPS (HSTS is sent, status links start with https://). Unset: none is trusted. Set it only
# when the proxy overwrites that header on every request.
_proxy_ssl_header = env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)

# --- Signing in ----------------------------------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that username is locked
# for that address for AXES_COOLOFF_MINUTES (each further try restarts the wait): a typo-prone
# colleague behind the same office NAT, or an attacker elsewhere, cannot lock a rep out. An address
# with LOGIN_ADDRESS_FAILURE_LIMIT failures over all usernames in that window is locked for every
# username (password spraying). A locked attempt never reaches the password hasher.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=100)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "cases.login_guard.LoginAttemptHandler"
AXES_CLIENT_IP_CALLABLE = "cases.login_guard.client_ip"
AXES_USERNAME_CALLABLE = "cases.login_guard.username"
AXES_LOCKOUT_CALLABLE = "cases.login_guard.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no start-up banner in every management command's output
# The admin lists attempts (Axes → Access attempts); unlock with `manage.py axes_reset_username NAME`.
AXES_ENABLE_ADMIN = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A sign-in lasts a working day (seconds), not Django's two weeks.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# NUL bytes answer 404/400 (cases.middleware.RejectNulBytesMiddleware), except in the bodies posted to
# these paths: the email providers' inbound webhooks (django-anymail) read the raw body themselves
# (SendGrid's re-reads it, which parsing the form first would break); mailin must drop NULs from what
# it stores.
WEBHOOK_PATHS = ["/anymail/"]
NUL_BYTES_BODY_EXEMPT_PATHS = WEBHOOK_PATHS

# --- Response headers ----------------------------------------------------------------------------
# Only our own files run or style a page: no inline <script>, <style>, style="" or on*= handler
# anywhere (tests/test_security_headers.py parses every main page for them). Enforced in every
# environment, so a violation shows up in development and in the browser tests; CSP_REPORT_ONLY=true
# sends it as Content-Security-Policy-Report-Only instead (to try a change on a live site first).
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],  # the inline SVG favicon
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}
if env.str("CSP_REPORT_URI", default=""):
    _CSP_DIRECTIVES["report-uri"] = [env.str("CSP_REPORT_URI")]
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
# Browser features no page of ours uses, switched off (cases/headers.py sends the header).
PERMISSIONS_POLICY = {
    feature: []
    for feature in ("accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
                    "payment", "usb")
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
