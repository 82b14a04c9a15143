"""The machinery of a demo case's past (_demo.story.Story is the case's own path on top of it). A small
discrete-event run: the case's path is one process, and beside it run the things that happen on their
own clock (each promise's deadline, each action item, the status-update rhythm, a supervisor working an
escalation, a handoff, the follow-up call). Every process yields the moment it next acts; the run stops at
`now`, so what was still ahead stays pending, exactly as the sweeps will find it.

Nothing is written here: the run builds unsaved rows (the case, its records, promises, escalations and
timeline events, with the timestamps they would have had) for _demo.history to insert in bulk. They follow
the rules of the services they stand in for (cases/services/*.py): the same event verbs and data, a promise
kept late is broken, one pending promise per kind and per item, one open escalation per broken promise,
closing a case settles everything, the counters are what refresh_counters computes, and a promise or item
already due at `now` carries the sweep's marker."""
import datetime as dt
import heapq
import math

from django.conf import settings

from cases.metrics import eta
from cases.models import (
    Acknowledgement, ActionItem, Case, CaseEvent, Channel, Concern, Delivery, Escalation, EscalationNote, Fact,
    Handoff, HeldStay, Mood, Promise, Recommitment, StatusUpdate, Step,
)
from cases.models import EscalationReason as ER
from cases.models import EscalationStatus as ES
from cases.models import HandoffStatus as HS
from cases.models import ItemStatus as IS
from cases.models import PromiseKind as PK
from cases.models import PromiseStatus as PS
from cases.models.ledger import SYSTEM_RESOLUTION
from cases.schedule import follow_up_due, next_allowed_for_client
from cases.services.promises import DROPPED, RENEGOTIATED_VERB, next_beat_due, promise_holder
from cases.services.transitions import OVERRIDE_NOTE
from cases.workflow import OPEN_STEPS, STALL_WATCH_STEPS, After, policy
from cases.workflow import Transition as T

from . import texts as tx
from .ownership import Ownership, person

RECORD_MODELS = (Concern, Acknowledgement, Recommitment, Fact, ActionItem, StatusUpdate, Delivery, Handoff, HeldStay)
MOODS = list(Mood)  # by score: irate (0) .. delighted (6)
_OWNER = object()  # an event's actor: whoever owns the case at that moment


def once(fn, *args):
    fn(*args)
    return
    yield  # a generator, so the scheduler starts it at its moment


class Stop(Exception):
    """A trial run reached the end of the step its case must be found in at `now` (fate.stop_in)."""


class Ledger(Ownership):
    """One case's run. The subclass gives the case's path: main(), start_updates(start) (the status-update
    rhythm) and follow_up(promise, delivery)."""

    def __init__(self, world, rng, *, fate, owner, client, scenario, intake, opened_at, now, progress, trial=False):
        self.w, self.rng, self.fate = world, rng, fate
        self.client, self.sc = client, scenario
        self.now, self.trial, self.progress = now, trial, progress
        self.owner, self.co_owner = owner, None
        self.case = Case(client=client, owner=owner, summary=scenario.summary, temperature=intake,
                         intake_temperature=intake, opened_at=opened_at, step_entered_at=opened_at,
                         stall_clock_from=opened_at)
        self.step, self.t = Step.IDENTIFY, opened_at
        self.held_from = opened_at  # where the owner's part of the current stay began (cases.services.held)
        self.heap, self.seq = [], 0
        self.events, self.promises, self.escalations, self.notes = [], [], [], []
        self.rows = {model: [] for model in RECORD_MODELS}
        self.pending = {}  # ("item", id(item)) or promise kind -> the pending promise
        self.watchers = set()
        self.mood = MOODS.index(Mood(intake))
        self.entries = 0  # step changes so far: the stall watcher's token
        self.update_run = 0  # the live status-update process (an older one stops)
        self.loose_done = False
        self.entered_at = self.left_at = None  # trial runs: when the case entered and would leave stop_in

    # --- the scheduler -----------------------------------------------------------------------------
    def spawn(self, proc, at):
        heapq.heappush(self.heap, (at, self.seq, proc))
        self.seq += 1

    def run(self):
        self.spawn(self.main(), self.t)
        try:
            while self.heap:
                at, _, proc = heapq.heappop(self.heap)
                if at > self.now:
                    break
                self.t = max(self.t, at)
                try:
                    wake = next(proc)
                except StopIteration:
                    continue
                self.spawn(proc, wake)
        except Stop:
            pass
        self.finish()
        return self

    # --- time ------------------------------------------------------------------------------------
    def span(self, lo, hi, pace=True):
        """Between lo and hi minutes, log-uniform (short waits common, long ones rare), at the owner's pace."""
        minutes = math.exp(self.rng.uniform(math.log(lo), math.log(hi)))
        return dt.timedelta(minutes=minutes * (self.w.rep(self.owner).speed if pace else 1))

    def after(self, lo, hi, pace=True):
        return self.t + self.span(lo, hi, pace)

    def stay(self, lo, hi, long_p):
        """Time in a step: usually lo..hi minutes; now and then a wait past the stall limit."""
        if self.rng.random() < long_p:
            return dt.timedelta(hours=settings.STALLED_CASE_HOURS + self.rng.uniform(2, 36))
        return self.span(lo, hi)

    def keeps(self, user):
        """Whether `user` keeps the next promise on time: their habit, a little better late in the window."""
        return self.rng.random() < self.w.rep(user).keep + 0.08 * (self.progress - 0.5)

    # --- records -----------------------------------------------------------------------------------
    def event(self, verb, *, actor=_OWNER, note="", from_step="", to_step="", data=None, step_seconds=None):
        self.events.append(CaseEvent(case=self.case, actor=self.owner if actor is _OWNER else actor, verb=verb,
                                     note=note, from_step=from_step, to_step=to_step, data=data or {},
                                     created_at=self.t, step_seconds=step_seconds, owner=self.owner))

    def add(self, model, **fields):
        row = model(case=self.case, **fields)
        self.rows[model].append(row)
        return row

    def set_mood(self, score, actor=_OWNER):
        self.mood = max(0, min(score, len(MOODS) - 1))
        self.case.temperature = MOODS[self.mood].value
        self.irate_rule(actor)

    def irate_rule(self, actor=_OWNER, owner_changed=False):
        """cases.services.irate.apply_irate_rule: a supervisor co-owns the case while the client is irate."""
        irate = self.case.flagged_irate or self.case.temperature == Mood.IRATE
        supervisor = self.w.supervisor_of(self.owner)
        if owner_changed and irate and self.co_owner is not None:
            if supervisor.pk != self.co_owner.pk:
                former, self.co_owner = self.co_owner, supervisor
                self.event("co-owner changed", actor=actor, data={"from": former.pk, "to": supervisor.pk},
                           note=f"{person(supervisor)} co-owns the case while the client is irate, as the new "
                                f"owner's supervisor; {person(former)} steps back.")
        elif irate and self.co_owner is None:
            self.co_owner = supervisor
            self.event("co-owner added", actor=actor,
                       note=f"{person(supervisor)} co-owns the case while the client is irate.")
        elif not irate and self.co_owner is not None:
            former, self.co_owner = self.co_owner, None
            self.event("co-owner removed", actor=actor, note=f"The client has calmed down; {person(former)} steps back.")

    # --- the promise ledger (cases.services.promises) -------------------------------------------------
    def open_promise(self, kind, due_at, source, *, owner=None, item=None, replaces=None, moved=0, agreed=("", ""),
                     actor=_OWNER):
        key = ("item", id(item)) if item is not None else kind
        assert key not in self.pending, "one pending promise per kind and per item"
        promise = Promise(case=self.case, kind=kind, due_at=due_at, owner=owner or self.owner, action_item=item,
                          source=source[:300], replaces=replaces, created_at=self.t, moved_count=moved,
                          agreed_channel=agreed[0], agreed_text=agreed[1])
        promise.key = key
        self.pending[key] = promise
        self.promises.append(promise)
        self.event("promise made", actor=actor, note=source,
                   data={"promise": promise, "kind": kind, "due_at": due_at.isoformat()})
        self.spawn(once(self.deadline, promise), due_at)
        return promise

    def _settle(self, promise, status):
        promise.status, promise.closed_at = status, self.t
        del self.pending[promise.key]

    def deadline(self, promise):
        """The broken-promise sweep: pending at its deadline (a re-timed one waits for its new one), and
        live in the case's step."""
        if (promise.status == PS.PENDING and promise.due_at <= self.t
                and promise.kind in policy(self.step).live_promises):
            self.break_promise(promise)

    def break_promise(self, promise):
        """As cases.services.broken.break_promises: broken, escalated (one open escalation stands for a run
        of missed updates), and a missed update's next beat opened a cadence after it."""
        self._settle(promise, PS.BROKEN)
        promise.broken_at = self.t
        self.event("promise broken", actor=None, note=f"{promise.source} (owner {person(promise.owner)})",
                   data={"promise": promise, "due_at": promise.due_at.isoformat()})
        update = promise.kind == PK.STATUS_UPDATE
        if not (update and promise.after_missed and any(
                e.status != ES.RESOLVED and e.promise is not None and e.promise.kind == PK.STATUS_UPDATE
                and e.promise.kept_at is None and e.case_owner == self.owner for e in self.escalations)):
            self.escalate_system(ER.BROKEN_PROMISE, f"Broken promise: {promise.source}", promise=promise)
        case = self.case
        if update and case.cadence_minutes and policy(self.step).cadence_runs and PK.STATUS_UPDATE not in self.pending:
            beat = self.open_promise(PK.STATUS_UPDATE, next_beat_due(case, promise.due_at, self.t), promise.source,
                                     actor=None)
            beat.after_missed = True

    def fulfil(self, promise, at, actor=_OWNER):
        if promise.status == PS.PENDING and at > promise.due_at:
            self.break_promise(promise)
        if promise.status == PS.PENDING:
            self._settle(promise, PS.KEPT)
            promise.kept_at = at
            self.event("promise kept", actor=actor, note=promise.source, data={"promise": promise})
        elif promise.status == PS.BROKEN and promise.kept_at is None:
            promise.kept_at = at
            self.event("broken promise fulfilled late", actor=actor, note=promise.source, data={"promise": promise})

    def withdraw(self, promise, note, actor=_OWNER):
        if promise.status != PS.PENDING:
            return
        if promise.due_at <= self.t:
            self.break_promise(promise)
            return
        self._settle(promise, PS.WITHDRAWN)
        self.event("promise withdrawn", actor=actor, note=note, data={"promise": promise})

    def renegotiate(self, promise, new_due_at):
        channel, said = self.rng.choice([Channel.PHONE, Channel.EMAIL]), self.rng.choice(tx.AGREEMENTS)
        new_due_at = next_allowed_for_client(new_due_at, self.client)
        moves = promise.moved_count + 1
        self._settle(promise, PS.RENEGOTIATED)
        promise.moved_by = self.owner  # the owner talked the client round (the event's actor)
        self.event(RENEGOTIATED_VERB,
                   note=f"New deadline agreed with the client. — Agreed by {Channel(channel).label.lower()}: “{said}”",
                   data={"promise": promise, "old_due_at": promise.due_at.isoformat(),
                         "new_due_at": new_due_at.isoformat(), "moves": moves, "agreed_channel": channel})
        return self.open_promise(promise.kind, new_due_at, promise.source, owner=promise.owner,
                                 item=promise.action_item, replaces=promise, moved=moves, agreed=(channel, said))

    # --- escalations (cases.services.escalations) ----------------------------------------------------
    def escalate(self, reason):
        note = self.rng.choice(tx.ESCALATION_NOTES[reason])
        escalation = Escalation(case=self.case, reason=reason, note=note, raised_by=self.owner,
                                case_owner=self.owner, created_at=self.t)
        self.escalations.append(escalation)
        self.event("escalated", note=f"{escalation.get_reason_display()}: {note}", data={"escalation": escalation})
        if reason == ER.IRATE and not self.case.flagged_irate:
            self.case.flagged_irate, self.case.irate_flag_changed_at = True, self.t
            self.irate_rule()
        self.spawn(self.supervise(escalation), self.t)

    def escalate_system(self, reason, note, promise=None):
        escalation = Escalation(case=self.case, reason=reason, note=note, raised_by_system=True, promise=promise,
                                case_owner=self.owner, created_at=self.t)
        self.escalations.append(escalation)
        self.event("escalated by the system", actor=None, note=note, data={"escalation": escalation})
        self.spawn(self.supervise(escalation), self.t)
        return escalation

    def supervise(self, escalation):
        """A supervisor takes it, sometimes adds a note, and resolves it (or leaves it taken)."""
        rng = self.rng
        supervisor = self.w.supervisor_of(self.owner) if rng.random() < 0.8 else rng.choice(self.w.supervisors)
        yield self.after(10, 480, pace=False)
        if escalation.status != ES.OPEN:
            return
        escalation.status, escalation.supervisor, escalation.taken_at = ES.TAKEN, supervisor, self.t
        self.event("escalation taken", actor=supervisor, note=escalation.get_reason_display(),
                   data={"escalation": escalation})
        if rng.random() < 0.35:
            yield self.after(5, 120, pace=False)
            if escalation.status == ES.RESOLVED:
                return
            text = rng.choice(tx.SUPERVISOR_NOTES)
            self.notes.append(EscalationNote(escalation=escalation, author=supervisor, text=text, created_at=self.t))
            self.event("escalation note", actor=supervisor, note=text, data={"escalation": escalation})
        if rng.random() < 0.1:
            return  # still with the supervisor
        yield self.after(30, 2400, pace=False)
        if escalation.status == ES.RESOLVED:
            return
        if escalation.reason in (ER.IRATE, ER.NO_PLAN) and self.step in OPEN_STEPS and rng.random() < 0.2:
            self.reassign(supervisor)
        escalation.status, escalation.resolved_at = ES.RESOLVED, self.t
        escalation.resolution = tx.RESOLUTIONS[escalation.reason]
        self.event("escalation resolved", actor=supervisor, note=escalation.resolution,
                   data={"escalation": escalation})

    # --- step changes (cases.services.transitions) ---------------------------------------------------
    def move(self, spec, reason="", actor=_OWNER):
        src, case = self.step, self.case
        if self.trial and src == self.fate.stop_in:
            self.left_at = self.t
            raise Stop
        actor = self.owner if actor is _OWNER else actor
        self.step = spec.target
        self.entries += 1
        stayed = (self.t - case.step_entered_at).total_seconds()  # as cases.services.transitions records it
        self.end_of_holding(src)
        paused = case.stall_clock_from if spec is T.FORCE_CLOSE and not case.stalled_flagged_at else None
        case.step_entered_at, case.stalled_flagged_at = self.t, None
        case.stall_clock_from = paused or self.t  # as Case.force_close pauses it (no demo case reopens from one)
        if spec is T.COMPLETE_MANAGE_ANXIETY:
            case.delivered_at = self.t
        elif spec is T.COMPLETE_DELIVER:
            case.resolved_at = self.t
        elif spec is T.LOOSE_ENDS:
            case.delivery_ready = False
        elif spec is T.REOPEN:
            case.delivery_ready, case.resolved_at, case.delivered_at = False, None, None
            case.reopened_count += 1
            case.closed_by_override, case.closed_from_step = False, ""
        elif spec is T.FORCE_CLOSE:
            case.closed_from_step, case.resolved_at, case.closed_by_override = src, self.t, True
        self.event(spec.label, actor=actor, from_step=src, to_step=self.step, note=reason,
                   data={"transition": spec.method}, step_seconds=stayed)
        if spec.after is After.SETTLE_ETA:
            arrival = self.events[-1]
            if PK.ETA in self.pending:
                self.fulfil(self.pending[PK.ETA], self.t, actor)
            arrival.eta_verdict = self.eta_verdict()
        elif spec.after is After.RESOLVE:
            self.resolve(actor)
        elif spec.after is After.FORCE_CLOSE:
            note = f"{OVERRIDE_NOTE}{reason}"
            self.close_open_work(note, actor, lambda promise: self.withdraw(promise, note, actor))
        elif spec.after is After.LOOSE_ENDS:
            kept = self.unaccepted_arrival(f"The client sent the delivery back ({reason}): the estimate stands "
                                           "again.", actor)
            if kept is not None and kept.due_at <= self.t:
                self.break_promise(kept)
            self.back_to_plan(actor)
        elif spec.after is After.BACK_TO_PLAN:
            self.back_to_plan(actor)
        if self.trial and self.step == self.fate.stop_in:
            self.entered_at = self.t
        self.watch_stall()

    def eta_verdict(self):
        """cases.metrics.eta.arrival_judgement's verdict over the rows simulated so far."""
        arrivals, sent_back = eta.arrival_rows((e.verb, e.from_step, e.created_at) for e in self.events if e.from_step)
        estimates = [eta.estimate_row(e.created_at, e.data) for e in self.events if e.verb == eta.ESTIMATE_VERB]
        promises = [(p.created_at, p.due_at, p.status) for p in self.promises if p.kind == PK.ETA]
        return eta.verdicts(arrivals, estimates, promises, sent_back)[-1]

    def unaccepted_arrival(self, note, actor):
        """As cases.services.transitions._unaccepted_arrival, for loose ends (the demo never closes a case
        in deliver by override: history.FORCE_STEPS): the arrival's verdict void unless late, the estimate
        it kept pending again (its deadline check still scheduled), held as promise_holder passes it."""
        arrival = next(e for e in reversed(self.events) if e.verb == T.COMPLETE_MANAGE_ANXIETY.label and e.from_step)
        if arrival.eta_verdict != "late":
            arrival.eta_verdict = ""
        kept = next((p for p in reversed(self.promises) if p.kind == PK.ETA and p.status == PS.KEPT
                     and p.kept_at >= arrival.created_at), None)
        if kept is None:
            return None
        kept.status, kept.kept_at, kept.closed_at = PS.PENDING, None, None
        kept.owner = promise_holder(kept.owner, self.owner, actor=actor, due_at=kept.due_at, now=self.t)
        self.pending[kept.key] = kept
        self.event("promise restored", actor=actor, note=note, data={"promise": kept})
        return kept

    def watch_stall(self):
        if self.step in STALL_WATCH_STEPS:
            self.spawn(once(self.stalled, self.step, self.entries),
                       self.t + dt.timedelta(hours=settings.STALLED_CASE_HOURS))

    def stalled(self, step, entries):
        """The stalled-case sweep: still in the same stay, never flagged: flag it and escalate this stay."""
        if self.entries != entries or self.case.stalled_flagged_at:
            return
        self.case.stalled_flagged_at = self.t
        waited = int((self.t - self.case.stall_clock_from).total_seconds() // 3600)
        escalation = self.escalate_system(ER.STALLED, f"Still in “{step.label}” after {waited} h "
                                                      f"(limit {settings.STALLED_CASE_HOURS} h).")
        escalation.stay_entered_at = self.case.step_entered_at  # one per stay (Escalation.stay_entered_at)

    def close_open_work(self, note, actor, settle):
        for item in self.rows[ActionItem]:
            if item.status == IS.OPEN:
                self.cancel_item(item, note, actor)
        for promise in sorted(self.pending.values(), key=lambda p: p.due_at):
            settle(promise)
        for escalation in self.escalations:
            if escalation.status != ES.RESOLVED:
                escalation.status, escalation.resolved_at = ES.RESOLVED, self.t
                escalation.resolution = f"{SYSTEM_RESOLUTION}{note}"
                self.event("escalation resolved", actor=None, note=escalation.resolution,
                           data={"escalation": escalation})
        waiting = self.pending_handoff()
        if waiting:
            waiting.status = HS.CANCELLED
            self.event("handoff cancelled", actor=None, note=f"The case was closed: {note}")

    def resolve(self, actor):
        def settle(promise):
            if promise.kind == PK.FOLLOW_UP:
                return
            if promise.due_at <= self.t:
                self.break_promise(promise)
            else:
                self.fulfil(promise, self.t, actor)

        self.close_open_work("the case was resolved.", actor, settle)
        delivery = self.rows[Delivery][-1]
        day = delivery.follow_up_on
        promise = self.open_promise(PK.FOLLOW_UP, follow_up_due(day, self.client),
                                    f"Follow-up call to {self.client.name} on {day:%d %b %Y}", actor=actor)
        self.spawn(self.follow_up(promise, delivery), self.t)

    def back_to_plan(self, actor):
        if PK.FOLLOW_UP in self.pending:
            self.withdraw(self.pending[PK.FOLLOW_UP], "The case went back to planning.", actor)
        case = self.case
        if PK.ETA not in self.pending:
            case.eta_earliest = case.eta_latest = case.eta_given_at = None
        if case.cadence_minutes and PK.STATUS_UPDATE not in self.pending:
            self.start_updates(self.t)

    def cancel_item(self, item, reason, actor, *, by_agreement=False):
        """`by_agreement`: the owner cancels it (not a close): the client lets its due time go, which counts
        as a renegotiation (cases.services.items: _drop_agreement)."""
        item.status, item.cancel_reason = IS.CANCELLED, reason
        self.event("action item cancelled", actor=actor, note=f"{item.description}: {reason}", data={"item": item})
        promise = self.pending.get(("item", id(item)))
        if promise and by_agreement and promise.due_at > self.t:
            channel, said = self.rng.choice([Channel.PHONE, Channel.EMAIL]), self.rng.choice(tx.AGREEMENTS)
            self._settle(promise, PS.RENEGOTIATED)
            promise.moved_by = actor
            self.event(DROPPED, actor=actor,
                       note=f"Item cancelled: {reason} — Agreed by {Channel(channel).label.lower()}: “{said}”",
                       data={"promise": promise, "agreed_channel": channel})
        elif promise:
            self.withdraw(promise, f"Item cancelled: {reason}", actor)

    # --- the row as refresh_counters would leave it ---------------------------------------------------
    def finish(self):
        case, now = self.case, self.now
        Case._meta.get_field("step").set_state(case, self.step)  # `step` is protected: set once, as loaded
        case.owner, case.co_owner = self.owner, self.co_owner
        concerns = self.rows[Concern]
        case.concern_count = len(concerns)
        case.incomplete_concern_count = sum(1 for c in concerns if not (c.description and c.impact and c.feeling))
        case.ack_count, case.recommit_count = len(self.rows[Acknowledgement]), len(self.rows[Recommitment])
        case.answered_fact_count = sum(1 for f in self.rows[Fact] if f.answer)
        open_items = [i for i in self.rows[ActionItem] if i.status == IS.OPEN]
        case.open_item_count = len(open_items)
        case.unassigned_item_count = sum(1 for i in open_items if i.assignee is None)
        case.undated_item_count = sum(1 for i in open_items if i.due_at is None)
        case.earliest_item_due_at = min((i.due_at for i in open_items if i.due_at), default=None)
        queued = [e for e in self.escalations if e.status != ES.RESOLVED]
        case.open_escalation_count = len(queued)
        case.queue_since = min((e.created_at for e in queued), default=None)
        case.queue_broken = any(e.raised_by_system and e.reason == ER.BROKEN_PROMISE for e in queued)
        case.next_promise_due_at = min((p.due_at for p in self.pending.values()), default=None)
        # What the sweeps would already have done by now, so the first run after seeding sends nothing
        # for the past.
        item_lead = dt.timedelta(minutes=settings.ACTION_ITEM_REMINDER_LEAD_MINUTES)
        for item in open_items:
            if item.due_at - item_lead <= now:
                item.reminded_at = max(item.created_at, item.due_at - item_lead)
            if item.due_at <= now:
                item.overdue_notified_at = item.due_at
        update_lead = dt.timedelta(minutes=settings.UPDATE_REMINDER_LEAD_MINUTES)
        for promise in self.pending.values():
            if promise.kind == PK.STATUS_UPDATE and promise.due_at - update_lead <= now:
                promise.reminded_at = max(promise.created_at, promise.due_at - update_lead)
            elif promise.kind == PK.FOLLOW_UP:
                day = promise.due_at.astimezone(self.client.tz).date()
                start = dt.datetime.combine(day, dt.time(0), tzinfo=self.client.tz)
                if start <= now:
                    promise.reminded_at = max(promise.created_at, start)
