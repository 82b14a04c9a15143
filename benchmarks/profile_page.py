#!/usr/bin/env python
"""Where one page's time goes, on the benchmark database: `make profile PAGE=my_cases` (any name of
`make bench`'s pages). Serves the page N times through Django's full handler in this process (the bench
settings, logged in as the bench's rep or supervisor), then prints the queries of one request with their
times and cProfile's top functions over the N requests.

Usage: benchmarks/profile_page.py PAGE [-n N] [--sort tottime|cumulative] [--top K] [--callees NAME]"""
import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"

import django  # noqa: E402

django.setup()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--callees", default="", help="also print what functions matching this call")
    args = parser.parse_args()

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks import build
    from benchmarks.run import pages
    from cases.models import Case
    from cases.status_links import make_token

    meta = build.ensure_database(int(os.environ.get("BENCH_CASES") or 100_000), rebuild=False)
    token = make_token(Case.objects.get(reference=meta["long_case"]))
    found = {name: (path, who) for name, path, who in pages(meta, token)}
    if args.page not in found:
        parser.error(f"no page {args.page!r}; one of {', '.join(found)}")
    path, who = found[args.page]
    client = Client(HTTP_HOST="127.0.0.1")
    if who:
        client.force_login(get_user_model().objects.get(username=meta[who]))
    response = client.get(path)  # warm: templates, URL patterns, connection
    if response.status_code != 200:
        sys.exit(f"GET {path} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    print(f"{args.page}: GET {path}, {len(response.content):,} bytes, {len(queries.captured_queries)} queries")
    for query in queries.captured_queries:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:200]}")
    started = time.perf_counter()
    for _ in range(args.n):
        client.get(path)
    plain_ms = (time.perf_counter() - started) * 1000 / args.n
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.n):
        client.get(path)
    profiler.disable()
    print(f"\n{plain_ms:.1f} ms per request without the profiler (the test client's own cost included)\n")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.callees:
        stats.print_callees(args.callees)


if __name__ == "__main__":
    main()
