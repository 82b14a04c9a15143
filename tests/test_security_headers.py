"""Every page we serve satisfies the Content-Security-Policy it is sent with: no inline <script>, <style>,
style="" or on*= handler in the HTML (parsed, page by page, for a rep, a supervisor and the client), and
the policy, Permissions-Policy and the other headers are on each response (config/settings/security.py,
cases/headers.py)."""
import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from cases import services
from cases.models import EscalationReason, Step
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

EXPECTED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


class InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block, and where scripts and styles come from."""

    def __init__(self):
        super().__init__()
        self.found, self.assets = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if not attrs.get("src"):
                self.found.append("inline <script>")
            else:
                self.assets.append(attrs["src"])
        if tag == "style":
            self.found.append("<style> element")
        if tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.assets.append(attrs.get("href") or "")
        for name, value in attrs.items():
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            if name.startswith("on") or name.startswith("hx-on"):
                self.found.append(f"{name}= handler on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL on <{tag}>")

    handle_startendtag = handle_starttag


def inline_code(html):
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder


def policy_of(response):
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def assert_safe_page(response, label):
    assert response.status_code in (200, 400, 403, 404, 422, 429), (label, response.status_code)
    finder = inline_code(response.content.decode())
    assert finder.found == [], label
    assert all(asset.startswith("/static/") for asset in finder.assets), (label, finder.assets)
    policy = policy_of(response)
    assert {key: policy.get(key) for key in EXPECTED_DIRECTIVES} == EXPECTED_DIRECTIVES, label
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"], label
    assert "camera=()" in response.headers["Permissions-Policy"], label
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), label
    assert response.headers["X-Content-Type-Options"] == "nosniff", label
    assert response.headers["X-Frame-Options"] == "DENY", label


@pytest.fixture
def team(db):
    supervisor = SupervisorFactory()
    rep = StaffProfileFactory(supervisor=supervisor).user
    dennis = ClientFactory(name="Dennis", time_zone="Europe/London")
    cases = {step: advance_to(open_case(rep, dennis), step, rep)
             for step in (Step.IDENTIFY, Step.GATHER, Step.PLAN, Step.MANAGE_ANXIETY, Step.DELIVER, Step.RESOLVED)}
    escalation = services.escalation_raise(user=rep, case=cases[Step.PLAN], reason=EscalationReason.NO_PLAN,
                                           note="The host will not say when the server is back")
    return {"rep": rep, "supervisor": supervisor, "client": dennis, "cases": cases, "escalation": escalation}


HTMX = {"HX-Request": "true"}


@pytest.mark.django_db
def test_every_page_a_rep_opens_has_the_policy_and_no_inline_code(client, team):
    client.force_login(team["rep"])
    pages = [reverse("cases:my_cases"), reverse("cases:case_new"), reverse("cases:search") + "?q=Dennis",
             reverse("cases:client_detail", args=[team["client"].pk])]
    pages += [reverse("cases:case_detail", args=[case.reference]) for case in team["cases"].values()]

    for url in pages:
        assert_safe_page(client.get(url), url)


@pytest.mark.django_db
def test_the_htmx_partials_have_no_inline_code_either(client, team):
    client.force_login(team["rep"])
    partials = [
        reverse("cases:search") + "?q=Dennis",
        reverse("cases:my_cases") + "?q=Dennis",
        reverse("cases:client_history", args=[team["client"].pk]),
        reverse("cases:time_zone_options"),
    ]

    for url in partials:
        assert_safe_page(client.get(url, headers=HTMX), url)


@pytest.mark.django_db
def test_every_page_a_supervisor_opens_has_the_policy_and_no_inline_code(client, team):
    client.force_login(team["supervisor"])
    planned = team["cases"][Step.PLAN]
    pages = [
        reverse("supervisor:queue"), reverse("supervisor:dashboard"), reverse("supervisor:all_cases"),
        reverse("supervisor:case_escalations", args=[planned.reference]),
        reverse("supervisor:status_link", args=[planned.reference]),
        reverse("cases:case_detail", args=[planned.reference]),
    ]

    for url in pages:
        assert_safe_page(client.get(url), url)


@pytest.mark.django_db
def test_the_clients_status_pages_have_the_policy_and_no_inline_code(client, team):
    client.force_login(team["rep"])
    link = client.post(reverse("supervisor:status_link", args=[team["cases"][Step.PLAN].reference]))
    status_url = link.context["link_url"].removeprefix("http://testserver")
    client.logout()

    assert_safe_page(client.get(status_url), "status page")
    assert_safe_page(client.get("/status/not-a-real-token/"), "invalid status link")


@pytest.mark.django_db
def test_the_login_and_error_pages_have_the_policy_and_no_inline_code(client, team):
    assert_safe_page(client.get(reverse("login")), "login")
    assert_safe_page(client.get("/no-such-page/"), "404")
    assert_safe_page(client.get("/?q=a%00b"), "400")
    client.force_login(team["rep"])
    assert_safe_page(client.get(reverse("supervisor:queue")), "403")


@pytest.mark.django_db
def test_the_lockout_page_has_the_policy_and_no_inline_code(client, team):
    for _ in range(5):
        response = client.post(reverse("login"), {"username": team["rep"].username, "password": "wrong"})

    assert response.status_code == 429
    assert_safe_page(response, "lockout")


def test_the_finder_catches_each_kind_of_inline_code():
    html = ('<script>alert(1)</script><style>p{}</style><p style="color:red" onclick="x()">'
            '<a href="javascript:x()">x</a><div hx-on:click="x()"></div><script src="/static/js/app.js"></script>')

    assert len(inline_code(html).found) == 6


# --- production behind a TLS proxy ---------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json
import django
django.setup()
from django.test import Client
c = Client(HTTP_HOST="cases.example.com")
plain = c.get("/")
tls = c.get("/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="198.51.100.7")
print(json.dumps({"plain": [plain.status_code, plain.headers.get("Location")],
                  "tls": [tls.status_code, tls.headers.get("Location")],
                  "hsts": tls.headers.get("Strict-Transport-Security"),
                  "csp": tls.headers.get("Content-Security-Policy")}))
"""


def production_env(tmp_path, **extra):
    """What a real deployment behind one TLS-terminating proxy sets (README, Security and deployment)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CSP_", "AXES_"))
           and k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production", CASETRACKER_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="cases.example.com",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://cases.example.com", SITE_URL="https://cases.example.com",
        DEFAULT_FROM_EMAIL="Case tracker <cases@example.com>", MAILIN_DOMAIN="reply.cases.example.com",
        DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", DJANGO_TRUSTED_PROXY_COUNT="1",
        DJANGO_SECURE_HSTS_PRELOAD="true",
        DATABASE_URL="postgres://cases:pw@db.internal:5432/cases", CELERY_BROKER_URL="redis://redis.internal:6379/0",
        **extra,
    )
    return env


def test_check_deploy_under_production_settings_finds_nothing(tmp_path):
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                         cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True)

    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_behind_the_tls_proxy_http_redirects_to_https_and_https_gets_hsts(tmp_path):
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=production_env(tmp_path),
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]

    probe = json.loads(out.stdout.strip().splitlines()[-1])

    assert probe["plain"] == [301, "https://cases.example.com/"]
    assert probe["tls"][0] == 302 and probe["tls"][1].startswith("/login/")
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in probe["csp"]


def test_production_cookies_are_secure_and_http_only(tmp_path):
    script = ("import json; from config.settings import production as p; print(json.dumps([p.SESSION_COOKIE_SECURE, "
              "p.CSRF_COOKIE_SECURE, p.SESSION_COOKIE_HTTPONLY, p.SECURE_PROXY_SSL_HEADER]))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=production_env(tmp_path),
                         capture_output=True, text=True)

    assert json.loads(out.stdout) == [True, True, True, ["HTTP_X_FORWARDED_PROTO", "https"]], out.stderr[-1500:]


def test_a_report_only_policy_can_be_chosen_to_try_a_change_first(tmp_path):
    script = ("import json; from config.settings import base as b; print(json.dumps([b.CONTENT_SECURITY_POLICY, "
              "sorted(b.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES'])]))")
    env = {**production_env(tmp_path, CSP_REPORT_ONLY="true"), "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)

    enforced, report_only = json.loads(out.stdout)
    assert enforced is None and "script-src" in report_only


INLINE_IN_SOURCE = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>|<style[\s>]|\sstyle\s*=|\son[a-z]+\s*=\s*[\"']|\shx-on[:-]|javascript:", re.I
)


def test_no_page_template_carries_inline_script_or_style():
    """Every template a browser renders as a page or a partial (emails are not pages: mail clients need
    their inline styles), including ones no test above opens."""
    templates = ROOT / "templates"
    offenders = [
        f"{path.relative_to(templates)}: {match.group(0).strip()}"
        for path in sorted(templates.rglob("*.html")) if "emails" not in path.relative_to(templates).parts
        for match in INLINE_IN_SOURCE.finditer(path.read_text())
    ]

    assert offenders == []


@pytest.mark.django_db
def test_a_form_posted_without_its_csrf_token_gets_our_page_not_django_s_inline_styled_one(team):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(team["rep"])
    case = team["cases"][Step.IDENTIFY]

    response = strict.post(reverse("cases:case_detail", args=[case.reference]), {"action": "x"})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()
    assert_safe_page(response, "403 csrf")


def test_a_session_lasts_twelve_hours_unless_the_deployment_says_otherwise():
    from config.settings import security

    assert security.SESSION_COOKIE_AGE == 12 * 60 * 60


@pytest.mark.django_db
def test_a_rep_who_comes_back_after_the_session_lifetime_signs_in_again(client, team, settings):
    import datetime as dt

    import time_machine

    settings.SESSION_COOKIE_AGE = 12 * 60 * 60
    client.force_login(team["rep"])
    assert client.get(reverse("cases:my_cases")).status_code == 200

    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=13), tick=False):
        response = client.get(reverse("cases:my_cases"))

    assert response.status_code == 302 and reverse("login") in response["Location"]
