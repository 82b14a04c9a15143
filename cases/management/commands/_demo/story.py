"""One demo case's past: its own path through the steps (identify to resolved, with loose ends, reopening
or a supervisor's override as its fate says), drawn with the case's seeded random, on the machinery of
_demo.ledger. Each owner works at their own pace and keeps their promises as often as their habit says
(_demo.texts.REPS)."""
import datetime as dt

from django.utils import timezone

from cases.models import ActionItem, Acknowledgement, Channel, Concern, Delivery, Fact, Handoff, Mood, Recommitment
from cases.models import StatusUpdate, Step
from cases.models import EscalationReason as ER
from cases.models import ItemStatus as IS
from cases.models import PromiseKind as PK
from cases.models import PromiseStatus as PS
from cases.schedule import next_allowed_for_client
from cases.workflow import OPEN_STEPS, policy
from cases.workflow import Transition as T

from . import texts as tx
from .ledger import MOODS, Ledger, once, person

CALM = MOODS.index(Mood.CALM)
UPDATE_STEPS = (Step.PLAN, Step.MANAGE_ANXIETY, Step.DELIVER)
CADENCES = (60, 120, 240, 480, 1440)
MIN = dt.timedelta(minutes=1)


def _lower_first(text):
    return text[:1].lower() + text[1:]


class Story(Ledger):
    """A case from its opening to now: Story(...).run() leaves the rows to insert on it."""

    # --- the case's own path ---------------------------------------------------------------------------
    def main(self):
        sc, rng, case = self.sc, self.rng, self.case
        self.event("opened", to_step=Step.IDENTIFY, data={"seed": self.w.mark},
                   note=f"Logged by {person(self.owner)}; client is {Mood(case.intake_temperature).label.lower()}.")
        if self.trial and self.fate.stop_in == Step.IDENTIFY:
            self.entered_at = self.t
        self.watch_stall()
        self.irate_rule()
        concerns = sc.concerns[: 1 + (rng.random() < 0.5)]
        for n, (description, impact, feeling) in enumerate(concerns):
            if n:
                yield self.after(2, 8)
            later = n == 0 and rng.random() < 0.2  # the impact comes out once the client has vented
            concern = self.add(Concern, description=description, impact="" if later else impact, feeling=feeling,
                               created_by=self.owner, created_at=self.t)
            self.event("concern added", note=description, data={"missing": concern.missing_parts()} if later else {})
            if later:
                yield self.after(3, 12)
                concern.impact = impact
                self.event("concern edited", note=description)
        if self.mood < CALM and rng.random() < 0.3:
            yield self.after(2, 10)
            self.event("temperature recorded", note="Calmer once they had said it all.",
                       data={"from": case.temperature, "to": MOODS[self.mood + 1].value})
            self.set_mood(self.mood + 1)
        if case.temperature == Mood.IRATE and rng.random() < 0.7:
            yield self.after(1, 5)
            self.escalate(ER.IRATE)
        if (yield from self.forced(Step.IDENTIFY, 60, 2880)):
            return
        yield self.t + self.stay(4, 25, 0.03)
        self.move(T.COMPLETE_IDENTIFY)

        what, impact = sc.concerns[0][0], sc.concerns[0][1]
        yield self.after(2, 10)
        text = rng.choice(tx.ACKS).format(when=rng.choice(tx.ACK_WHEN), what=what, what_lower=_lower_first(what),
                                          impact_lower=_lower_first(impact))
        self.add(Acknowledgement, text=text, created_by=self.owner, created_at=self.t)
        self.event("acknowledged", note=text, data={"coach_warnings": []})
        yield self.t + self.stay(1, 6, 0.02)
        self.move(T.COMPLETE_ACKNOWLEDGE)

        yield self.after(1, 6)
        text = rng.choice(tx.RECOMMITS)
        self.add(Recommitment, text=text, created_by=self.owner, created_at=self.t)
        self.event("recommitted", note=text, data={"coach_warnings": []})
        yield self.t + self.stay(1, 4, 0.02)
        self.move(T.COMPLETE_RECOMMIT)

        if (yield from self.forced(Step.GATHER, 120, 4320)):
            return
        yield from self.gather()
        first = True
        while True:
            arrival = yield from self.plan(first)
            first = False
            if arrival is None or (yield from self.forced(Step.MANAGE_ANXIETY, 60, 2880)):
                return
            yield arrival
            self.move(T.COMPLETE_MANAGE_ANXIETY)
            if not (yield from self.deliver()):
                continue  # loose ends: back to the plan
            if not self.fate.reopen or case.reopened_count:
                return
            yield self.t + dt.timedelta(hours=rng.uniform(20, 120))
            if self.step == Step.RESOLVED:
                self.move(T.REOPEN, reason=rng.choice(tx.REOPEN_REASONS))

    def forced(self, step, lo, hi):
        """A supervisor closes the case from this step (fate.force_in), lo..hi minutes after it began."""
        if self.fate.force_in != step:
            return False
        waited = self.span(lo, hi, pace=False)
        yield self.t + waited
        reasons = tx.FORCE_CLOSE_REASONS if waited > dt.timedelta(days=2) else tx.FORCE_CLOSE_REASONS[:2]
        self.move(T.FORCE_CLOSE, reason=self.rng.choice(reasons), actor=self.w.supervisor_of(self.owner))
        return True

    def gather(self):
        sc, rng, case = self.sc, self.rng, self.case
        end = self.t + self.stay(15, 360, 0.1)
        questions = sc.questions[: 1 + (rng.random() < 0.6)]
        waiting = end - self.t > dt.timedelta(hours=4)  # the client had to find out
        facts = []
        for question, answer in questions:
            yield self.after(2, 10)
            facts.append(self.add(Fact, question=question, answer="" if waiting else answer, created_by=self.owner,
                                  created_at=self.t))
            self.event("question asked", note=f"Q: {question}\nA: {'—' if waiting else answer}")
        if rng.random() < 0.06:
            yield self.after(5, 30)
            self.escalate(rng.choice([ER.LIABILITY, ER.OTHER]))
        yield max(self.t, end - self.span(10, 40))
        for fact, (question, answer) in zip(facts, questions):
            if not fact.answer:
                fact.answer = answer
                self.event("answer recorded", note=f"Q: {question}\nA: {answer}")
        case.root_problem, case.expected_resolution = sc.root, sc.expected
        self.event("root problem recorded", note=sc.root, data={"expected_resolution": sc.expected})
        yield max(self.t, end)
        self.move(T.COMPLETE_GATHER)

    def plan(self, first):
        """Items, cadence and estimate, then the plan agreed. Each item's outcome is drawn here, so the
        arrival at `deliver` (after the last item closes) and the estimate around it are known. Returns
        that arrival, or None when a supervisor closed the case instead."""
        rng, case = self.rng, self.case
        if (yield from self.forced(Step.PLAN, 60, 2880)):
            return None
        begun = self.t
        length = self.stay(20, 300, 0.07)
        agreed = begun + length
        kinds = ["fix"] if not first else (["mitigate"] if self.mood <= 2 or rng.random() < 0.3 else []) + ["fix"]
        if first and rng.random() < 0.5:
            kinds.append("prevent")
        items = [self.draw_item(kind, agreed) for kind in kinds]
        arrival = max(i["closes"] for i in items) + self.span(5, 180)
        actions = [(begun + length * (0.1 + 0.5 * n / len(items)), self.add_item, i) for n, i in enumerate(items)]
        if not case.cadence_minutes:
            actions.append((begun + length * 0.75, self.agree_cadence, arrival - agreed))
        actions.append((begun + length * 0.85, self.give_estimate, (agreed, arrival)))
        if length > dt.timedelta(hours=20) or rng.random() < 0.05:
            actions.append((begun + length * 0.4, self.escalate, rng.choice([ER.NO_PLAN, ER.CANNOT_ENROLL])))
        for at, fn, arg in sorted(actions, key=lambda a: a[0]):
            yield at
            fn(arg)
        yield agreed
        self.move(T.COMPLETE_PLAN)
        for item in items:
            self.spawn(self.work_item(item), self.t)
        if rng.random() < 0.15:
            self.spawn(once(self.client_contact), agreed + (arrival - agreed) * rng.uniform(0.2, 0.8))
        if self.fate.handoff and not any(self.rows[Handoff]):
            self.spawn(self.handoff(), agreed + (arrival - agreed) * rng.uniform(0.1, 0.6))
        return arrival

    def draw_item(self, kind, agreed):
        rng = self.rng
        assignee = self.owner if rng.random() < 0.65 else rng.choice(self.w.teammates(self.owner))
        due = agreed + self.span(*{"mitigate": (60, 360), "fix": (180, 4320), "prevent": (1440, 7200)}[kind])
        due = next_allowed_for_client(due, self.client)  # never inside the quiet hours (services.promises.allowed_due)
        item = {"kind": kind, "assignee": assignee, "due": due, "renegotiate": None, "cancel": False,
                "description": rng.choice(self.sc.items[kind])}
        room = due - agreed
        roll = rng.random()
        if roll < 0.06:
            item["cancel"], item["closes"] = True, agreed + room * rng.uniform(0.2, 0.8)
            return item
        if roll < 0.06 + self.w.rep(assignee).reneg:
            item["renegotiate"] = agreed + room * rng.uniform(0.2, 0.8)
            due = item["new_due"] = next_allowed_for_client(due + self.span(120, 2880), self.client)
            room = due - agreed
        on_time = self.keeps(assignee)
        item["closes"] = due - room * rng.uniform(0.05, 0.7) if on_time else due + self.span(10, 1440)
        return item

    def add_item(self, plan):
        kind, assignee = plan["kind"], plan["assignee"]
        item = self.add(ActionItem, description=plan["description"], kind=kind, assignee=assignee,
                        due_at=plan["due"], created_by=self.owner, created_at=self.t)
        plan["row"] = item
        self.event("action item added", note=f"{item.description} — {person(assignee)}", data={"item": item})
        self.open_promise(PK.ACTION_ITEM, item.due_at, f"{item.get_kind_display()}: {item.description}"[:300],
                          owner=assignee, item=item)

    def work_item(self, plan):
        item = plan["row"]
        if plan["renegotiate"]:
            yield plan["renegotiate"]
            promise = self.pending.get(("item", id(item)))
            if item.status != IS.OPEN or promise is None:
                return
            item.due_at = self.renegotiate(promise, plan["new_due"]).due_at
        yield plan["closes"]
        if item.status != IS.OPEN or self.step not in (Step.PLAN, Step.MANAGE_ANXIETY):
            return
        if plan["cancel"]:
            self.cancel_item(item, self.rng.choice(tx.CANCEL_REASONS), self.owner, by_agreement=True)
            return
        item.status, item.done_at = IS.DONE, self.t
        self.event("action item done", actor=item.assignee, note=item.description, data={"item": item})
        promise = self.pending.get(("item", id(item))) or next(
            (p for p in reversed(self.promises) if p.action_item is item and p.status == PS.BROKEN
             and p.kept_at is None), None)
        if promise:
            self.fulfil(promise, self.t, item.assignee)

    def agree_cadence(self, expected):
        case = self.case
        case.cadence_minutes = next((m for m in CADENCES if expected / dt.timedelta(minutes=m) <= 5), CADENCES[-1])
        case.cadence_channel = self.rng.choice([Channel.PHONE, Channel.PHONE, Channel.EMAIL, Channel.SMS])
        case.cadence_set_at = self.t
        self.event("cadence agreed", data={"old": [None, "", False]},
                   note=f"Every {case.cadence_minutes} min by {Channel(case.cadence_channel).label.lower()}")
        self.start_updates(self.t)

    def give_estimate(self, times):
        """An estimate around the arrival, landing early, within or late as the owner's habit goes; a late
        one is sometimes renegotiated with the client before it falls due."""
        agreed, arrival = times
        rng, case = self.rng, self.case
        room = arrival - agreed
        verdict = rng.choices(["early", "within", "late"], weights=self.w.rep(self.owner).eta)[0]
        if verdict == "late" and room < dt.timedelta(minutes=45):
            verdict = "within"
        if verdict == "early":
            earliest = arrival + room * rng.uniform(0.15, 0.6) + 10 * MIN
            latest = earliest + room * rng.uniform(0.3, 1.0)
        elif verdict == "late":
            latest = agreed + room * rng.uniform(0.3, 0.8)
            earliest = min(latest, max(self.t + 10 * MIN, latest - room * rng.uniform(0.3, 0.8)))
        else:
            earliest = max(self.t + 15 * MIN, arrival - room * rng.uniform(0.2, 0.6))
            latest = arrival + room * rng.uniform(0.1, 0.5) + 15 * MIN
        latest = next_allowed_for_client(latest, self.client)
        case.eta_earliest, case.eta_latest, case.eta_given_at = earliest, latest, self.t
        self.event("estimate given", note=f"Between {earliest:%d %b %H:%M} and {latest:%d %b %H:%M}",
                   data={"earliest": earliest.isoformat(), "latest": latest.isoformat()})
        standing = self.pending.get(PK.ETA)  # the estimate a sent-back delivery left standing: moved, counted
        if standing is not None and standing.due_at == latest:
            promise = standing
        elif standing is not None:
            promise = self.renegotiate(standing, latest)
            case.eta_latest = promise.due_at
        else:
            promise = self.open_promise(PK.ETA, latest, f"Fixed for {self.client.name} by the latest estimate")
        if verdict == "late" and rng.random() < 0.3 + self.w.rep(self.owner).reneg:
            self.spawn(once(self.move_estimate, promise, arrival + room * rng.uniform(0.1, 0.4) + 10 * MIN),
                       agreed + (latest - agreed) * rng.uniform(0.3, 0.8))

    def move_estimate(self, promise, new_latest):
        if promise.status != PS.PENDING or self.step not in (Step.PLAN, Step.MANAGE_ANXIETY):
            return
        case = self.case
        case.eta_latest = self.renegotiate(promise, new_latest).due_at
        case.eta_earliest = min(case.eta_earliest, case.eta_latest)

    def start_updates(self, start):
        case = self.case
        due = next_allowed_for_client(start + dt.timedelta(minutes=case.cadence_minutes), self.client)
        self.open_promise(PK.STATUS_UPDATE, due,
                          f"Update {self.client.name} by {Channel(case.cadence_channel).label.lower()}")
        self.update_run += 1
        self.spawn(self.updates(self.update_run), self.t)

    def updates(self, run):
        """The status-update rhythm (cases.services.updates): each update keeps (or, late, breaks) the
        pending promise and opens the next one, one interval after the slot kept or after a late update."""
        rng, case = self.rng, self.case
        while True:
            promise = self.pending.get(PK.STATUS_UPDATE)
            if promise is None:
                return
            interval = dt.timedelta(minutes=case.cadence_minutes)
            if rng.random() < self.w.rep(self.owner).reneg * 0.4:  # the rep calls ahead to move it
                yield max(self.t, promise.due_at - min(interval / 2, 60 * MIN) * rng.uniform(0.2, 1))
                if run != self.update_run or self.step not in UPDATE_STEPS:
                    return
                if promise.status == PS.PENDING:
                    self.renegotiate(promise, promise.due_at + interval * rng.uniform(0.5, 1.5))
                continue
            if self.keeps(self.owner):
                at = max(self.t, promise.due_at - min(interval / 2, 90 * MIN) * rng.uniform(0.1, 1))
            else:
                at = promise.due_at + min(interval * 0.8, self.span(10, 240, pace=False))
            yield at
            if run != self.update_run or self.step not in UPDATE_STEPS:
                return
            if promise.status not in (PS.PENDING, PS.BROKEN) or promise.kept_at:
                continue
            self.log_update(promise, interval)
            if not policy(self.step).cadence_runs:
                return

    def log_update(self, promise, interval):
        rng, case = self.rng, self.case
        broke = promise.status == PS.BROKEN or promise.due_at < self.t
        mood = self.mood - 1 if broke else self.mood + (rng.random() < 0.5)
        mood = max(0, min(mood, CALM))
        lo = rng.randint(1, 4)
        item = next((i.description for i in self.rows[ActionItem] if i.status == IS.OPEN), self.sc.items["fix"][0])
        summary = rng.choice(tx.UPDATE_TEXTS).format(item=item, lo=lo, hi=lo + rng.randint(1, 4))
        update = self.add(StatusUpdate, given_at=self.t, channel=case.cadence_channel, summary=summary,
                          client_mood=MOODS[mood].value, coach_warnings=[], created_by=self.owner)
        self.event("status update given", note=summary, data={"update": update, "mood": update.client_mood,
                                                              "channel": update.channel, "coach_warnings": []})
        self.fulfil(promise, self.t)
        start = promise.due_at if promise.due_at - interval <= self.t <= promise.due_at else self.t
        beat = self.pending.get(PK.STATUS_UPDATE)
        if beat is not None and beat.after_missed:  # the late update re-times the beat opened after the miss
            old_due, beat.due_at = beat.due_at, next_allowed_for_client(start + interval, self.client)
            beat.after_missed, beat.owner = False, self.owner
            self.event("next update re-timed", note=beat.source,
                       data={"promise": beat, "old_due_at": old_due.isoformat(), "due_at": beat.due_at.isoformat()})
            self.spawn(once(self.deadline, beat), beat.due_at)
        elif policy(self.step).cadence_runs:
            self.open_promise(PK.STATUS_UPDATE, next_allowed_for_client(start + interval, self.client),
                              promise.source)
        if case.flagged_irate and mood >= 2:
            case.flagged_irate, case.irate_flag_changed_at = False, self.t
            self.event("irate flag cleared", note="The client has calmed down.")
        self.set_mood(mood)

    def client_contact(self):
        """A teammate takes the client's call (whoever hears it, helps) and logs it; the owner is told."""
        if self.step not in OPEN_STEPS:
            return
        rng = self.rng
        mate = rng.choice(self.w.teammates(self.owner))
        mood = max(0, min(self.mood + rng.choice([-1, 0, 1]), CALM))
        channel = rng.choice([Channel.PHONE, Channel.EMAIL])
        self.event("client contact logged", actor=mate, note=rng.choice(tx.CONTACTS),
                   data={"mood": MOODS[mood].value, "channel": channel})
        self.set_mood(mood, actor=mate)

    def deliver(self):
        """The delivery call; True when the case is resolved, False when it goes back to the plan."""
        rng, case = self.rng, self.case
        yield self.after(10, 900)
        loose = self.fate.loose_ends and not self.loose_done
        mood = rng.choice([Mood.ANXIOUS, Mood.UPSET]) if loose else rng.choices(
            [Mood.DELIGHTED, Mood.SATISFIED, Mood.CALM, Mood.ANXIOUS], weights=[25, 52, 18, 5])[0]
        local_today = timezone.localdate(self.t, timezone=self.client.tz)
        delivery = self.add(Delivery, verified_with_client=True, client_satisfied=not loose,
                            expectation_met=None if loose else rng.random() < 0.85,
                            expectation_judged="" if loose else case.expected_resolution,
                            prevention_note="" if loose else self.sc.prevention,
                            extra_mile=rng.choice(tx.EXTRA_MILE) if not loose and rng.random() < 0.25 else "",
                            follow_up_on=local_today + dt.timedelta(days=rng.randint(2, 10)),
                            client_mood=mood.value, created_by=self.owner, created_at=self.t)
        case.delivery_ready = delivery.is_complete
        self.event("delivery recorded", data={"delivery": delivery, "expectation_met": delivery.expectation_met},
                   note="Verified with the client; " + ("client not yet satisfied." if loose else "client satisfied."))
        if case.flagged_irate:
            case.flagged_irate, case.irate_flag_changed_at = False, self.t
            self.event("irate flag cleared", note="The client is calm again.")
        self.set_mood(MOODS.index(mood))
        yield self.after(3, 40)
        if loose:
            self.loose_done = True
            self.move(T.LOOSE_ENDS, reason=rng.choice(tx.LOOSE_ENDS))
            return False
        self.move(T.COMPLETE_DELIVER)
        return True

    def follow_up(self, promise, delivery):
        """The follow-up call on the day (kept), or missed: broken at its deadline, sometimes made late."""
        rng = self.rng
        if rng.random() < self.w.rep(self.owner).follow:
            at = promise.due_at - self.span(30, 420, pace=False)
        elif rng.random() < 0.5:
            at = promise.due_at + self.span(18 * 60, 72 * 60, pace=False)
        else:
            return
        yield at
        if self.step != Step.RESOLVED or delivery is not self.rows[Delivery][-1]:
            return
        if promise.status != PS.PENDING and (promise.status != PS.BROKEN or promise.kept_at):
            return
        delivery.follow_up_logged_at, delivery.follow_up_note = self.t, rng.choice(tx.FOLLOW_UP_NOTES)
        self.fulfil(promise, self.t)
        self.event("follow-up call logged", note=delivery.follow_up_note)
