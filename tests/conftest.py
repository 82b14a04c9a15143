"""Test plumbing shared by every test: the browser Playwright launches, the artifacts folder and the
real Redis URL. Domain factories live in tests/factories.py, not here."""
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to run there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e/ is an e2e test, so `-m "not e2e"` works without decorating each."""
    e2e_dir = ROOT / "tests" / "e2e"
    for item in items:
        if e2e_dir in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """`playwright install` cannot download a browser here: use Debian's chromium."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def artifacts_dir():
    """test-artifacts/ (git-ignored) for screenshots and other files worth keeping after a run."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def redis_url():
    """The real Redis that `make test` starts (scripts/test-services.sh exports CELERY_BROKER_URL)."""
    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if not url or not url.startswith(("redis://", "rediss://")):
        pytest.fail("CELERY_BROKER_URL is not a redis:// URL: run the tests with `make test`.")
    return url


@pytest.fixture(autouse=True)
def _background_work_reported_healthy():
    """Supervisors' pages show a banner when the sweeps stop, from a 30 s cache (notifications/health.py).
    Every test starts with a healthy entry that does not expire, so a page's query count and content do
    not depend on what an earlier test cached; tests/notifications/test_health.py clears it."""
    from django.core.cache import cache
    from django.utils import timezone

    from notifications.health import BANNER_CACHE_KEY, SystemHealth

    healthy = SystemHealth(checked_at=timezone.now(), sweeps=(), failed_emails=0, oldest_due_email_seconds=None,
                           emails_waiting_on_server=0, ok=True, problems=())
    cache.set(BANNER_CACHE_KEY, healthy, timeout=None)
    yield
    cache.delete(BANNER_CACHE_KEY)


@pytest.fixture(scope="session", autouse=True)
def _test_database_dropped_at_the_end(django_db_setup, django_db_blocker):
    """pytest-django drops the test database when the session ends, and PostgreSQL refuses while another
    connection is open on it: a finished test's thread (config/settings/test.py names its connections
    "pytest") or a killed Celery worker PostgreSQL has not yet noticed. Those are ended first, so every
    run (each pytest-xdist worker has its own database) leaves no database behind."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()")
