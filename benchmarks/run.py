#!/usr/bin/env python
"""`make bench`: the app's speed at BENCH_CASES cases (default 100,000; 10,000 for a quick run), every
page against the framework's floors, measured in one run on one server.

1. builds the benchmark database, or reuses it when its recorded size, migrations and builder match
   (benchmarks/build.py; `make bench` keeps PostgreSQL's data in var/bench-pg/ between runs);
2. serves the app with gunicorn (2 sync workers, config.settings.bench) and logs in through the login
   form as a rep and as a supervisor (benchmarks/serve.py); a second gunicorn serves the same settings
   with plain Django's middleware stack (config.settings.bench_plain), logged in the same way;
3. for the floors and every page: requests/s, p50 and p99 under wrk -t2 -c4 -d10s, one request
   alone (median), bytes, and queries (benchmarks/load.py); `floor` (a trivial authenticated view on
   the project's middleware) against `floor_plain` (the same view on startproject's) gives
   `stack_ratio` (target >= 0.9); each page also gets the server's CPU ms per request (`cpu_ms`, the
   gunicorn workers' user + system time over the run: other load on the machine does not move it), and
   `stack_cpu_ratio` = floor_plain's cpu_ms over floor's;
4. background work among the same rows: 1,000 due promises through the broken-promise sweep, 2,000
   emails through the outbox to a local SMTP sink (benchmarks/background.py), then the sweep scaling
   figures in a throwaway test database (benchmarks/scaling.py, in its own process);
5. prints the table and writes benchmarks/results/latest.json and a dated copy (benchmarks/report.py).

Usage: benchmarks/run.py [--seconds N] [--rebuild] [--only NAME,...] [--skip-background] [--skip-scaling]
(BENCH_CASES=N sets the size, BENCH_REBUILD=1 forces a new database.)"""
import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from benchmarks import background, build, load, report  # noqa: E402
from benchmarks.serve import Gunicorn, alone, login  # noqa: E402


PLAIN_SETTINGS = "config.settings.bench_plain"
# Always measured (--only adds pages to these). floor and floor_plain, the same view on the project's
# middleware stack and on startproject's, are measured in alternating rounds (A B B A): a load that
# comes or goes on the machine during the run falls on both alike, and stack_ratio stays fair.
FLOORS = ("floor", "floor_plain", "floor_rows")
FLOOR_ROUNDS = ("floor", "floor_plain", "floor_plain", "floor")


def pages(meta, token):
    """(name, path, who) in the order measured; who: rep, supervisor, or None (no login)."""
    return [
        ("floor", "/bench/floor/", "rep"),
        ("floor_plain", "/bench/floor/", "rep"),  # served by the second server (config.settings.bench_plain)
        ("floor_rows", "/bench/floor-rows/", "rep"),
        ("my_cases", "/", "rep"),
        ("case_page", f"/cases/{meta['long_case']}/", "rep"),
        ("search", f"/search/?q={urllib.parse.quote(meta['search'])}", "rep"),  # wrk takes ASCII URLs only
        ("client_page", f"/clients/{meta['busy_client']}/", "rep"),
        ("all_cases", "/supervisor/cases/", "supervisor"),
        ("escalation_queue", "/supervisor/", "supervisor"),
        ("team_7d", "/supervisor/team/?days=7", "supervisor"),
        ("team_30d", "/supervisor/team/?days=30", "supervisor"),
        ("team_90d", "/supervisor/team/?days=90", "supervisor"),
        ("client_status", f"/status/{token}/", None),
    ]


def measure_pages(meta, seconds, only):
    from cases.models import Case
    from cases.status_links import make_token

    wrk = load.ensure_wrk()
    token = make_token(Case.objects.get(reference=meta["long_case"]))
    plain_middleware = importlib.import_module(PLAIN_SETTINGS).MIDDLEWARE
    logs = Path(tempfile.gettempdir())
    results = {}
    with Gunicorn(logs / "casetracker-bench-gunicorn.log") as server, \
            Gunicorn(logs / "casetracker-bench-gunicorn-plain.log", settings=PLAIN_SETTINGS) as plain:
        logins = {who: login(server.port, meta[who], meta["password"]) for who in ("rep", "supervisor")}
        logins[None] = ("", "")
        plain_login = login(plain.port, meta["rep"], meta["password"])  # the same form, on its own server
        todo = [(name, path, who) for name, path, who in pages(meta, token) if name in FLOORS or name in only
                or not only]
        targets = {name: (plain.port, *plain_login, plain_middleware) if name == "floor_plain"
                   else (server.port, *logins[who], None) for name, _, who in todo}
        paths = {name: path for name, path, _ in todo}
        rounds = {name: [] for name in paths}
        for name in [*FLOOR_ROUNDS, *(n for n in paths if n not in ("floor", "floor_plain"))]:
            port, cookie, _, _ = targets[name]
            serving = plain if name == "floor_plain" else server
            cpu_before = serving.cpu_seconds()
            figures = load.run_wrk(wrk, f"http://127.0.0.1:{port}{paths[name]}", cookie, seconds=seconds)
            cpu_after = serving.cpu_seconds()
            figures["cpu_ms"] = (round((cpu_after - cpu_before) * 1000 / figures["requests"], 3)
                                 if None not in (cpu_before, cpu_after) and figures["requests"] else None)
            rounds[name].append(figures)
            sys.stderr.write(f"[bench] {name:<18} {figures['rps']:8.1f} req/s  {figures['cpu_ms']} ms CPU\n")
        for name, path in paths.items():
            port, cookie, session, middleware = targets[name]
            alone_ms, size = alone(port, path, cookie)
            statements = load.page_queries(path, session, middleware)
            plan_ms, run_ms = load.database_ms(statements)
            results[name] = {"path": path, **report.combine_rounds(rounds[name]), "alone_ms": round(alone_ms, 1),
                             "bytes": size, "queries": len(statements), "db_plan_ms": plan_ms, "db_run_ms": run_ms}
    floor = results["floor_rows"]["rps"]
    for figures in results.values():
        figures["floor_ratio"] = round(figures["rps"] / floor, 3) if floor else None
        for key in ("p50_ms", "p99_ms"):
            figures[key] = round(figures[key], 1) if figures[key] is not None else None
    return results


def sweep_scaling():
    """benchmarks/scaling.py in its own process (test settings, a throwaway test database)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scaling.py"), "--json", out.name],
                       cwd=ROOT, env=env, check=True)
        return json.loads(Path(out.name).read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration per page (default 10)")
    parser.add_argument("--rebuild", action="store_true", help="build the database anew even if it matches")
    parser.add_argument("--only", default="", help="comma-separated page names (the floors are always measured; `none`: only they)")
    parser.add_argument("--skip-background", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: gunicorn is stopped on the way out

    started = time.monotonic()
    n_cases = int(os.environ.get("BENCH_CASES") or 100_000)
    meta = build.ensure_database(n_cases, rebuild=args.rebuild or os.environ.get("BENCH_REBUILD") == "1")
    how = "reused" if meta["reused"] else f"built in {meta['build_seconds']} s"
    sys.stderr.write(f"[bench] database {how}: {meta['cases']:,} cases ({meta['open_cases']:,} open), "
                     f"{meta['rows']['caseevent']:,} events\n")
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg_version = cur.fetchone()[0]
    results = {"meta": {
        "cases": meta["cases"], "open_cases": meta["open_cases"], "rows": meta["rows"], "reused": meta["reused"],
        "build_seconds": meta.get("build_seconds"), "built_at": meta["now"], "cpus": os.cpu_count(),
        "postgresql": pg_version, "server": "gunicorn, 2 sync workers, config.settings.bench",
        "load": f"wrk -t{load.THREADS} -c{load.CONNECTIONS} -d{args.seconds}s",
        "subjects": {k: meta[k] for k in ("rep", "supervisor", "long_case", "long_case_events", "busy_client",
                                          "busy_client_cases", "search")},
    }}
    results.update(measure_pages(meta, args.seconds, set(filter(None, args.only.split(",")))))
    results["stack_ratio"] = report.stack_ratio(results)
    results["stack_cpu_ratio"] = report.stack_cpu_ratio(results)
    results["sweeps"] = {}
    if not args.skip_background:
        from django.utils.dateparse import parse_datetime

        sys.stderr.write("[bench] background: 1,000 due promises through the sweep, 2,000 emails through the outbox\n")
        bg = background.measure(parse_datetime(meta["now"]))
        results["sweeps"]["broken_promises"] = bg["broken_promises"]
        results["outbox"] = bg["outbox"]
        results["emails_per_s"] = bg["outbox"]["emails_per_s"]
    connection.close()
    if not args.skip_scaling:
        sys.stderr.write("[bench] sweep scaling (benchmarks/scaling.py, a throwaway test database)\n")
        results["sweeps"]["scaling"] = sweep_scaling()
    results["meta"]["total_seconds"] = round(time.monotonic() - started, 1)

    page_rows = {k: v for k, v in results.items() if isinstance(v, dict) and "rps" in v}
    print(f"\nmake bench: {meta['cases']:,} cases ({meta['open_cases']:,} open), PostgreSQL {pg_version}, "
          f"{results['meta']['server']}, {results['meta']['load']}; "
          f"x floor = requests/s over the one-query floor's (floor_rows)\n")
    print(report.table(page_rows))
    for line in report.floor_lines(results):
        print(line)
    for line in report.background_lines(results):
        print(line)
    latest, dated = report.write(results)
    built = "" if meta["reused"] else f", of which the build {meta['build_seconds']} s"
    print(f"\nWritten: {latest.relative_to(ROOT)} and {dated.relative_to(ROOT)} "
          f"(whole run {results['meta']['total_seconds']} s{built})")


if __name__ == "__main__":
    main()
