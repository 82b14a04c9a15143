"""The benchmark's case pool: a few thousand cases simulated by the demo history's machinery
(cases/management/commands/_demo: every step, promises kept, broken, renegotiated and withdrawn,
escalations, handoffs, updates, ~50 timeline events a case), turned into row templates that
benchmarks/build.py copies as many times as BENCH_CASES needs.

A template is one simulated case's rows as plain column values, with "patches" where a copy differs:
its ids (allocated per copy), the users (the 20 reps are rotated by an even step, so each keeps a
supervisor), the client (each copy has its own client, a variant of the template's), and the times.
Copy 0 of each template is the recent past (the pool's DAYS window up to `now`); the other copies are
shifted back by whole weeks into the older history. Only the times at or before `now` move: a pending
promise, an open item's deadline or an estimate still ahead stays ahead, so an old open case reads as a
backlog case whose deadlines were moved, and the sweeps find nothing due that the simulation did not
already handle."""
import datetime as dt
import json
import random
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from cases.management.commands._demo import texts as tx
from cases.management.commands._demo.history import FORCE_STEPS, INTAKE, OPEN_MIX, Fate, World, _story, new_clients
from cases.management.commands._demo.ledger import RECORD_MODELS
from cases.models import ActionItem, Case, CaseEvent, Client, Concern, Escalation, EscalationNote, Handoff, Promise, StatusUpdate, Step
from cases.models import EscalationStatus, HandoffStatus, ItemStatus
from cases.search import case_texts, columns
from cases.workflow import STALL_WATCH_STEPS

MARK = "bench"
DAYS = 90  # the pool's window: copy 0 of every template lies in it
POOL_MAX = 4000  # templates simulated (fewer when BENCH_CASES is smaller)
OPEN_SHARE = 0.17  # fates found open now; with the cases still running at `now`, about a quarter are open
Watcher = Case.watchers.through
# Insertion order (foreign keys are deferred or off during the load, but parents first reads best).
MODELS = (Case, *RECORD_MODELS, Promise, Escalation, EscalationNote, CaseEvent, Watcher)

# Patch kinds: what a copy changes in a template row.
ID, FK, USER, DT, DATE, JSON = range(6)


class BenchWorld(World):
    """The demo's World with any number of reps: rep i works with the habits of demo rep i mod 6 and
    reports to supervisor i mod 2."""

    mark = MARK

    def __init__(self, *, seed, days, now, reps, supervisors):  # noqa: D107 - World's fields, set directly
        self.seed, self.days, self.now = seed, days, now
        self.start = now - dt.timedelta(days=days)
        self.reps, self.supervisors = list(reps), list(supervisors)
        self.profiles = {u.pk: tx.REPS[i % len(tx.REPS)] for i, u in enumerate(self.reps)}
        self._supervisor = {u.pk: self.supervisors[i % len(self.supervisors)] for i, u in enumerate(self.reps)}


@dataclass
class Template:
    rows: dict  # model -> [(values, patches)]
    counts: dict  # model -> number of rows
    client: int  # index into the pool's clients
    opened_at: dt.datetime
    step: str
    open: bool  # not settled: still has live work (an open case, or pending follow-up)
    stall_fix: bool  # an open case in a stall-watched step: a shifted copy is marked as already flagged
    texts: list = field(default_factory=list)  # the case's free texts, for the search columns
    n_events: int = 0
    owner: int = 0  # the owner's user id (before a copy's rotation)


def fates(rng, n):
    """n fates: OPEN_SHARE of them open, spread over the open steps by the demo's mix (each step at
    least once), the others closed (4% by a supervisor, 8% with loose ends, 5% reopened, as the demo)."""
    n_open = max(len(OPEN_MIX), round(n * OPEN_SHARE)) if n >= 2 * len(OPEN_MIX) else max(1, n // 4)
    steps = list(OPEN_MIX)
    weights = list(OPEN_MIX.values())
    chosen = steps[:n_open] + rng.choices(steps, weights=weights, k=max(0, n_open - len(steps)))
    out = [Fate(stop_in=step) for step in chosen]
    n_closed = n - len(out)
    n_force, n_loose, n_reopen = (max(1, round(n_closed * share)) for share in (0.04, 0.08, 0.05))
    for i in range(n_closed):
        out.append(Fate(force_in=rng.choice(FORCE_STEPS) if i < n_force else None,
                        loose_ends=n_force <= i < n_force + n_loose,
                        reopen=n_force + n_loose <= i < n_force + n_loose + n_reopen))
    rng.shuffle(out)
    return out


def simulate(n, *, now, reps, supervisors, seed=8, progress=None):
    """Run n stories; returns (stories, clients): unsaved rows, clients as unsaved Client objects."""
    world = BenchWorld(seed=seed, days=DAYS, now=now, reps=reps, supervisors=supervisors)
    rng = random.Random(seed)
    clients = new_clients(rng, max(12, n // 3))
    regulars = clients[:15]
    loads = [world.rep(u).load for u in world.reps]
    stories = []
    for i, fate in enumerate(fates(rng, n)):
        client = rng.choice(regulars) if rng.random() < 0.15 else rng.choice(clients)
        intake = rng.choices(list(INTAKE), weights=list(INTAKE.values()))[0]
        handoff = not fate.force_in and rng.random() < 0.12
        fate = Fate(stop_in=fate.stop_in, force_in=fate.force_in, loose_ends=fate.loose_ends, reopen=fate.reopen,
                    handoff=handoff)
        stories.append(_story(world, i, rng=rng, fate=fate, owner=rng.choices(world.reps, weights=loads)[0],
                              client=client, scenario=rng.choice(tx.SCENARIOS), intake=intake.value))
        if progress and (i + 1) % 200 == 0:
            progress(i + 1)
    return stories, clients


def _settled(story):
    return (story.step == Step.RESOLVED and not story.pending
            and all(i.status != ItemStatus.OPEN for i in story.rows[ActionItem])
            and all(e.status == EscalationStatus.RESOLVED for e in story.escalations)
            and all(h.status != HandoffStatus.REQUESTED for h in story.rows[Handoff]))


def _json_template(data, local):
    """A JSON column: a constant string, or (key, kind, arg) parts when it names other rows."""
    parts, refs = [], False
    for key, value in data.items():
        if isinstance(value, models.Model):
            refs = True
            parts.append((key, *_ref(value, local)))
        else:
            parts.append((key, None, value))
    return (JSON, parts) if refs else (None, json.dumps(data, cls=DjangoJSONEncoder))


def _ref(obj, local):
    if obj._meta.model_name == "user":
        return USER, obj.pk
    return FK, local[id(obj)]


def copied_fields(model):
    """The columns COPY writes: the stored ones, not those the database computes (GeneratedField)."""
    return [f for f in model._meta.concrete_fields if not f.generated]


def _row(model, inst, local, client_of, now, connection):
    values, patches = [], []
    for pos, f in enumerate(copied_fields(model)):
        if f.primary_key:
            values.append(None)
            patches.append((pos, ID, local[id(inst)][1]))
            continue
        if f.is_relation:
            obj = f.get_cached_value(inst, None) if f.is_cached(inst) else None
            if isinstance(obj, Client):
                values.append(None)
                patches.append((pos, FK, ("client", client_of[id(obj)])))
            elif obj is not None:
                kind, arg = _ref(obj, local)
                values.append(None)
                patches.append((pos, kind, arg))
            else:
                pk = getattr(inst, f.attname)
                values.append(None)
                if pk is not None:  # a saved user set by id
                    patches.append((pos, USER, pk))
            continue
        value = getattr(inst, f.attname)
        if isinstance(f, models.DateTimeField) and value is None and (f.auto_now or f.auto_now_add):
            value = now
        if isinstance(f, models.JSONField):
            kind, arg = _json_template(value or {}, local)
            values.append(arg if kind is None else None)
            if kind is not None:
                patches.append((pos, kind, arg))
        elif isinstance(value, dt.datetime):
            values.append(value)
            if value <= now:
                patches.append((pos, DT, value))
        elif isinstance(value, dt.date):
            values.append(value)
            if value <= now.date():
                patches.append((pos, DATE, value))
        else:
            values.append(f.get_db_prep_save(value, connection))
    return values, patches


def templates(stories, clients, *, now, connection):
    """One Template per story."""
    client_of = {id(c): i for i, c in enumerate(clients)}
    out = []
    for s in stories:
        rows_by_model = {Case: [s.case], **{m: s.rows[m] for m in RECORD_MODELS}, Promise: s.promises,
                         Escalation: s.escalations, EscalationNote: s.notes, CaseEvent: s.events}
        rows_by_model[Watcher] = [Watcher(case=s.case, user=u) for u in sorted(s.watchers, key=lambda u: u.pk)]
        local = {id(obj): (model, i) for model, objs in rows_by_model.items() for i, obj in enumerate(objs)}
        rows = {model: [_row(model, obj, local, client_of, now, connection) for obj in objs]
                for model, objs in rows_by_model.items()}
        concerns = s.rows[Concern]
        updates = s.rows[StatusUpdate]
        texts = case_texts(s.case, concerns, updates)
        out.append(Template(rows=rows, counts={m: len(r) for m, r in rows.items()}, client=client_of[id(s.client)],
                            opened_at=s.case.opened_at, step=s.step, open=not _settled(s),
                            stall_fix=s.step in STALL_WATCH_STEPS and s.case.stalled_flagged_at is None,
                            texts=texts, n_events=len(s.events), owner=s.owner.pk))
    return out


def client_variants(clients, copies, seed):
    """copies x len(clients) client rows (dicts): copy 0 is the pool's own, the others variants of it
    (another name, same place and time zone, so the schedule the story followed still holds)."""
    rng = random.Random(f"{seed}:clients")
    out = []
    for k in range(copies):
        for c in clients:
            if k == 0:
                out.append({"name": c.name, "organisation": c.organisation, "email": c.email, "phone": c.phone,
                            "time_zone": c.time_zone})
                continue
            first, last = rng.choice(tx.FIRST_NAMES), rng.choice(tx.LAST_NAMES)
            local, _, domain = c.email.partition("@")
            out.append({"name": f"{first} {last}", "organisation": f"{last} {c.organisation.split(' ', 1)[-1]}",
                        "email": f"{local}.{k}@{domain}", "phone": f"{c.phone[:-3]}{rng.randint(100, 999)}",
                        "time_zone": c.time_zone})
    return out


def search_columns(reference, client, texts):
    class _C:  # columns() reads these four attributes
        name, organisation, email, phone = client["name"], client["organisation"], client["email"], client["phone"]

    return columns(reference=reference, client=_C, texts=texts)
