"""The bench's report: a table on stdout, and benchmarks/results/latest.json plus a dated copy.

latest.json: every page's name -> {rps, p50_ms, p99_ms, alone_ms, queries, bytes, floor_ratio, path}
(floor_ratio: the page's requests/s over the one-query floor's), the `floor` and `floor_rows` entries
alike, `sweeps` (the broken-promise drain among the big data set, and the sweep scaling figures of
benchmarks/scaling.py), `emails_per_s` and `outbox`, and `meta` (size, build, timings, settings)."""
import datetime as dt
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _num(value, fmt):
    return "-" if value is None else format(value, fmt)


def table(pages):
    """pages: name -> figures, in the order measured."""
    header = (f"{'page':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'alone ms':>10}{'queries':>9}"
              f"{'KB':>8}{'x floor':>9}{'errors':>8}")
    lines = [header, "-" * len(header)]
    for name, p in pages.items():
        lines.append(f"{name:<22}{_num(p.get('rps'), '.1f'):>8}{_num(p.get('p50_ms'), '.1f'):>9}"
                     f"{_num(p.get('p99_ms'), '.1f'):>9}{_num(p.get('alone_ms'), '.1f'):>10}"
                     f"{_num(p.get('queries'), 'd'):>9}{_num(p['bytes'] / 1024 if p.get('bytes') else None, '.1f'):>8}"
                     f"{_num(p.get('floor_ratio'), '.2f'):>9}{_num(p.get('errors'), 'd'):>8}")
    return "\n".join(lines)


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
