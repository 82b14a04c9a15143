"""The team page's numbers equal a recomputation from the rows: a generated history (several reps, every
step, resolved, reopened, sent back by loose ends, closed by override, escalated) is counted again here
the slow, obvious way (the timeline's transitions paired in Python, the promises and escalations looped
over) and compared with cases.metrics at 7, 30 and 90 days. And the page's query count does not grow
with the cases (10 and 200)."""
import datetime as dt
import random
import statistics
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import metrics, services
from cases.models import Case, CaseEvent, Escalation, EscalationReason, Mood, Promise, PromiseKind, PromiseStatus, Step
from cases.workflow import OPEN_STEPS, Transition
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import H, NOW, at, next_step
from tests.cases.supervisor_support import url
from tests.factories import ClientFactory, RepFactory, StaffProfileFactory, SupervisorFactory

MINUTE = dt.timedelta(minutes=1)
FATES = ("stop", "resolve", "reopen", "loose_ends", "force_close")


# --- a generated history, through the services ------------------------------------------------------
class Walk:
    """One case's life at whole-minute moments, each step after a random stay."""

    def __init__(self, rng, owner, supervisor, client, opened):
        self.rng, self.owner, self.supervisor, self.t = rng, owner, supervisor, opened
        with at(self.t):
            self.case = open_case(owner, client, temperature=rng.choice(list(Mood)[1:5]))

    def wait(self):
        """Mostly minutes to a couple of hours (promises kept), sometimes days (promises broken)."""
        self.t += self.rng.randint(5, 150 if self.rng.random() < 0.6 else 3 * 24 * 60) * MINUTE

    def step(self):
        self.wait()
        with at(self.t):
            self.case = next_step(self.case, self.owner)

    def to(self, step):
        while self.case.step != step:
            self.step()

    def escalate(self):
        with at(self.t):
            reason = self.rng.choice(list(EscalationReason)[1:4])
            services.escalation_raise(user=self.owner, case=self.case, reason=reason, note="Need a second opinion")

    def renegotiate_eta(self):
        with at(self.t):
            eta = self.case.promises.get(kind=PromiseKind.ETA, status=PromiseStatus.PENDING)
            services.promise_renegotiate(user=self.owner, promise=eta, new_due_at=self.t + 8 * H,
                                         agreed_channel="phone", agreed_text="The client agreed to tonight")

    def move(self, name, user=None, reason="The client called back about it"):
        self.wait()
        with at(self.t):
            self.case = services.case_transition(user=user or self.owner, case=self.case, name=name, reason=reason)

    def replan(self):
        self.wait()
        with at(self.t):
            services.action_item_create(user=self.owner, case=self.case, description="Check the MX record again",
                                        assignee=self.owner, due_at=self.t + 4 * H)
            services.eta_set(user=self.owner, case=self.case, earliest=self.t + H, latest=self.t + 5 * H)
            self.case.refresh_from_db()
            self.case = services.case_transition(user=self.owner, case=self.case, name="complete_plan")


def generated_history(seed=9, n_cases=18):
    rng = random.Random(seed)
    boss = SupervisorFactory()
    reps = [StaffProfileFactory(supervisor=boss).user for _ in range(3)]
    clients = [ClientFactory() for _ in range(4)]
    for i in range(n_cases):
        opened = NOW - rng.randint(1, 100) * dt.timedelta(days=1) - rng.randint(0, 1439) * MINUTE
        walk = Walk(rng, reps[i % len(reps)], boss, rng.choice(clients), opened)
        fate = FATES[i % len(FATES)]
        if rng.random() < 0.5:
            walk.to(Step.MANAGE_ANXIETY)
            walk.renegotiate_eta()
        if fate in ("stop", "force_close"):
            walk.to(rng.choice(OPEN_STEPS[OPEN_STEPS.index(Step(walk.case.step)):]))
        else:
            walk.to(Step.DELIVER)
        if rng.random() < 0.4 and walk.case.step != Step.RESOLVED:
            walk.escalate()
        if fate == "force_close":
            walk.move("force_close", user=boss, reason="Client took the work elsewhere")
        elif fate == "loose_ends":
            walk.move("loose_ends")
            walk.replan()
            walk.to(Step.RESOLVED)
        elif fate != "stop":
            walk.to(Step.RESOLVED)
        if fate == "reopen":
            walk.move("reopen")
    return reps


# --- the same numbers, the slow obvious way ----------------------------------------------------------
def nearest_rank(values, p):
    ordered = sorted(values)
    return ordered[-(-p * len(ordered) // 100) - 1]


def recomputed(days):
    since, until = NOW - dt.timedelta(days=days), NOW
    inside = lambda moment: since <= moment < until  # noqa: E731
    owner_of = dict(Case.objects.values_list("pk", "owner_id"))
    want = defaultdict(lambda: {"stays": defaultdict(list), "counts": Counter()})

    def add(owner_id, key, n=1):
        for who in (owner_id, "team"):
            want[who]["counts"][key] += n

    previous = None
    for event in CaseEvent.objects.exclude(to_step="").order_by("case_id", "created_at", "id"):
        if (previous and previous.case_id == event.case_id and event.from_step == previous.to_step
                and event.from_step in OPEN_STEPS and inside(event.created_at)):
            seconds = (event.created_at - previous.created_at).total_seconds()
            for who in (owner_of[event.case_id], "team"):
                want[who]["stays"][event.from_step].append(seconds)
        previous = event
    events = [e for e in CaseEvent.objects.all() if inside(e.created_at)]
    for transition, key in ((Transition.COMPLETE_DELIVER, "resolved"), (Transition.FORCE_CLOSE, "override"),
                            (Transition.REOPEN, "reopened"), (Transition.COMPLETE_MANAGE_ANXIETY, "arrivals")):
        ids = [e.case_id for e in events if e.data.get("transition") == transition.method]
        for case_id in ids if key == "arrivals" else set(ids):  # each arrival counts; each case once otherwise
            add(owner_of[case_id], key)
    for case in Case.objects.all():
        if inside(case.opened_at):
            add(case.owner_id, "opened")
    for promise in Promise.objects.all():
        if inside(promise.due_at) and promise.status in ("kept", "broken", "renegotiated"):
            add(promise.owner_id, promise.status)
    for escalation in Escalation.objects.all():
        if inside(escalation.created_at):
            add(escalation.case_owner_id or owner_of[escalation.case_id], f"escalation:{escalation.reason}")
    return want


def shown(m):
    """What the dashboard says for one row, in the recomputation's terms."""
    counts = Counter({"resolved": m.resolved, "override": m.closed_by_override, "reopened": m.reopened,
                      "arrivals": m.eta_arrivals, "opened": m.opened, "kept": m.kept, "broken": m.broken,
                      "renegotiated": m.renegotiated,
                      **{f"escalation:{r.value}": n for r, n in m.escalations_by_reason}})
    stays = {step: (m.stays_in(step), m.median_in(step), m.p90_in(step)) for step in OPEN_STEPS}
    return +counts, stays


def expected(row):
    stays = {}
    for step in OPEN_STEPS:
        values = row["stays"].get(step, [])
        stays[step] = ((len(values), dt.timedelta(seconds=statistics.median(values)),
                        dt.timedelta(seconds=nearest_rank(values, 90))) if values else (0, None, None))
    return +row["counts"], stays


@pytest.mark.django_db
@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_team_numbers_equal_a_recomputation_from_the_rows(days):
    reps = generated_history()

    board = metrics.team_dashboard(days=days, now=NOW)

    want = recomputed(days)
    assert shown(board.team) == expected(want["team"])
    for rep in reps:
        assert shown(next(r.measures for r in board.reps if r.user == rep)) == expected(want[rep.pk]), rep
    team = board.team
    assert team.stays > 0
    assert days < 90 or all((team.kept, team.broken, team.renegotiated, team.resolved, team.reopened,
                             team.closed_by_override, team.escalation_total))


# --- the page's cost ---------------------------------------------------------------------------------
def team(n, start):
    """n more cases: each opened and moved on a step, one in ten taken to resolved, one in five escalated."""
    for i in range(start, start + n):
        owner, client = RepFactory(), ClientFactory()
        with at(NOW - dt.timedelta(days=3)):
            case = open_case(owner, client)
        with at(NOW - dt.timedelta(days=2)):
            case = advance_to(case, Step.RESOLVED if i % 10 == 0 else Step.ACKNOWLEDGE, owner)
            if i % 5 == 1:
                services.escalation_raise(user=owner, case=case, reason=EscalationReason.OTHER, note="Need a hand")


def page_queries(boss):
    with at(NOW), CaptureQueriesContext(connection) as queries:
        response = boss.get(url("dashboard"), {"days": 90})
    assert response.status_code == 200
    return len(queries), response.context["board"].team


@pytest.mark.django_db
def test_the_team_page_costs_the_same_queries_at_10_and_200_cases(boss):
    team(10, 0)
    few, small = page_queries(boss)
    team(190, 10)

    many, large = page_queries(boss)

    assert few == many
    assert (small.opened, large.opened, large.resolved, large.stays_in(Step.IDENTIFY)) == (10, 200, 20, 200)
