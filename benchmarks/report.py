"""The bench's report: a table on stdout, and benchmarks/results/latest.json plus a dated copy.

latest.json: every page's name -> {rps, p50_ms, p99_ms, alone_ms, queries, bytes, floor_ratio, cpu_ms,
db_plan_ms, db_run_ms, path} (floor_ratio: the page's requests/s over the one-query floor's; cpu_ms: the
server's CPU per request; db_plan_ms and db_run_ms: PostgreSQL's planning and execution time for the
page's statements, EXPLAIN ANALYZE's sums), the `floor`, `floor_plain` and `floor_rows` entries alike (floor and floor_plain, measured in
alternating rounds, carry `rounds_rps`; their rps, p50, p99 and cpu_ms are the rounds' means);
`stack_ratio` (floor's requests/s over floor_plain's: the project's middleware stack against plain
Django's, target >= 0.9) and `stack_cpu_ratio` (floor_plain's cpu_ms over floor's: the same comparison,
unmoved by other load on the machine); `sweeps` (the broken-promise drain among the big data set, and
the sweep scaling figures of benchmarks/scaling.py), `emails_per_s` and `outbox`, and `meta` (size,
build, timings, settings)."""
import datetime as dt
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _num(value, fmt):
    return "-" if value is None else format(value, fmt)


def table(pages):
    """pages: name -> figures, in the order measured."""
    header = (f"{'page':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'alone ms':>10}{'queries':>9}"
              f"{'KB':>8}{'x floor':>9}{'errors':>8}{'cpu ms':>8}{'plan ms':>9}{'db ms':>7}")
    lines = [header, "-" * len(header)]
    for name, p in pages.items():
        lines.append(f"{name:<22}{_num(p.get('rps'), '.1f'):>8}{_num(p.get('p50_ms'), '.1f'):>9}"
                     f"{_num(p.get('p99_ms'), '.1f'):>9}{_num(p.get('alone_ms'), '.1f'):>10}"
                     f"{_num(p.get('queries'), 'd'):>9}{_num(p['bytes'] / 1024 if p.get('bytes') else None, '.1f'):>8}"
                     f"{_num(p.get('floor_ratio'), '.2f'):>9}{_num(p.get('errors'), 'd'):>8}"
                     f"{_num(p.get('cpu_ms'), '.2f'):>8}{_num(p.get('db_plan_ms'), '.1f'):>9}"
                     f"{_num(p.get('db_run_ms'), '.1f'):>7}")
    return "\n".join(lines)


def combine_rounds(rounds):
    """One page's figures from its wrk rounds: requests/s, p50 and p99 are the rounds' means, requests
    and errors their sums; `rounds_rps` keeps each round's requests/s."""
    if len(rounds) == 1:
        return rounds[0]

    def mean(key):
        return None if any(r[key] is None for r in rounds) else sum(r[key] for r in rounds) / len(rounds)

    cpu = mean("cpu_ms") if all("cpu_ms" in r for r in rounds) else None
    return {"rps": round(mean("rps"), 2), "p50_ms": mean("p50_ms"), "p99_ms": mean("p99_ms"),
            "requests": sum(r["requests"] for r in rounds), "errors": sum(r["errors"] for r in rounds),
            "cpu_ms": None if cpu is None else round(cpu, 3), "rounds_rps": [r["rps"] for r in rounds]}


def stack_ratio(results):
    """The project's middleware stack against plain Django's: floor's requests/s over floor_plain's."""
    floor, plain = (results.get(name, {}).get("rps") for name in ("floor", "floor_plain"))
    return round(floor / plain, 3) if floor and plain else None


def stack_cpu_ratio(results):
    """The same comparison in the server's CPU per request: floor_plain's cpu_ms over floor's."""
    floor, plain = (results.get(name, {}).get("cpu_ms") for name in ("floor", "floor_plain"))
    return round(plain / floor, 3) if floor and plain else None


def floor_lines(results):
    floor, plain, ratio = results.get("floor"), results.get("floor_plain"), results.get("stack_ratio")
    if not (floor and plain):
        return []
    verdict = "" if ratio is None else (" (target >= 0.9: met)" if ratio >= 0.9 else " (target >= 0.9: NOT met)")
    return [f"\nMiddleware stack: the trivial view at {floor['rps']:.1f} req/s on the project's stack, "
            f"{plain['rps']:.1f} req/s on plain Django's: stack_ratio {_num(ratio, '.3f')}{verdict}; "
            f"server CPU {_num(floor.get('cpu_ms'), '.2f')} ms against {_num(plain.get('cpu_ms'), '.2f')} ms "
            f"per request: stack_cpu_ratio {_num(results.get('stack_cpu_ratio'), '.3f')}"]


def background_lines(results):
    out = []
    bp = results.get("sweeps", {}).get("broken_promises")
    if bp:
        out.append(f"Broken-promise sweep: {bp['drained']:,} due promises drained in {bp['seconds']:.2f} s "
                   f"({bp['ms_per_item']:.1f} ms and {bp['queries_per_item']:.1f} statements per due promise)")
    ob = results.get("outbox")
    if ob:
        out.append(f"Outbox: {ob['sent']:,} emails to the local SMTP sink in {ob['seconds']:.2f} s: "
                   f"{results.get('emails_per_s')} emails/s ({ob['queries_per_email']} statements per email)")
    return out


def write(results, when=None):
    """Write latest.json and its dated copy; returns both paths."""
    when = when or dt.datetime.now()
    RESULTS.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2, default=str) + "\n"
    latest = RESULTS / "latest.json"
    dated = RESULTS / f"{when:%Y-%m-%d-%H%M%S}-{results['meta']['cases']}.json"
    latest.write_text(text)
    dated.write_text(text)
    return latest, dated
