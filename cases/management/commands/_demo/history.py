"""`seed_demo --history DAYS`: a realistic past for a team of six reps and two supervisors, so the team
page, the queue, search and the client pages show real patterns at first start.

About five cases a day over the window, each simulated by a `Story` (story.py) from its opening
to now: every step, promises kept, broken, renegotiated and withdrawn, escalations by every reason
(counted for the rep who owned the case then), handoffs, moods from intake to delivery, estimates that
land early, within or late, follow-up calls made and missed. A fixed set of cases is placed so that it
is found in each open step now; the others open at random moments of the window (business hours
mostly) and end wherever their story has reached.

Deterministic (random.Random(seed), one generator per case), fast (rows are built in memory and
inserted with bulk_create, never through the per-action services, which would refuse backdated work and
send email), and idempotent: every history case's "opened" event carries the MARK, and a database that
has one gets no second history."""
import datetime as dt
import random
from dataclasses import dataclass, replace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from cases.models import (
    Case, CaseEvent, Client, Escalation, EscalationNote, HeldStay, Mood, Promise, StaffProfile, Step,
)
from cases.roles import ensure_roles
from cases.search import fold, search_refresh
from cases.services import held

from . import texts as tx
from .ledger import RECORD_MODELS
from .story import Story

MARK = "demo-history"
CASES_PER_DAY = 5
BATCH = 500
# The cases placed to be found in each open step now (scaled down for a window shorter than 45 days).
OPEN_MIX = {Step.IDENTIFY: 2, Step.ACKNOWLEDGE: 1, Step.RECOMMIT: 1, Step.GATHER: 4, Step.PLAN: 4,
            Step.MANAGE_ANXIETY: 10, Step.DELIVER: 3}
INTAKE = {Mood.IRATE: 8, Mood.ANGRY: 17, Mood.UPSET: 28, Mood.ANXIOUS: 32, Mood.CALM: 15}
FORCE_STEPS = (Step.IDENTIFY, Step.GATHER, Step.PLAN, Step.MANAGE_ANXIETY)
PLACE_WEIGHTS = (6, 4, 2, 2, 2, 2, 1, 2, 1, 1)


@dataclass(frozen=True)
class Fate:
    stop_in: Step | None = None  # an open case, found in this step now
    force_in: Step | None = None  # a supervisor closes it from this step
    loose_ends: bool = False
    reopen: bool = False
    handoff: bool = False


class World:
    """The team, as the stories need it."""

    mark = MARK

    def __init__(self, *, seed, days, now, users):
        self.seed, self.days, self.now = seed, days, now
        self.start = now - dt.timedelta(days=days)
        self.profiles = {users[r.username].pk: r for r in tx.REPS}
        self.reps = [users[r.username] for r in tx.REPS]
        self.supervisors = [users[s[0]] for s in tx.SUPERVISORS]
        self._supervisor = {users[r.username].pk: users[r.supervisor] for r in tx.REPS}

    def rep(self, user):
        return self.profiles[user.pk]

    def supervisor_of(self, user):
        return self._supervisor.get(user.pk, self.supervisors[0])

    def teammates(self, user):
        return [u for u in self.reps if u.pk != user.pk]


def marked(*marks):
    """Whether any case's "opened" event carries one of the seed `marks` (what the demo made is marked so)."""
    return CaseEvent.objects.filter(verb="opened", data__seed__in=marks).exists()


def history_exists():
    return marked(MARK)


def seed_history(*, days, password, seed=8, clients=(), now=None):
    """Give the demo team a past of `days` days; returns the number of cases created (0 when the
    database already has one). `clients` (the scenario's) get a past case each too."""
    users = ensure_team(password)
    if history_exists() or days < 1:
        return 0
    world = World(seed=seed, days=days, now=now or timezone.now(), users=users)
    rng = random.Random(seed)
    n_cases = max(40, round(days * CASES_PER_DAY))
    new = new_clients(rng, max(12, n_cases // 3))
    stories = [_story(world, i, **spec) for i, spec in enumerate(case_specs(world, rng, n_cases, new, clients))]
    write(stories, new)
    return len(stories)


DEMO_EMAIL_DOMAIN = "casetracker.example"  # every demo login's address: how seed_demo tells its own users


def demo_email(username):
    """The address the demo gives the login it makes (seed_demo's people, `ops`, the history's team)."""
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


def team_usernames():
    """The logins the history makes or resets (its six reps and two supervisors)."""
    return [s[0] for s in tx.SUPERVISORS] + [r.username for r in tx.REPS]


def ensure_team(password):
    """The six reps and two supervisors (fran, alex and sam are the scenario's: their passwords are set
    there; the others get `password` on every run, like them)."""
    User = get_user_model()
    ensure_roles()
    groups = {g.name: g for g in Group.objects.filter(name__in=["rep", "supervisor"])}
    people = [(s[0], s[1], s[2], "supervisor") for s in tx.SUPERVISORS] + [(r.username, r.first, r.last, "rep")
                                                                           for r in tx.REPS]
    users = {}
    for username, first, last, role in people:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last,
                                         "email": demo_email(username), "is_staff": role == "supervisor"})
        if created or username not in ("fran", "alex", "sam"):
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(groups[role])
        users[username] = user
    for rep in tx.REPS:
        StaffProfile.objects.update_or_create(user=users[rep.username], defaults={"supervisor": users[rep.supervisor]})
    for username, *_ in tx.SUPERVISORS:
        StaffProfile.objects.get_or_create(user=users[username], defaults={"time_zone": "Europe/London"})
    return users


def new_clients(rng, n):
    seen, clients = set(), []
    while len(clients) < min(n, len(tx.FIRST_NAMES) * len(tx.LAST_NAMES)):
        first, last = rng.choice(tx.FIRST_NAMES), rng.choice(tx.LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        business = rng.choice(tx.BUSINESSES)
        zone, phone = rng.choices(tx.PLACES, weights=PLACE_WEIGHTS)[0]
        clients.append(Client(name=f"{first} {last}", organisation=f"{last} {business}",
                              email=f"{slugify(fold(first))}@{slugify(fold(f'{last} {business}'))}.example",
                              phone=f"{phone}{rng.randint(100, 999)}", time_zone=zone))
    return clients


def case_specs(world, rng, n_cases, new, demo_clients):
    """(fate, owner, client, scenario, intake) for every case: the open ones placed in their steps,
    then the others, a few of them for the scenario's clients."""
    scale = min(1.0, world.days / 45)
    fates = [Fate(stop_in=step) for step, k in OPEN_MIX.items() for _ in range(max(1, round(k * scale)))]
    n_closed = max(n_cases - len(fates), 12)
    n_force, n_loose, n_reopen = (max(1, round(n_closed * share)) for share in (0.04, 0.08, 0.05))
    for i in range(n_closed):
        fates.append(Fate(force_in=rng.choice(FORCE_STEPS) if i < n_force else None,
                          loose_ends=n_force <= i < n_force + n_loose,
                          reopen=n_force + n_loose <= i < n_force + n_loose + n_reopen))
    rng.shuffle(fates)
    regulars = new[:15]
    demo_queue = list(demo_clients)
    for fate in fates:
        if fate.stop_in is None and not fate.force_in and demo_queue:
            client = demo_queue.pop()
            taken = set(Case.objects.filter(client=client).values_list("summary", flat=True))
            scenario = rng.choice([s for s in tx.SCENARIOS if s.summary not in taken])
        else:
            client = rng.choice(regulars) if rng.random() < 0.15 else rng.choice(new)
            scenario = rng.choice(tx.SCENARIOS)
        owner = rng.choices(world.reps, weights=[r.load for r in tx.REPS])[0]
        intake = rng.choices(list(INTAKE), weights=list(INTAKE.values()))[0]
        handoff = not fate.force_in and rng.random() < 0.12
        yield dict(fate=replace(fate, handoff=handoff), owner=owner, client=client,
                   scenario=scenario, intake=intake.value, rng=rng)


def _story(world, index, *, rng, fate, **spec):
    """Run the case's story to now. An open case is first run on trial, to learn when it enters and
    would leave its step; then it is opened so that now falls inside that stay. Same seed, same story:
    nothing before the stay depends on the calendar."""
    def run(opened_at, now, trial=False, progress=1.0):
        return Story(world, random.Random(f"{world.seed}:{index}"), fate=fate, opened_at=opened_at, now=now,
                     progress=progress, trial=trial, **spec).run()

    if fate.stop_in is None:
        opened = _opening(rng, world.start + dt.timedelta(minutes=10), world.now - dt.timedelta(hours=6))
        return run(opened, world.now, progress=(opened - world.start) / (world.now - world.start))
    base = world.start
    trial = run(base, base + dt.timedelta(days=400), trial=True)
    if trial.entered_at is None or trial.left_at is None:  # cannot happen for an open fate; stay safe
        return run(_opening(rng, world.start, world.now), world.now)
    into, stay = trial.entered_at - base, trial.left_at - trial.entered_at
    room = (world.now - world.start - into) / stay if stay else 0  # how far into the stay still fits the window
    share = rng.uniform(0.1, min(0.9, room)) if room > 0.1 else 0.5
    return run(world.now - into - stay * share, world.now)


def _opening(rng, start, end):
    """A moment in [start, end], mostly on a weekday during office hours."""
    for _ in range(50):
        at = start + (end - start) * rng.random()
        if (at.weekday() < 5 or rng.random() < 0.15) and (7 <= at.hour < 19 or rng.random() < 0.1):
            return at
    return at


def write(stories, new):
    """Insert everything in dependency order, a few queries per table."""
    Client.objects.bulk_create(new, batch_size=BATCH)
    stories.sort(key=lambda s: s.case.opened_at)
    cases = [s.case for s in stories]
    Case.objects.bulk_create(cases, batch_size=BATCH)
    for case in cases:
        case.reference = f"C-{case.pk:06d}"
    Case.objects.bulk_update(cases, ["reference"], batch_size=BATCH)
    first_case = {}
    for case in cases:
        first_case.setdefault(case.client_id, case.opened_at)
    for n, client in enumerate(new):  # a client since well before their first complaint
        client.created_at = first_case.get(client.pk, cases[0].opened_at) - dt.timedelta(days=30 + n * 7 % 400)
    Client.objects.bulk_update(new, ["created_at"], batch_size=BATCH)
    for model in RECORD_MODELS:
        model.objects.bulk_create([row for s in stories for row in s.rows[model]], batch_size=BATCH)
    held.mark_alone(HeldStay.objects.filter(case__in=cases))  # as every writer of held parts does
    held.mark_held_again(HeldStay.objects.filter(case__in=cases))
    _promises([p for s in stories for p in s.promises])
    Escalation.objects.bulk_create([e for s in stories for e in s.escalations], batch_size=BATCH)
    EscalationNote.objects.bulk_create([n for s in stories for n in s.notes], batch_size=BATCH)
    events = sorted(((e.created_at, n, i, e) for n, s in enumerate(stories) for i, e in enumerate(s.events)),
                    key=lambda row: row[:3])
    for *_, event in events:
        event.data = {k: v.pk if isinstance(v, models.Model) else v for k, v in event.data.items()}
    CaseEvent.objects.bulk_create([row[3] for row in events], batch_size=BATCH)
    Through = Case.watchers.through
    Through.objects.bulk_create([Through(case_id=s.case.pk, user_id=u.pk) for s in stories for u in s.watchers],
                                batch_size=BATCH)
    search_refresh(Case.objects.filter(pk__in=[c.pk for c in cases]))


def _promises(promises):
    """A renegotiated promise's successor points at it (`replaces`): insert them generation by generation."""
    depth = {}
    for promise in promises:  # a successor is always built after the promise it replaces
        depth[id(promise)] = depth[id(promise.replaces)] + 1 if promise.replaces is not None else 0
    for generation in range(max(depth.values(), default=-1) + 1):
        Promise.objects.bulk_create([p for p in promises if depth[id(p)] == generation], batch_size=BATCH)
