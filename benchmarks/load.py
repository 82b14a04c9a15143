"""The load generator: wrk (Debian's package, installed with apt-get when missing and we are root), a
bounded run per page (-t2 -c4 -d10s by default), parsed into requests/s, p50 and p99; and the query
count of a page, from one request through Django's test client under CaptureQueriesContext, in this
process, against the same database, with the same session and middleware; and what those statements
cost PostgreSQL to plan and to run (EXPLAIN ANALYZE of each, rolled back)."""
import os
import re
import shutil
import subprocess
import sys

THREADS, CONNECTIONS = 2, 4
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ensure_wrk():
    """The wrk binary, installing Debian's `wrk` package when it is missing (as root, with apt-get,
    like scripts/ensure-system-packages.sh)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError("wrk is missing and cannot be installed here (not root or no apt-get): apt-get install wrk")
    sys.stderr.write("[bench] installing wrk (apt-get)\n")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    opts = ["-o", "DPkg::Lock::Timeout=900", "-o", "Acquire::Retries=3"]
    if subprocess.run(["apt-get", *opts, "install", "-y", "-q", "wrk"], env=env,
                      stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", *opts, "update", "-q"], env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(["apt-get", *opts, "install", "-y", "-q", "wrk"], env=env, stdout=subprocess.DEVNULL,
                       check=True)
    return shutil.which("wrk")


def _ms(value, unit):
    return float(value) * _UNITS[unit]


def parse(output):
    """wrk --latency's report -> {rps, p50_ms, p99_ms, requests, errors}."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    pct = {p: _ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\b", output, re.M)}
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50_ms": pct.get("50"), "p99_ms": pct.get("99"),
            "requests": int(total.group(1)) if total else 0,
            "errors": errors + (int(bad.group(1)) if bad else 0)}


def run_wrk(wrk, url, cookie, *, seconds=10, timeout=60):
    cmd = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", f"{timeout}s", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + timeout + 30)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}: {out.stderr.strip() or out.stdout.strip()}")
    return parse(out.stdout)


def page_queries(path, session_key, middleware=None):
    """The statements of one GET of `path` with the given session (after one warm-up request), as
    (sql, params) pairs; `middleware`: another MIDDLEWARE list to serve it through (the plain-Django
    floor's)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    with override_settings(**({"MIDDLEWARE": middleware} if middleware is not None else {})):
        client = Client(HTTP_HOST="127.0.0.1")
        if session_key:
            client.cookies["sessionid"] = session_key
        client.get(path)
        sent = []

        def record(execute, sql, params, many, context):
            sent.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"test client: GET {path} answered {response.status_code}")
    return sent


def database_ms(statements, runs=3):
    """What PostgreSQL spends on a page's statements: the sums of EXPLAIN ANALYZE's planning and execution
    times (the best of `runs` for each statement), in a transaction rolled back. Planning is paid on
    every request by the statements Django sends, and a subquery that is cheap to run can be dear to
    plan; the prepared reads (cases.frozen) are parsed once per connection and, when PostgreSQL keeps
    their generic plan, planned once too: the sum counts them as if they were not prepared."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        return None, None

    def explained(cursor, sql, params):
        with transaction.atomic():  # each run from the same rows: whatever it wrote is rolled back
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            found = cursor.fetchone()[0][0]
            transaction.set_rollback(True)
        return found["Planning Time"], found["Execution Time"]

    plan = run = 0.0
    with connection.cursor() as cursor:
        for sql, params in statements:
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                best = min((explained(cursor, sql, params) for _ in range(runs)), key=sum)
                plan, run = plan + best[0], run + best[1]
    return round(plan, 2), round(run, 2)
