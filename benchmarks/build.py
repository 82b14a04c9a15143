"""The benchmark database: BENCH_CASES cases (default 100,000) for 20 reps and 2 supervisors, built once
and reused while its recorded size, migrations and builder match (a `bench_meta` table in it).

`populate(n)` writes the rows into the database Django is connected to, in the caller's transaction:
it simulates a pool of cases (benchmarks/pool.py, the demo history's machinery), then streams copies of
them with COPY (psycopg 3), ids allocated here, one table at a time, with a text progress bar. Copy 0 of
the pool is the last DAYS days; the other copies fill the older history at the same density, so the
recent window looks the same at 10k and at 100k. The test suite calls it on its test database
(tests/test_bench.py); `ensure_database(n)` is what `make bench` calls: reuse, or drop, migrate, fill,
record, VACUUM ANALYZE."""
import datetime as dt
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from psycopg.copy import QueuedLibpqWriter

from cases.management.commands._demo import texts as tx
from cases.models import Case, Client, HeldStay, StaffProfile
from cases.roles import ensure_roles
from cases.services import held

from . import pool
from .pool import DATE, DT, FK, ID, JSON, MODELS, USER

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"
N_REPS, N_SUPERVISORS = 20, 2
STALL = dt.timedelta(hours=settings.STALLED_CASE_HOURS)


class Progress:
    """A plain-text progress bar on stderr (one line per 10% when stderr is not a terminal)."""

    def __init__(self, label, total):
        self.label, self.total, self.started, self.shown = label, max(total, 1), time.monotonic(), -1
        self.tty = sys.stderr.isatty()

    def __call__(self, done):
        pct = min(100, int(100 * done / self.total))
        if pct == self.shown or (not self.tty and pct % 10 and pct != 100):
            return
        self.shown = pct
        bar = "#" * (pct * 30 // 100)
        line = f"{self.label:<16}[{bar:<30}] {pct:3d}% {done:>10,} {time.monotonic() - self.started:6.1f} s"
        sys.stderr.write(("\r" + line + ("\n" if pct == 100 else "")) if self.tty else line + "\n")
        sys.stderr.flush()


def team():
    """The 20 reps (bench-rep-01..) and 2 supervisors (bench-sup-1, -2), one password for all."""
    ensure_roles()
    User = get_user_model()
    rep_group, sup_group = Group.objects.get(name="rep"), Group.objects.get(name="supervisor")
    password = make_password(PASSWORD)
    rng = random.Random("bench-team")

    def person(username, staff):
        return User.objects.create(username=username, first_name=rng.choice(tx.FIRST_NAMES),
                                   last_name=rng.choice(tx.LAST_NAMES), email=f"{username}@bench.example",
                                   password=password, is_staff=staff)

    supervisors = [person(f"bench-sup-{i + 1}", True) for i in range(N_SUPERVISORS)]
    reps = [person(f"bench-rep-{i + 1:02d}", False) for i in range(N_REPS)]
    for s in supervisors:
        s.groups.add(sup_group)
        StaffProfile.objects.create(user=s, time_zone="Europe/London")
    for i, r in enumerate(reps):
        r.groups.add(rep_group)
        StaffProfile.objects.create(user=r, supervisor=supervisors[i % N_SUPERVISORS])
    return reps, supervisors


def _next_id(model):
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")
        return cur.fetchone()[0]


def _copy(model, columns, rows, total, label):
    """COPY rows (an iterable of value lists) into the model's table."""
    progress = Progress(label, total)
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
        with cur.copy(sql, writer=QueuedLibpqWriter(cur)) as copy:
            n = 0
            for n, row in enumerate(rows, 1):
                copy.write_row(row)
                if n % 20000 == 0:
                    progress(n)
    progress(total)


def plan(templates, n_cases, seed):
    """(template index, copy number, shift) for every case, in the order of their opening."""
    p = len(templates)
    span_days = max(pool.DAYS + 14, round(n_cases * pool.DAYS / p))
    first_week, last_week = math.ceil((pool.DAYS + 7) / 7), max(math.ceil((pool.DAYS + 7) / 7), span_days // 7)
    rng = random.Random(f"{seed}:plan")
    out = []
    for j in range(n_cases):
        t, k = j % p, j // p
        shift = dt.timedelta(days=0 if k == 0 else 7 * rng.randint(first_week, last_week))
        out.append((templates[t].opened_at - shift, t, k, shift))
    out.sort(key=lambda row: (row[0], row[2], row[1]))
    return [row[1:] for row in out]


def populate(n_cases, *, now, seed=8, fast=False, pool_size=pool.POOL_MAX):
    """Write the team and n_cases cases. fast=True turns foreign-key triggers off for the load (a
    superuser session: the bench's own server); the tests keep them on, so the rows are checked.
    pool_size caps the cases simulated (the rest are copies). Returns a summary (counts, and the pages'
    subjects: a long case, its owner and their supervisor, a busy client, a search word)."""
    started = time.monotonic()
    reps, supervisors = team()
    n_pool = min(n_cases, pool_size)
    stories, clients = pool.simulate(n_pool, now=now, reps=reps, supervisors=supervisors, seed=seed,
                                     progress=Progress("simulate", n_pool))
    templates = pool.templates(stories, clients, now=now, connection=connection)
    del stories
    copies = math.ceil(n_cases / n_pool)
    client_rows = pool.client_variants(clients, copies, seed)
    order = plan(templates, n_cases, seed)
    if fast:
        with connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")

    # Ids: each case copy gets a run of ids in every table, in opening order.
    starts = {m: _next_id(m) for m in MODELS}
    client_start = _next_id(Client)
    bases, totals = [], dict.fromkeys(MODELS, 0)
    for t, _, _ in order:
        counts = templates[t].counts
        bases.append({m: starts[m] + totals[m] for m in MODELS})
        for m in MODELS:
            totals[m] += counts[m]
    n_clients = len(clients)
    rotations = [{r.pk: reps[(i + 2 * k) % N_REPS].pk for i, r in enumerate(reps)} for k in range(N_REPS // 2)]

    first_seen = {}
    for (t, k, shift) in order:
        key = k * n_clients + templates[t].client
        first_seen.setdefault(key, templates[t].opened_at - shift)
    client_fields = pool.copied_fields(Client)
    client_cols = [f.column for f in client_fields]

    def client_iter():
        for i, c in enumerate(client_rows):
            since = first_seen.get(i, now - dt.timedelta(days=30)) - dt.timedelta(days=30 + i * 7 % 400)
            values = {"id": client_start + i, "created_at": since, **c}
            yield [values.get(f.attname, f.get_default()) for f in client_fields]

    _copy(Client, client_cols, client_iter(), len(client_rows), "clients")

    case_fields = [f.attname for f in pool.copied_fields(Case)]
    pos = {name: case_fields.index(name) for name in ("reference", "search_text", "search_names",
                                                        "stalled_flagged_at", "step_entered_at")}

    def rows_of(model):
        for (t, k, shift), base in zip(order, bases):
            tpl = templates[t]
            users = rotations[k % len(rotations)]
            client_base = client_start + k * n_clients
            for values, patches in tpl.rows[model]:
                v = values.copy()
                for p, kind, arg in patches:
                    if kind == ID:
                        v[p] = base[model] + arg
                    elif kind == FK:
                        v[p] = client_base + arg[1] if arg[0] == "client" else base[arg[0]] + arg[1]
                    elif kind == USER:
                        v[p] = users.get(arg, arg)
                    elif kind == DT or kind == DATE:
                        if shift:
                            v[p] = arg - shift
                    elif kind == JSON:
                        v[p] = json.dumps({key: value if how is None else
                                           (users.get(value, value) if how == USER else base[value[0]] + value[1])
                                           for key, how, value in arg})
                if model is Case:
                    reference = v[pos["reference"]] = f"C-{v[0]:06d}"
                    v[pos["search_text"]], v[pos["search_names"]] = pool.search_columns(
                        reference, client_rows[k * n_clients + tpl.client], tpl.texts)
                    if shift and tpl.stall_fix:
                        v[pos["stalled_flagged_at"]] = min(now, v[pos["step_entered_at"]] + STALL)
                yield v

    for model in MODELS:
        cols = [f.column for f in pool.copied_fields(model)]
        _copy(model, cols, rows_of(model), totals[model], model._meta.model_name)
    held.mark_alone(HeldStay.objects.all())  # as every writer of held parts does (VACUUM follows)
    held.mark_held_again(HeldStay.objects.all())
    with connection.cursor() as cur:
        if fast:
            cur.execute("SET LOCAL session_replication_role = origin")
        for model in (Client, *MODELS):
            table = model._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")

    long_t = max((i for i, t in enumerate(templates) if t.open and t.step != "resolved"),
                 key=lambda i: templates[i].n_events)
    long_case = next(base[Case] for (t, k, _), base in zip(order, bases) if t == long_t and k == 0)
    per_client = {}
    for (t, k, _) in order:
        key = k * n_clients + templates[t].client
        per_client[key] = per_client.get(key, 0) + 1
    busy = max(per_client, key=per_client.get)
    owner = next(r for r in reps if r.pk == templates[long_t].owner)  # copy 0: no rotation
    return {
        "cases": n_cases, "pool": n_pool, "copies": copies, "now": now.isoformat(),
        "rows": {m._meta.model_name: totals[m] for m in MODELS} | {"client": len(client_rows)},
        "open_cases": sum(1 for t, _, _ in order if templates[t].open),
        "long_case": f"C-{long_case:06d}", "long_case_events": templates[long_t].n_events,
        "busy_client": client_start + busy, "busy_client_cases": per_client[busy],
        "search": client_rows[busy]["name"].split()[-1],
        "rep": owner.username, "supervisor": supervisors[reps.index(owner) % N_SUPERVISORS].username,
        "password": PASSWORD,
        "seconds": round(time.monotonic() - started, 1),
    }


# --- the reusable database -----------------------------------------------------------------------
def fingerprint():
    """What the database was built from: the migrations on disk and the builder's sources."""
    digest = hashlib.sha256()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        digest.update(repr(key).encode())
        digest.update(Path(sys.modules[loader.disk_migrations[key].__module__].__file__).read_bytes())
    builder = [ROOT / "benchmarks" / "build.py", ROOT / "benchmarks" / "pool.py",
               *sorted((ROOT / "cases" / "management" / "commands" / "_demo").glob("*.py"))]
    for path in builder:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _admin():
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
                           dbname="postgres", autocommit=True)


def read_meta():
    name = settings.DATABASES["default"]["NAME"]
    with _admin() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return None
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_meta')")
        if cur.fetchone()[0] is None:
            return None
        cur.execute("SELECT value FROM bench_meta WHERE key = 'build'")
        row = cur.fetchone()
    if not row:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]  # Django's psycopg loads jsonb as text


def ensure_database(n_cases, *, rebuild=False, seed=8):
    """The bench database with n_cases cases: reused when its record matches, else built anew.
    Returns its record (populate's summary plus `reused`)."""
    expected = {"cases": n_cases, "fingerprint": fingerprint(), "seed": seed}
    meta = None if rebuild else read_meta()
    if meta and all(meta.get(k) == v for k, v in expected.items()):
        return meta | {"reused": True}
    name = settings.DATABASES["default"]["NAME"]
    connection.close()
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    sys.stderr.write(f"[bench] building {name}: {n_cases:,} cases (migrate, simulate, copy)\n")
    call_command("migrate", verbosity=0, interactive=False)
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    with transaction.atomic():
        summary = populate(n_cases, now=now, seed=seed, fast=True)
        meta = {**summary, **expected}
        with connection.cursor() as cur:
            cur.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
            cur.execute("INSERT INTO bench_meta VALUES ('build', %s)", [json.dumps(meta)])
    vacuum_started = time.monotonic()
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    meta["vacuum_seconds"] = round(time.monotonic() - vacuum_started, 1)
    meta["build_seconds"] = round(time.monotonic() - started, 1)
    with connection.cursor() as cur:
        cur.execute("UPDATE bench_meta SET value = %s WHERE key = 'build'", [json.dumps(meta)])
    return meta | {"reused": False}
