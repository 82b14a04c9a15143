"""Real processes for the integration tests: a Celery worker (`celery -A config worker`) on the test
database and the Redis under test, and a throwaway redis-server the test may stop and start again.
Everything binds to 127.0.0.1. Each worker consumes its own queue, so tests never see each other's
messages."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.db import connection

from tests.notifications.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    """The test database pytest-django created (test_<name>), as a URL for another process."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def other_backends():
    """Connections to the test database from other processes (a killed worker's, until PostgreSQL has
    noticed and rolled its transaction back); the suite's own connections (config/settings/test.py names
    them "pytest") never count, even one a finished test's thread left open."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                    "AND application_name <> 'pytest'")  # a thread of the suite itself is no worker
        return cur.fetchone()[0]


def wait_until(predicate, timeout=30, interval=0.05, what="condition"):
    """Poll for something another process does (never used to wait for time-based logic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Worker:
    def __init__(self, *, broker_url, queue, log_dir, smtp_port=None, concurrency=1, name="w1"):
        self.broker_url, self.queue, self.name = broker_url, queue, name
        self.smtp_port, self.concurrency = smtp_port, concurrency
        self.log_path = Path(log_dir) / f"worker-{name}-{uuid.uuid4().hex[:6]}.log"
        self.proc = None

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port or 9),
            "EMAIL_TIMEOUT": "5",
            "CASETRACKER_VAR_DIR": str(self.log_path.parent),
            "LOG_LEVEL": "INFO",
        })
        return env

    def start(self, timeout=30):
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", self.queue, "-n",
             f"{self.name}-{uuid.uuid4().hex[:6]}@127.0.0.1", "-c", str(self.concurrency), "--pool", "prefork",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        return self

    def wait_ready(self, timeout=30):
        wait_until(lambda: b" ready." in self.log() or self.proc.poll() is not None, timeout=timeout,
                   what=f"worker {self.name} to start")
        if self.proc.poll() is not None:
            raise AssertionError(f"worker {self.name} exited:\n{self.log().decode(errors='replace')[-3000:]}")
        return self

    def log(self):
        return self.log_path.read_bytes() if self.log_path.exists() else b""

    def count(self, text):
        return self.log().count(text.encode())

    def finished(self, task):
        """How many runs of `task` (a task name) this worker finished."""
        return sum(1 for line in self.log().splitlines()
                   if f"Task {task}[".encode() in line and b"] succeeded in" in line)

    def received(self, task):
        return sum(1 for line in self.log().splitlines() if f"Task {task}[".encode() in line and b"received" in line)

    def kill(self):
        """SIGKILL the whole worker (main process and pool children): no cleanup, no goodbye."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class RedisServer:
    """A redis-server of the test's own, on a fixed port, that can go down and come back."""

    def __init__(self, workdir):
        self.port = free_port()
        self.workdir = str(workdir)
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)

        def pong():
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                return False

        wait_until(pong, timeout=10, what="redis-server to answer")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
