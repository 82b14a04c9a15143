#!/usr/bin/env python
"""Sweep scaling (part of `make bench`, run by benchmarks/run.py in its own process): a sweep's cost grows with the rows that are due, not with the open
cases. For every sweep it times one run with 10 due rows among 100 open cases that have nothing due,
then among 5,000 such cases, then 100 due rows among the 5,000, and prints the ratios measured in this
one run, the query counts, and the plan of the query that picks the candidates.

It works in a throwaway test database (Django's test-database machinery: test_<name>, dropped at the
end), never in the database DATABASE_URL names. Each timed run is rolled back, so every repetition
sees the same rows. Usage: benchmarks/scaling.py [--repeat N] [--json PATH] (PATH gets the figures)."""
import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext, setup_databases, setup_test_environment, teardown_databases,
)

NOW = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.timezone.utc)  # a Tuesday, in business hours


def people():
    from cases.models import Client, StaffProfile
    from cases.roles import ensure_roles
    from django.contrib.auth import get_user_model

    rep_group, supervisor_group = ensure_roles()
    User = get_user_model()
    boss = User.objects.create(username="bench-boss", email="boss@example.com")
    boss.groups.add(supervisor_group)
    rep = User.objects.create(username="bench-rep", email="rep@example.com")
    rep.groups.add(rep_group)
    StaffProfile.objects.create(user=rep, supervisor=boss)
    return rep, Client.objects.create(name="Bench Client", time_zone="UTC")


def run_once(fn):
    connection.queries_log.clear()  # the capture reads a bounded log; seeding filled it
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        with transaction.atomic():
            done = fn(NOW)
            transaction.set_rollback(True)
        elapsed = time.perf_counter() - started
    return done, elapsed, ctx.captured_queries


def candidate_plan(queries):
    """The plan of the first SELECT a sweep runs: the one that picks due rows."""
    sql = next(q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT"))
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql)
        lines = [row[0].strip() for row in cur.fetchall()]
    return next((line for line in lines if "Index" in line or "Seq Scan" in line), lines[0])


def measure(repeat):
    from notifications import sweeps

    results = {}
    from notifications.registry import BY_NAME

    for name, fn in sweeps.SWEEPS.items():
        if not BY_NAME[name].due_rows:  # reads a mailbox, not due rows (none is configured here)
            continue
        run_once(fn)  # warm up (templates, query plans)
        runs = [run_once(fn) for _ in range(repeat)]
        done = {r[0] for r in runs}
        results[name] = {
            "done": done.pop() if len(done) == 1 else done,
            "ms": statistics.median(r[1] for r in runs) * 1000,
            "queries": len(runs[0][2]),
            "plan": candidate_plan(runs[0][2]),
        }
    return results


def analyze():
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per sweep and scenario (median)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    from benchmarks.seed import seed_due, seed_not_due

    setup_test_environment()  # locmem email backend: the outbox sweep "sends" without a server
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        rep, client = people()
        seed_due(10, now=NOW, owner=rep, client=client)
        seed_not_due(100, now=NOW, owner=rep, client=client)
        analyze()
        small = measure(args.repeat)
        seed_not_due(4900, now=NOW, owner=rep, client=client)
        analyze()
        large = measure(args.repeat)
        seed_due(90, now=NOW, owner=rep, client=client)
        analyze()
        busy = measure(args.repeat)
    finally:
        teardown_databases(old_config, verbosity=0)

    print(f"Sweep cost, median of {args.repeat} runs (ms) and queries per run, all measured in this run.")
    print("A: 10 due among 100 open cases   B: 10 due among 5,000   C: 100 due among 5,000\n")
    header = f"{'sweep':<18}{'A ms':>8}{'B ms':>8}{'C ms':>8}{'B/A':>7}{'C/B':>7}{'A q':>6}{'B q':>6}{'C q':>6}"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name in small:
        a, b, c = small[name], large[name], busy[name]
        worst = max(worst, b["ms"] / a["ms"])
        print(f"{name:<18}{a['ms']:>8.1f}{b['ms']:>8.1f}{c['ms']:>8.1f}{b['ms'] / a['ms']:>7.2f}"
              f"{c['ms'] / b['ms']:>7.2f}{a['queries']:>6}{b['queries']:>6}{c['queries']:>6}")
    print("\nRows acted on per run (A/B/C): " + ", ".join(
        f"{n} {small[n]['done']}/{large[n]['done']}/{busy[n]['done']}" for n in small))
    print("\nHow each sweep finds its rows with 5,000 open cases (first plan node of the candidate query):")
    for name in large:
        print(f"  {name:<18}{large[name]['plan']}")
    print(f"\n50x more open cases (A -> B) cost at most {worst:.2f}x; 10x more due rows (B -> C) cost "
          f"{min(busy[n]['ms'] / large[n]['ms'] for n in busy):.1f}x-{max(busy[n]['ms'] / large[n]['ms'] for n in busy):.1f}x.")
    if args.json:
        figures = {name: {"a_ms": round(small[name]["ms"], 1), "b_ms": round(large[name]["ms"], 1),
                          "c_ms": round(busy[name]["ms"], 1), "a_queries": small[name]["queries"],
                          "b_queries": large[name]["queries"], "c_queries": busy[name]["queries"],
                          "done": [str(small[name]["done"]), str(large[name]["done"]), str(busy[name]["done"])],
                          "plan": large[name]["plan"]} for name in small}
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
