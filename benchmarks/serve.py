"""Serving the bench: gunicorn (2 sync workers, config.settings.bench: DEBUG off, persistent database
connections, 127.0.0.1 only; config.settings.bench_plain for the plain-Django floor), and a small HTTP client that logs in through the real login form and
times single requests."""
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`with Gunicorn(log) as server:` serves the app on server.port and stops it (and its workers) after.
    `settings`: the settings module (config.settings.bench_plain for the plain-Django floor)."""

    def __init__(self, log_path, settings="config.settings.bench"):
        self.port = free_port()
        self.log_path = Path(log_path)
        self.settings = settings
        self.proc = None

    def __enter__(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": self.settings}
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(WORKERS), "--worker-class", "sync",
             "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            try:
                status, _, _ = request(self.port, "/login/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def cpu_seconds(self):
        """User + system CPU seconds the workers have used so far (Linux's /proc; None elsewhere): what
        a request costs the server, whatever else the machine is doing meanwhile."""
        total, tick = 0, os.sysconf("SC_CLK_TCK")
        try:
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rpartition(")")[2].split()
                except OSError:
                    continue  # a process that ended meanwhile
                if int(fields[1]) == self.proc.pid:  # ppid: a worker of this master
                    total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            return None
        return total / tick

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: the master and its workers
                self.proc.wait(5)
        self.log.close()
        return False


def request(port, path, *, cookie="", method="GET", body=None, headers=None, conn=None):
    """(status, headers, body bytes) of one request."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        hdrs = {"Host": "127.0.0.1", **({"Cookie": cookie} if cookie else {}), **(headers or {})}
        conn.request(method, path, body=body, headers=hdrs)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        if own:
            conn.close()


def _cookies(headers):
    out = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def login(port, username, password):
    """Log in through /login/ as a browser would (GET the form, POST it with its CSRF token); returns
    the Cookie header value (csrftoken and sessionid) and the session key."""
    status, headers, body = request(port, "/login/")
    if status != 200:
        raise RuntimeError(f"GET /login/ answered {status}")
    cookies = _cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not token or "csrftoken" not in cookies:
        raise RuntimeError("the login form carries no CSRF token")
    form = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token.group(1).decode()})
    status, headers, _ = request(port, "/login/", method="POST", body=form,
                                 cookie=f"csrftoken={cookies['csrftoken']}",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    cookies |= _cookies(headers)
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"logging in as {username} failed (status {status})")
    return f"csrftoken={cookies['csrftoken']}; sessionid={cookies['sessionid']}", cookies["sessionid"]


def alone(port, path, cookie, runs=5):
    """One request at a time on a kept-alive connection: (median ms, bytes). Fails unless 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    times, size = [], 0
    try:
        for i in range(runs + 1):
            started = time.perf_counter()
            status, _, body = request(port, path, cookie=cookie, conn=conn)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}, not 200")
            size = len(body)
            if i:  # the first one warms the worker
                times.append(elapsed)
            if elapsed > 2 and len(times) >= 2:
                break  # a slow page: two timed runs are enough
    finally:
        conn.close()
    return statistics.median(times) * 1000, size
