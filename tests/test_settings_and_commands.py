"""The embedded defaults behind `make run`, the test plumbing behind `make test`, and the supervisor
that lets one Ctrl-C stop web, worker and beat together."""
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = """
import json
from config.settings import base
print(json.dumps({
    "engine": base.DATABASES["default"]["ENGINE"],
    "name": str(base.DATABASES["default"]["NAME"]),
    "broker": base.CELERY_BROKER_URL,
    "transport": base.CELERY_BROKER_TRANSPORT_OPTIONS,
    "cache": base.CACHES["default"],
}))
"""


def load_base_settings(tmp_path, **extra_env):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(CASETRACKER_VAR_DIR=str(tmp_path / "var"), **extra_env)
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_without_urls_the_settings_use_sqlite_and_the_filesystem_broker_under_var(tmp_path):
    settings = load_base_settings(tmp_path)

    var = str(tmp_path / "var")
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"].startswith(var)
    assert settings["broker"].startswith("filesystem://")
    assert settings["transport"]["data_folder_in"] == settings["transport"]["data_folder_out"]
    assert settings["transport"]["data_folder_in"].startswith(var)
    assert settings["transport"]["processed_folder"].startswith(var)


def test_manage_py_on_a_fresh_clone_makes_the_embedded_folders_it_needs(tmp_path):
    """Found by an audit: `manage.py migrate` without `make run` first failed with "unable to open database
    file", the folder for the embedded database not made yet; a worker started by hand lacked the broker's."""
    var = tmp_path / "fresh" / "var"
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(CASETRACKER_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="config.settings.base")

    out = subprocess.run([sys.executable, "manage.py", "migrate", "--plan"], cwd=ROOT, env=env, capture_output=True,
                         text=True)

    assert out.returncode == 0, out.stderr[-1500:]
    assert (var / "casetracker.sqlite3").exists()
    assert all((var / "broker" / folder).is_dir() for folder in ("queue", "processed", "control"))


def test_with_urls_the_settings_use_postgresql_and_redis(tmp_path):
    settings = load_base_settings(
        tmp_path,
        DATABASE_URL="postgres://u@127.0.0.1:5999/x",
        CELERY_BROKER_URL="redis://127.0.0.1:6999/0",
    )

    assert settings["engine"] == "config.postgresql"  # Django's backend, psycopg's timestamp loader
    assert settings["broker"] == "redis://127.0.0.1:6999/0"
    assert "data_folder_in" not in settings["transport"]


def test_a_redis_cache_gives_up_within_its_socket_timeout(tmp_path):
    settings = load_base_settings(tmp_path, CACHE_URL="redis://127.0.0.1:6999/1", CACHE_SOCKET_TIMEOUT="0.5")

    assert settings["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert settings["cache"]["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


PRINT_PRODUCTION_TRANSPORT = """
import json
from config.settings import production
print(json.dumps(production.CELERY_BROKER_TRANSPORT_OPTIONS))
"""


def test_production_keeps_the_base_broker_socket_timeouts(tmp_path):
    out = load_production(tmp_path, PRINT_PRODUCTION_TRANSPORT, DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert out.returncode == 0, out.stderr[-1500:]
    base = load_base_settings(tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5999/x",
                              CELERY_BROKER_URL="redis://127.0.0.1:6999/0")["transport"]

    transport = json.loads(out.stdout)

    assert transport["socket_connect_timeout"] == base["socket_connect_timeout"] == 3
    assert transport["socket_timeout"] == base["socket_timeout"] == 10
    assert transport["visibility_timeout"] == 3600


def test_the_test_run_uses_postgresql_and_redis():
    from django.conf import settings

    assert settings.DATABASES["default"]["ENGINE"] == "config.postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_redis_url_fixture_points_at_a_live_redis(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)

    assert client.ping() is True


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text()

    assert "make test" in script


def test_makefile_has_the_run_test_and_bench_targets():
    for target in ("run", "test", "bench"):
        out = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)

        assert out.returncode == 0, out.stderr


def test_one_sigint_stops_every_supervised_process_group(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    # The second process leaves a grandchild in its group, as runserver's reloader and Celery's pool do.
    proc = subprocess.Popen(
        [
            sys.executable, str(ROOT / "scripts" / "supervise.py"), "--grace", "5",
            "--proc", "one", "sleep 300",
            "--proc", "two", f"sh -c 'sleep 300 & echo $! > {pidfile}; wait'",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 10
    while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(pidfile.read_text())

    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=15)

    output = proc.stdout.read().decode()
    assert proc.returncode == 0, output
    assert "all processes stopped" in output
    assert process_gone(grandchild)


def process_gone(pid, timeout=5.0):
    """True once pid no longer runs (gone, or a zombie waiting for init to reap it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


READ_THEN_WRITE = """
import os, sys, time
import django
django.setup()
from django.db import connection, transaction
if sys.argv[1] == "create":
    with connection.cursor() as c:
        c.execute("CREATE TABLE t (n integer)")
else:
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT count(*) FROM t")
        time.sleep(0.5)  # hold the transaction open so the two processes overlap
        c.execute("INSERT INTO t VALUES (1)")
print("ok")
"""


def test_embedded_sqlite_lets_two_processes_write_at_once_without_database_is_locked(tmp_path):
    """Web, worker and beat share the SQLite file under `make run`: a read-then-write transaction in
    one must wait for the other's, not fail with "database is locked"."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(CASETRACKER_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="config.settings.base")
    (tmp_path / "var").mkdir()
    cmd = [sys.executable, "-c", READ_THEN_WRITE]
    subprocess.run(cmd + ["create"], cwd=ROOT, env=env, check=True, capture_output=True)

    procs = [subprocess.Popen(cmd + ["write"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=60) for p in procs]

    assert [p.returncode for p in procs] == [0, 0], [err[-300:] for _, err in results]


# --- DEBUG is off unless `make run` asks for it ------------------------------------------------------
NOT_FOUND_PAGE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
response = Client().get("/no-such-page/", HTTP_HOST="localhost")
body = response.content.decode()
print(json.dumps({"debug": settings.DEBUG, "status": response.status_code,
                  "lists_urls": "URLconf" in body or "cases/<str:reference>/" in body}))
"""


def not_found_page(tmp_path, **extra_env):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_DEBUG"}}
    env.update(CASETRACKER_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="config.settings.base", **extra_env)
    out = subprocess.run([sys.executable, "-c", NOT_FOUND_PAGE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_base_settings_start_with_debug_off_and_a_plain_404_page(tmp_path):
    page = not_found_page(tmp_path)

    assert page == {"debug": False, "status": 404, "lists_urls": False}


def test_debug_is_on_only_when_asked_for(tmp_path):
    page = not_found_page(tmp_path, DJANGO_DEBUG="true")

    assert page["debug"] is True and page["lists_urls"] is True  # what make run shows a developer


def test_make_run_turns_debug_on_unless_told_otherwise():
    script = (ROOT / "scripts" / "run-dev.sh").read_text()

    assert "export DJANGO_DEBUG=${DJANGO_DEBUG:-true}" in script


def test_production_and_the_test_run_never_debug():
    from django.conf import settings

    production = (ROOT / "config" / "settings" / "production.py").read_text()

    assert settings.DEBUG is False
    assert "\nDEBUG = False\n" in production


# --- the production secret key -----------------------------------------------------------------------
LOAD_PRODUCTION = "import config.settings.production as p; print(len(p.SECRET_KEY))"


PRODUCTION_ADDRESSES = {"SITE_URL": "https://cases.acme.test", "DEFAULT_FROM_EMAIL": "Acme <cases@acme.test>",
                        "MAILIN_DOMAIN": "Reply.Acme.test"}


def load_production(tmp_path, program=LOAD_PRODUCTION, without=(), **extra_env):
    drop = {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY_FILE",
            "CLIENT_MAIL_FROM", *PRODUCTION_ADDRESSES}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(CASETRACKER_VAR_DIR=str(tmp_path / "var"), DATABASE_URL="postgres://u@127.0.0.1:5999/x",
               CELERY_BROKER_URL="redis://127.0.0.1:6999/0",
               **{k: v for k, v in PRODUCTION_ADDRESSES.items() if k not in without and k not in extra_env},
               **extra_env)
    return subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("name", sorted(PRODUCTION_ADDRESSES))
def test_production_refuses_to_start_without_the_addresses_clients_see(tmp_path, name):
    out = load_production(tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), without={name})

    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and f"Set the {name} environment variable" in out.stderr


@pytest.mark.parametrize("name,value,said", [
    ("SITE_URL", "", "Set the SITE_URL environment variable (it is empty)"),
    ("DEFAULT_FROM_EMAIL", "  ", "Set the DEFAULT_FROM_EMAIL environment variable (it is empty)"),
    ("MAILIN_DOMAIN", "", "Set the MAILIN_DOMAIN environment variable (it is empty)"),
    ("SITE_URL", "cases.acme.test", "SITE_URL must start with https://"),
])
def test_production_refuses_an_empty_address_or_a_site_url_that_is_no_web_address(tmp_path, name, value, said):
    """Found by a red team: an .env line "SITE_URL=" started production with relative links and an empty sender."""
    out = load_production(tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), **{name: value})

    assert out.returncode != 0 and said in out.stderr


PRINT_PRODUCTION_MAIL = """
import json
import config.settings.production as p
print(json.dumps([p.SITE_URL, p.DEFAULT_FROM_EMAIL, p.CLIENT_MAIL_FROM, p.MAILIN_DOMAIN,
                  p.DATABASES["default"]["CONN_HEALTH_CHECKS"]]))
"""


def test_production_uses_the_addresses_it_is_given_and_checks_kept_connections(tmp_path):
    out = load_production(tmp_path, PRINT_PRODUCTION_MAIL, DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
                          SITE_URL="https://cases.acme.test/")

    assert out.returncode == 0, out.stderr[-1500:]
    assert json.loads(out.stdout) == ["https://cases.acme.test", "Acme <cases@acme.test>", "Acme <cases@acme.test>",
                                      "reply.acme.test", True]


@pytest.mark.parametrize("key", [
    None,                                                     # not set at all
    "short-but-random-Xk2Lq9",                                # too short
    "dev-only-insecure-key-change-me" * 2,                    # the development default
    "compose-dev-secret-change-me-compose-dev-secret-change-me",  # the once-published compose default
    "x" * 64,                                                 # long but not random
    "django-insecure-" + "a1b2c3d4e5f6g7h8i9j0" * 3,          # startproject's placeholder
])
def test_production_refuses_to_start_without_a_strong_secret_key(tmp_path, key):
    out = load_production(tmp_path, **({} if key is None else {"DJANGO_SECRET_KEY": key}))

    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr and "DJANGO_SECRET_KEY" in out.stderr


@pytest.mark.parametrize("make_key", [
    lambda: __import__("secrets").token_urlsafe(50),
    lambda: __import__("secrets").token_hex(32),
    lambda: __import__("django.core.management.utils", fromlist=["x"]).get_random_secret_key(),
    lambda: "$" + __import__("secrets").token_urlsafe(50),  # django-environ would read "$..." as a reference
])
def test_production_starts_with_a_generated_key(tmp_path, make_key):
    key = make_key()

    out = load_production(tmp_path, DJANGO_SECRET_KEY=key)

    assert out.returncode == 0, out.stderr[-1500:]
    assert out.stdout.strip() == str(len(key))


def test_production_reads_the_key_from_the_key_file(tmp_path):
    key_file = tmp_path / "django_secret_key"
    key_file.write_text(secrets.token_urlsafe(50) + "\n")

    out = load_production(tmp_path, DJANGO_SECRET_KEY_FILE=str(key_file))

    assert out.returncode == 0, out.stderr[-1500:]


def test_production_refuses_a_key_file_that_is_missing(tmp_path):
    out = load_production(tmp_path, DJANGO_SECRET_KEY_FILE=str(tmp_path / "nothing-here"))

    assert out.returncode != 0 and "cannot be read" in out.stderr


# --- `make run`'s own database: migrate and the demo history on the embedded SQLite -------------------
SIGN_IN_AND_OPEN_PAGES = """
import django
django.setup()
from django.test import Client
client = Client()
signed_in = client.post("/login/", {"username": "sam", "password": "demo-pass-123"}, HTTP_HOST="localhost")
assert signed_in.status_code == 302
from cases.models import Case
case = Case.objects.order_by("pk").first()
for path in ("/", "/supervisor/", "/supervisor/team/?days=90", "/supervisor/cases/", "/search/?q=a", "/mail/",
             f"/cases/{case.reference}/", f"/clients/{case.client_id}/", f"/clients/{case.client_id}/?past=99"):
    response = client.get(path, HTTP_HOST="localhost")
    assert response.status_code == 200, (path, response.status_code)
print("ok")
"""


def test_the_demo_seeds_and_its_pages_open_on_the_embedded_sqlite(tmp_path):
    """What `make run` does first, on SQLite (the suite itself runs on PostgreSQL): migrate, seed a
    short demo history, sign in and open the main pages. SQLite-only failures (a compound query, an
    index option) show here, not on a new user's laptop."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"}}
    env.update(CASETRACKER_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="config.settings.base",
               DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="localhost")
    (tmp_path / "var" / "broker" / "queue").mkdir(parents=True)
    (tmp_path / "var" / "broker" / "processed").mkdir(parents=True)

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)

    for step in (manage("migrate", "--noinput", "-v0"), manage("seed_demo", "--history", "3")):
        assert step.returncode == 0, step.stderr[-2000:]
    opened = subprocess.run([sys.executable, "-c", SIGN_IN_AND_OPEN_PAGES], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert opened.returncode == 0 and "ok" in opened.stdout, opened.stderr[-2000:]
