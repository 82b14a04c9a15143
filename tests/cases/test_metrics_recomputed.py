"""The team page's numbers equal a recomputation from the rows: a generated history (several reps, every
step, resolved, reopened, sent back by loose ends, closed by override, escalated, estimates renegotiated,
moods recorded at delivery, follow-up calls logged, cases handed over mid-way, reassigned after a reopen
and reassigned once resolved with the call still to make, clients in far time zones) is counted again here
the slow, obvious way (the timeline's transitions paired in Python, the promises, escalations, estimates
and deliveries looped over, each counted for the case's owner then as its accepted handoffs say, a follow-up
call for the holder of its promise, a move for whoever made it as the timeline says) and compared with
cases.metrics at 7, 30 and 90 days, on PostgreSQL and on the portable path `make run` takes on SQLite. And
the page's query count does not grow with the cases (10 and 200)."""
import datetime as dt
import random
import statistics
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import metrics, services
from cases.models import (
    Case, CaseEvent, Escalation, EscalationReason, Handoff, HandoffStatus, Mood, Promise, PromiseKind,
    PromiseStatus, Step,
)
from cases.services.promises import MOVE_VERBS
from cases.workflow import OPEN_STEPS, Transition
from tests.cases.helpers import advance_to, agreed_if_standing, open_case
from tests.cases.metrics_support import H, NOW, at, deliver, next_step, on_path, planned_and_agreed, reach_deliver
from tests.cases.supervisor_support import url
from tests.factories import ClientFactory, RepFactory, StaffProfileFactory, SupervisorFactory

MINUTE = dt.timedelta(minutes=1)
FATES = ("stop", "resolve", "reopen", "loose_ends", "force_close")
# Clients whose date is a day off the site's (UTC) for hours: their follow-up calls fall due on their date.
FAR_ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")


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
            if self.case.step == Step.DELIVER:
                self.deliver()
            else:
                self.step()

    def deliver(self):
        """Delivered with the client's mood (sometimes none: the temperature at the resolution is kept on the
        delivery then)."""
        self.wait()
        with at(self.t):
            services.delivery_record(user=self.owner, case=self.case, verified_with_client=True, client_satisfied=True,
                                     prevention_note="Upgrades now run with a tested rollback",
                                     client_mood=self.rng.choice(["", *list(Mood)[2:]]),
                                     follow_up_on=timezone.localdate() + self.rng.choice((2, 7)) * dt.timedelta(days=1))
            self.case.refresh_from_db()
            self.case = services.case_transition(user=self.owner, case=self.case, name="complete_deliver")

    def follow_up(self):
        due = self.case.promises.get(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING).due_at
        self.t = max(self.t, due - H) if self.rng.random() < 0.5 else max(self.t, due) + H  # on its day, or late
        with at(self.t):
            services.follow_up_log(user=self.owner, case=self.case, note="Called back and the mail still flows")

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

    def hand_over(self, to_user):
        """A minute later, to a teammate who accepts (the walk goes on as them)."""
        self.t += MINUTE
        with at(self.t):
            handoff = services.handoff_request(user=self.owner, case=self.case, to_user=to_user,
                                               reason="I am on leave from tomorrow")
            services.handoff_accept(user=to_user, handoff=handoff, client_informed=True)
        self.owner = to_user

    def reassign(self, to_user):
        self.t += MINUTE
        with at(self.t):
            services.case_reassign(user=self.supervisor, case=self.case, to_user=to_user,
                                   reason="Rebalancing the week", client_informed=True)
        self.owner = to_user

    def replan(self):
        self.wait()
        with at(self.t):
            services.action_item_create(user=self.owner, case=self.case, description="Check the MX record again",
                                        assignee=self.owner, due_at=self.t + 4 * H)
            services.eta_set(user=self.owner, case=self.case, earliest=self.t + H, latest=self.t + 5 * H,
                             **agreed_if_standing(self.case))
            self.case.refresh_from_db()
            self.case = services.case_transition(user=self.owner, case=self.case, name="complete_plan")


def edge_cases(reps, client):
    """Cases on the boundaries, in every window (estimate: between +1 h and +5 h of planning at P).
    An anxious client delivered satisfied, arriving exactly at the earliest end, follow-up due today;
    an arrival exactly at the latest end; an arrival after the estimate's latest end but within the ETA
    renegotiated with the client before it; a case sent back by loose ends after a first delivery (the
    latest delivery's mood counts; the first arrival is not judged, and the estimate it kept is moved with
    the client), its follow-up date yesterday; a case
    given a fresh estimate once its promised one had passed and arriving within it (late), then reopened
    and arriving within its new estimate (within: the first cycle's broken deadline is not held against it)."""
    plan_at = NOW - dt.timedelta(days=6)
    on_earliest, on_latest, moved = (planned_and_agreed(rep, client, plan_at) for rep in reps)
    with at(plan_at + 2 * H):
        services.promise_renegotiate(user=reps[2], promise=moved.promises.get(kind=PromiseKind.ETA, status="pending"),
                                     new_due_at=plan_at + 8 * H, agreed_channel="phone",
                                     agreed_text="The client agreed to tonight")
    for case, owner, arrival in ((on_earliest, reps[0], H), (on_latest, reps[1], 5 * H), (moved, reps[2], 6 * H)):
        case = reach_deliver(case, owner, plan_at + arrival)
        with at(plan_at + arrival):
            deliver(case, owner, mood=Mood.SATISFIED, follow_up_on=timezone.localdate(NOW))
    twice = reach_deliver(planned_and_agreed(reps[0], client, plan_at), reps[0], plan_at + H)
    with at(plan_at + H):  # the first delivery: not yet; its mood is not the one that counts
        services.delivery_record(user=reps[0], case=twice, verified_with_client=True, client_satisfied=False,
                                 prevention_note="Upgrades now run with a tested rollback", client_mood=Mood.UPSET,
                                 follow_up_on=timezone.localdate() + dt.timedelta(days=2))
        twice = services.case_transition(user=reps[0], case=twice, name="loose_ends", reason="Mail still bounces")
    with at(plan_at + 2 * H):
        services.action_item_create(user=reps[0], case=twice, description="Check the MX record again",
                                    assignee=reps[0], due_at=plan_at + 4 * H)
        services.eta_set(user=reps[0], case=twice, earliest=plan_at + 3 * H, latest=plan_at + 6 * H,
                         **agreed_if_standing(twice))
        twice.refresh_from_db()
        twice = services.case_transition(user=reps[0], case=twice, name="complete_plan")
    twice = reach_deliver(twice, reps[0], plan_at + 3 * H)
    with at(plan_at + 3 * H):
        deliver(twice, reps[0], mood=Mood.DELIGHTED, follow_up_on=timezone.localdate(NOW) - dt.timedelta(days=1))
    talked = planned_and_agreed(reps[1], client, plan_at)
    with at(plan_at + 6 * H):
        services.eta_set(user=reps[1], case=talked, earliest=plan_at + 7 * H, latest=plan_at + 9 * H,
                         **agreed_if_standing(talked))
    talked = reach_deliver(talked, reps[1], plan_at + 8 * H)
    with at(plan_at + 8 * H):
        talked = deliver(talked, reps[1], mood=Mood.SATISFIED)
    with at(plan_at + 10 * H):  # estimate: between +11 h and +15 h
        talked = advance_to(services.case_reopen(user=reps[1], case=talked, reason="Mail stopped again"),
                            Step.MANAGE_ANXIETY, reps[1])
    reach_deliver(talked, reps[1], plan_at + 12 * H)


def generated_history(seed=9, n_cases=18):
    rng = random.Random(seed)
    boss = SupervisorFactory()
    reps = [StaffProfileFactory(supervisor=boss).user for _ in range(3)]
    clients = [ClientFactory() for _ in range(2)] + [ClientFactory(time_zone=zone) for zone in FAR_ZONES]
    edge_cases(reps, clients[0])
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
        if i % 3 == 1:  # a handoff mid-way: what came before stays with the first owner
            walk.hand_over(reps[(i + 1) % len(reps)])
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
        if fate == "resolve" and i % 2 == 1:  # reassigned with its call still to make: the call goes too
            walk.reassign(next(r for r in reps if r != walk.owner))
        if walk.case.step == Step.RESOLVED and fate != "force_close" and rng.random() < 0.5:
            walk.follow_up()
        if fate == "reopen":
            walk.move("reopen")
            if i % 2 == 0:  # reassigned after the reopen: the resolution and the reopen stay where they were
                walk.reassign(reps[(i + 2) % len(reps)])
    return reps


# --- the same numbers, the slow obvious way ----------------------------------------------------------
def nearest_rank(values, p):
    ordered = sorted(values)
    return ordered[-(-p * len(ordered) // 100) - 1]


MOOD_SCORE = {m.value: i for i, m in enumerate(Mood)}  # 0 irate .. 6 delighted


def last(rows, moment):
    """The last of `rows` (in time order) created at or before `moment`."""
    before = [r for r in rows if r.created_at <= moment]
    return before[-1] if before else None


def unaccepted(arrival):
    """Whether the case's next move out of deliver after this arrival was not the client's acceptance."""
    moves = CaseEvent.objects.filter(case_id=arrival.case_id, from_step=Step.DELIVER).order_by("created_at", "id")
    out = [e for e in moves if (e.created_at, e.pk) > (arrival.created_at, arrival.pk)]
    return bool(out) and out[0].data.get("transition") != Transition.COMPLETE_DELIVER.method


def call_in_force(case, resolved_at, delivery):
    """The follow-up promise of this resolution: the one opened with it (when its delivery set a date),
    followed from each promise to the one that replaced it, to the last."""
    if delivery is None or delivery.follow_up_on is None:
        return None
    call = case.promises.filter(kind="follow_up", created_at__gte=resolved_at).order_by("created_at", "id").first()
    while call is not None and Promise.objects.filter(replaces=call).exists():
        call = Promise.objects.get(replaces=call)
    return call


def eta_verdict(arrival):
    """Early, within or late against the range in force at the arrival: the last estimate's range, its
    latest end moved by an ETA promise opened at or after it (a renegotiation). Late whatever the range
    when an ETA promise of the case broke with a deadline after its previous arrival the client did not
    turn away (or that was late) and before this one. None for an arrival the case left deliver after
    without the client's acceptance (loose ends, an override), unless it was late."""
    estimate = last(CaseEvent.objects.filter(case_id=arrival.case_id, verb="estimate given")
                    .order_by("created_at", "id"), arrival.created_at)
    if estimate is None:
        return None
    verdict = judged_against(arrival, estimate, previous_standing(arrival))
    return None if unaccepted(arrival) and verdict != "late" else verdict


def previous_standing(arrival):
    """The case's last arrival before this one the client did not turn away (or that was late)."""
    return max((e.created_at for e in CaseEvent.objects.filter(case_id=arrival.case_id)
                if e.data.get("transition") == Transition.COMPLETE_MANAGE_ANXIETY.method
                and e.created_at < arrival.created_at and (not unaccepted(e) or eta_verdict(e) == "late")),
               default=None)


def eta_holder(arrival, verdict):
    """Whose estimate the verdict judges: for a late arrival after a deadline broken since the previous
    standing arrival, the rep who held the first such promise; else who held the last ETA promise given
    before the arrival; else the case's owner then (None here)."""
    promises = Promise.objects.filter(case_id=arrival.case_id, kind=PromiseKind.ETA)
    if verdict == "late":
        previous = previous_standing(arrival)
        broken = [p for p in promises.filter(status=PromiseStatus.BROKEN).order_by("due_at", "id")
                  if (previous is None or previous < p.due_at) and p.due_at < arrival.created_at]
        if broken:
            return broken[0].owner_id
    given = last(promises.order_by("created_at", "id"), arrival.created_at)
    return given.owner_id if given is not None else None


def judged_against(arrival, estimate, previous):
    """The verdict of `arrival` against `estimate`, a deadline broken after `previous` held against it."""
    for promise in Promise.objects.filter(case_id=arrival.case_id, kind=PromiseKind.ETA, status=PromiseStatus.BROKEN):
        if (previous is None or previous < promise.due_at) and promise.due_at < arrival.created_at:
            return "late"
    earliest, latest = (dt.datetime.fromisoformat(estimate.data[end]) for end in ("earliest", "latest"))
    deadline = last(Promise.objects.filter(case_id=arrival.case_id, kind=PromiseKind.ETA).order_by("created_at", "id"),
                    arrival.created_at)
    if deadline is not None and deadline.created_at >= estimate.created_at:
        latest = deadline.due_at
        earliest = min(earliest, latest)
    return "early" if arrival.created_at < earliest else "late" if arrival.created_at > latest else "within"


def owners_in_time():
    """owner_at(case_id, moment): the case's owner then, from its accepted handoffs (and reassignments)."""
    now = dict(Case.objects.values_list("pk", "owner_id"))
    moves = defaultdict(list)
    for handoff in Handoff.objects.filter(status=HandoffStatus.ACCEPTED).order_by("accepted_at", "id"):
        moves[handoff.case_id].append(handoff)

    def owner_at(case_id, moment):
        if not moves[case_id]:
            return now[case_id]
        before = [h for h in moves[case_id] if h.accepted_at <= moment]
        return before[-1].to_user_id if before else moves[case_id][0].from_user_id

    return owner_at


def recomputed(days):
    since, until = NOW - dt.timedelta(days=days), NOW
    inside = lambda moment: since <= moment < until  # noqa: E731
    owner_of = dict(Case.objects.values_list("pk", "owner_id"))
    owner_at = owners_in_time()
    want = defaultdict(lambda: {"stays": defaultdict(list), "counts": Counter()})

    def add(owner_id, key, n=1):
        for who in (owner_id, "team"):
            want[who]["counts"][key] += n

    # The team's: each whole stay in an open step that ended in the window. A rep's: each stay they held,
    # all their parts of it (cut where the case changed hands) added up, in the window the last of those
    # parts ended in, a stay still running included.
    moves = defaultdict(list)
    for handoff in Handoff.objects.filter(status=HandoffStatus.ACCEPTED).order_by("accepted_at", "id"):
        moves[handoff.case_id].append(handoff.accepted_at)

    def held_parts(case_id, step, entered, left):
        cuts = [m for m in moves[case_id] if entered <= m < (left or NOW)]
        ends = [*cuts, left] if left is not None else cuts
        held = defaultdict(lambda: [0.0, None])  # a rep's parts of this stay: added up, the last one's end
        for start, end in zip([entered, *cuts], ends):
            if step in OPEN_STEPS:
                part = held[owner_at(case_id, start)]
                part[0], part[1] = part[0] + (end - start).total_seconds(), end
        for who, (seconds, last_end) in held.items():
            if inside(last_end):
                want[who]["stays"][step].append(seconds)

    previous = None
    for event in CaseEvent.objects.exclude(to_step="").order_by("case_id", "created_at", "id"):
        if previous and previous.case_id != event.case_id:
            held_parts(previous.case_id, previous.to_step, previous.created_at, None)  # the stay running now
        if previous and previous.case_id == event.case_id and event.from_step == previous.to_step:
            if event.from_step in OPEN_STEPS and inside(event.created_at):
                want["team"]["stays"][event.from_step].append((event.created_at - previous.created_at).total_seconds())
            held_parts(event.case_id, event.from_step, previous.created_at, event.created_at)
        previous = event
    if previous is not None:
        held_parts(previous.case_id, previous.to_step, previous.created_at, None)
    events = [e for e in CaseEvent.objects.order_by("created_at", "id") if inside(e.created_at)]
    for transition, key in ((Transition.FORCE_CLOSE, "override"),
                            (Transition.REOPEN, "reopened"), (Transition.LOOSE_ENDS, "sent_back")):
        for e in events:  # each time, for the owner then (as each resolution is)
            if e.data.get("transition") == transition.method:
                add(owner_at(e.case_id, e.created_at), key)
    judged = defaultdict(list)  # each case's judged arrivals in the window, in time order
    for arrival in events:
        if arrival.data.get("transition") == Transition.COMPLETE_MANAGE_ANXIETY.method and eta_verdict(arrival):
            judged[arrival.case_id].append((arrival, eta_verdict(arrival)))
    for arrivals in judged.values():  # once per case: its first late arrival, else its first
        arrival, verdict = next((a for a in arrivals if a[1] == "late"), arrivals[0])
        add(eta_holder(arrival, verdict) or owner_at(arrival.case_id, arrival.created_at), f"eta:{verdict}")
    resolutions = [e for e in events if e.data.get("transition") == Transition.COMPLETE_DELIVER.method]
    first = {}  # each case's first resolution in the window: its mood
    for e in resolutions:
        first.setdefault(e.case_id, e)
    for resolution in resolutions:  # every resolution in the window, each judged by its own delivery
        case, resolved_at = Case.objects.get(pk=resolution.case_id), resolution.created_at
        case.owner_id = owner_at(case.pk, resolved_at)  # counted for the rep who resolved it
        add(case.owner_id, "resolved")
        delivery = case.deliveries.filter(created_at__lte=resolved_at).order_by("created_at", "id").last()
        intake = MOOD_SCORE.get(case.intake_temperature)
        at_delivery = MOOD_SCORE.get(delivery.client_mood if delivery else "")
        if first[case.pk] is resolution and intake is not None and at_delivery is not None:
            add(case.owner_id, "mood_cases")
            add(case.owner_id, "intake_sum", intake)
            add(case.owner_id, "delivery_sum", at_delivery)
            joy = intake <= MOOD_SCORE["anxious"] and at_delivery >= MOOD_SCORE["satisfied"]
            add(case.owner_id, "anxious_to_joy", joy)
        # The call, for whoever holds its promise: done if logged and kept; missed if logged late, or not
        # logged and its promise broken or pending past its deadline at the window's end (NOW), as the case
        # page's ledger says; moved if a reopen dropped it before its day; otherwise waiting.
        logged = delivery.follow_up_logged_at if delivery else None
        logged = logged if logged is not None and logged < NOW else None
        calls = case.promises.filter(kind="follow_up", created_at__lte=logged).order_by("-id") if logged else []
        late = bool(calls) and calls[0].status == "broken"
        call = call_in_force(case, resolved_at, delivery)
        holder = call.owner_id if call else case.owner_id
        if logged and not late:
            add(holder, "follow_up:done")
        elif logged or call and call.status in ("broken", "pending") and call.due_at <= NOW:
            add(holder, "follow_up:missed")
        elif call and call.status == "renegotiated":
            add(holder, "follow_up:moved")
        else:
            add(holder, "follow_up:waiting")
    for case in (c for c in Case.objects.all() if inside(c.opened_at)):
        add(owner_at(case.pk, case.opened_at), "opened")
    # A move counts for its maker if they owned the case then or held the promise, else for the holder.
    mover = {e.data["promise"]: (e.actor_id, owner_at(e.case_id, e.created_at))
             for e in CaseEvent.objects.filter(verb__in=MOVE_VERBS)}
    for promise in Promise.objects.all():
        if inside(promise.due_at) and promise.status in ("kept", "broken", "renegotiated"):
            actor, owner = mover.get(promise.pk, (None, None))
            add(actor if promise.status == "renegotiated" and actor in (owner, promise.owner_id)
                else promise.owner_id, promise.status)
            if promise.status != "renegotiated":
                add(promise.owner_id, f"{promise.status}@{metrics.week_of(promise.due_at)}")
    for escalation in Escalation.objects.all():
        if inside(escalation.created_at):
            owner = escalation.case_owner_id or owner_of[escalation.case_id]
            add(owner, f"escalation:{escalation.reason}")
            want["team"]["counts"][f"escalation:{escalation.reason}@{metrics.week_of(escalation.created_at)}"] += 1
    return want


def shown(m, team=False):
    """What the dashboard says for one row, in the recomputation's terms."""
    counts = Counter({"resolved": m.resolved, "override": m.closed_by_override, "reopened": m.reopened,
                      "sent_back": m.sent_back,
                      "opened": m.opened, "kept": m.kept, "broken": m.broken, "renegotiated": m.renegotiated,
                      "eta:early": m.eta_early, "eta:within": m.eta_within, "eta:late": m.eta_late,
                      "mood_cases": m.mood_cases, "intake_sum": m.intake_score_sum,
                      "delivery_sum": m.delivery_score_sum, "anxious_to_joy": m.anxious_to_joy,
                      "follow_up:done": m.follow_up_done, "follow_up:missed": m.follow_up_missed,
                      "follow_up:waiting": m.follow_up_waiting, "follow_up:moved": m.follow_up_moved,
                      **{f"escalation:{r.value}": n for r, n in m.escalations_by_reason},
                      **{f"kept@{week}": n for week, n in m.weekly_kept.items()},
                      **{f"broken@{week}": n for week, n in m.weekly_broken.items()}})
    if team:
        counts.update({f"escalation:{reason}@{week}": n for week, by_reason in m.weekly_escalations.items()
                       for reason, n in by_reason.items()})
    stays_shown = {step: (m.stays_in(step), m.median_in(step), m.p90_in(step)) for step in OPEN_STEPS}
    return +counts, stays_shown


def expected(row):
    stays = {}
    for step in OPEN_STEPS:
        values = row["stays"].get(step, [])
        stays[step] = ((len(values), dt.timedelta(seconds=statistics.median(values)),
                        dt.timedelta(seconds=nearest_rank(values, 90))) if values else (0, None, None))
    return +row["counts"], stays


@pytest.mark.django_db
@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_team_numbers_equal_a_recomputation_from_the_rows(days, monkeypatch):
    reps = generated_history()

    boards = {"postgresql": metrics.team_dashboard(days=days, now=NOW)}
    with monkeypatch.context() as patched:
        on_path("portable", patched)  # every collector on the path `make run` takes on SQLite
        boards["portable"] = metrics.team_dashboard(days=days, now=NOW)

    want = recomputed(days)
    for path, board in boards.items():
        assert shown(board.team, team=True) == expected(want["team"]), path
        for rep in reps:
            assert shown(next(r.measures for r in board.reps if r.user == rep)) == expected(want[rep.pk]), (path, rep)
    team = boards["postgresql"].team
    assert team.stays > 0
    assert days < 90 or all((team.kept, team.broken, team.renegotiated, team.resolved, team.reopened, team.sent_back,
                             team.closed_by_override, team.escalation_total, team.eta_early, team.eta_within,
                             team.eta_late, team.anxious_to_joy, team.follow_up_done, team.follow_up_missed))


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
