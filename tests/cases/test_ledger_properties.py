"""The promise ledger under random use: a Hypothesis state machine calls the case services as random
people (the owner rep, a teammate holding an item, another rep, a supervisor) at random times on a
moving clock, with good and junk texts, and checks the recipe's invariants after every step.

A refusal (CaseRuleError) is a fine answer to any call; anything else raised is a failure. Each
example starts from fresh people, client and case inside a savepoint that is rolled back at the end,
and the run is derandomized (no example database), so CI sees the same examples every time.

The shrink phase is off: shrinking a 30-step example against PostgreSQL runs into Hypothesis' 5-minute
cap, and an unshrunk failure already prints the exact steps. To shrink one locally, add Phase.shrink
(and raise max_examples, or set derandomize=False, to explore further than CI does).

The strategies and the workflow's declared moves are in ledger_machine_support.py; what the machine
found is pinned as plain examples in test_ledger_machine_findings.py."""
import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from cases import services
from cases.models import (
    Case, CaseEvent, Channel, EscalationReason, EscalationStatus, ItemKind, ItemStatus, Mood, Promise, PromiseKind,
    PromiseStatus, Step,
)
from cases.services.promises import DROPPED, promise_break
from cases.text import word_count
from cases.workflow import ALL_TRANSITIONS, COMPLETE_TRANSITIONS, Transition
from notifications.sweeps import SWEEPS
from tests.cases.helpers import advance_to, open_case
from tests.cases.ledger_machine_support import (
    AGREEMENTS, CLOCK_STEPS, DECLARED_MOVES, GATE_TEXTS, GOOD, MINUTES_AHEAD, NEXT, QUIET, START_STEPS, STARTS, TEXTS,
    WHO, ZONES, refused_is_fine,
)
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

SETTINGS = settings(
    max_examples=40, stateful_step_count=30, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    phases=[Phase.explicit, Phase.generate],
)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._traveller = None
        self.clock = None
        self.case_pk = None

    def teardown(self):
        try:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
        finally:
            if self._traveller is not None:
                self._traveller.stop()

    # --- The world ---------------------------------------------------------------------------------
    @initialize(start=st.sampled_from(STARTS), step=st.sampled_from(START_STEPS), zone=st.sampled_from(ZONES),
                quiet=st.sampled_from(QUIET))
    def open_a_case(self, start, step, zone, quiet):
        self._traveller = time_machine.travel(start, tick=False)
        self.clock = self._traveller.start()
        supervisor = SupervisorFactory()
        self.people = {
            "supervisor": supervisor,
            "rep": StaffProfileFactory(supervisor=supervisor).user,
            "teammate": StaffProfileFactory(supervisor=supervisor).user,
            "other": StaffProfileFactory(supervisor=supervisor).user,
        }
        quiet_start, quiet_end = quiet or (None, None)
        client = ClientFactory(time_zone=zone, quiet_hours_start=quiet_start, quiet_hours_end=quiet_end)
        rep = self.people["rep"]
        case = advance_to(open_case(rep, client), step, rep)
        if case.step in (Step.PLAN, Step.MANAGE_ANXIETY):
            services.action_item_create(user=rep, case=case, description="Check the DNS records with the host",
                                        assignee=self.people["teammate"], due_at=timezone.now() + dt.timedelta(hours=2))
        self.case_pk = case.pk

    @property
    def case(self):
        return Case.objects.select_related("client").get(pk=self.case_pk)

    def _item(self, index, **conditions):
        items = list(self.case.action_items.filter(**conditions).order_by("pk"))
        return items[index % len(items)] if items else None

    def _promise(self, index):
        promises = list(self.case.promises.filter(status=PromiseStatus.PENDING).order_by("pk"))
        return promises[index % len(promises)] if promises else None

    @staticmethod
    def _ahead(minutes):
        return timezone.now() + dt.timedelta(minutes=minutes)

    # --- Time --------------------------------------------------------------------------------------
    @rule(minutes=CLOCK_STEPS)
    def time_passes(self, minutes):
        self.clock.shift(dt.timedelta(minutes=minutes))

    # --- Steps -------------------------------------------------------------------------------------
    @rule(who=WHO)
    @refused_is_fine
    def do_the_step_and_complete_it(self, who):
        """What a diligent rep does to meet the current step's gate, then the step's transition."""
        user, case = self.people[who], self.case
        step = Step(case.step)
        if step == Step.ACKNOWLEDGE:
            services.acknowledgement_record(user=user, case=case, text=GOOD[2])
        elif step == Step.RECOMMIT:
            services.recommitment_record(user=user, case=case, text=GOOD[2])
        elif step == Step.GATHER:
            services.fact_add(user=user, case=case, question="When did you first notice it?", answer=GOOD[1])
            services.case_set_root_problem(user=user, case=self.case, root_problem=GOOD[1])
        elif step == Step.PLAN:
            self._plan(user)
        elif step == Step.MANAGE_ANXIETY:
            for item in case.action_items.filter(status=ItemStatus.OPEN):
                services.action_item_complete(user=user, item=item)
        elif step == Step.DELIVER:
            services.delivery_record(user=user, case=case, verified_with_client=True, client_satisfied=True,
                                     prevention_note=GOOD[4],
                                     follow_up_on=timezone.localdate(timezone=case.client.tz) + dt.timedelta(days=3))
        if step in COMPLETE_TRANSITIONS:
            services.case_transition(user=user, case=self.case, name=COMPLETE_TRANSITIONS[step])

    def _plan(self, user):
        case = self.case
        if not case.action_items.filter(status=ItemStatus.OPEN).exists():
            services.action_item_create(user=user, case=case, description=GOOD[1], assignee=self.people["rep"],
                                        due_at=self._ahead(180))
        for item in self.case.action_items.filter(status=ItemStatus.OPEN, due_at__lte=timezone.now()):
            services.action_item_update(user=user, item=item, description=item.description, kind=item.kind,
                                        assignee=item.assignee or self.people["rep"], due_at=self._ahead(180),
                                        agreed_channel=Channel.PHONE, agreed_text=GOOD[0])
        if not self.case.cadence_minutes:
            services.cadence_set(user=user, case=self.case, minutes=60, channel=Channel.PHONE)
        case = self.case
        if not case.eta_latest or case.eta_latest <= timezone.now():
            services.eta_set(user=user, case=case, earliest=self._ahead(60), latest=self._ahead(300),
                             agreed_channel=Channel.PHONE, agreed_text=GOOD[0])

    @rule(who=WHO, name=st.sampled_from(ALL_TRANSITIONS), reason=TEXTS)
    @refused_is_fine
    def take_a_transition(self, who, name, reason):
        services.case_transition(user=self.people[who], case=self.case, name=name, reason=reason)

    @rule(who=WHO, reason=TEXTS)
    @refused_is_fine
    def loose_ends(self, who, reason):
        services.case_loose_ends(user=self.people[who], case=self.case, reason=reason)

    @rule(who=WHO, reason=TEXTS)
    @refused_is_fine
    def reopen(self, who, reason):
        services.case_reopen(user=self.people[who], case=self.case, reason=reason)

    @rule(who=WHO, reason=TEXTS)
    @refused_is_fine
    def force_close(self, who, reason):
        services.case_force_close(user=self.people[who], case=self.case, reason=reason)

    # --- Records of steps 1-4 ----------------------------------------------------------------------
    @rule(who=WHO, description=TEXTS, impact=TEXTS, feeling=TEXTS)
    @refused_is_fine
    def add_a_concern(self, who, description, impact, feeling):
        services.concern_add(user=self.people[who], case=self.case, description=description, impact=impact,
                             feeling=feeling)

    @rule(who=WHO, text=TEXTS)
    @refused_is_fine
    def acknowledge(self, who, text):
        services.acknowledgement_record(user=self.people[who], case=self.case, text=text)

    @rule(who=WHO, text=TEXTS)
    @refused_is_fine
    def recommit(self, who, text):
        services.recommitment_record(user=self.people[who], case=self.case, text=text)

    @rule(who=WHO, question=TEXTS, answer=TEXTS)
    @refused_is_fine
    def ask_a_question(self, who, question, answer):
        services.fact_add(user=self.people[who], case=self.case, question=question, answer=answer)

    @rule(who=WHO, text=TEXTS)
    @refused_is_fine
    def write_the_root_problem(self, who, text):
        services.case_set_root_problem(user=self.people[who], case=self.case, root_problem=text)

    @rule(who=WHO, note=TEXTS)
    @refused_is_fine
    def escalate(self, who, note):
        services.escalation_raise(user=self.people[who], case=self.case, reason=EscalationReason.OTHER, note=note)

    @rule(index=st.integers(0, 5), resolution=TEXTS)
    @refused_is_fine
    def a_supervisor_resolves_an_escalation(self, index, resolution):
        open_ones = list(self.case.escalations.exclude(status=EscalationStatus.RESOLVED).order_by("pk"))
        if open_ones:
            services.escalation_resolve(user=self.people["supervisor"], escalation=open_ones[index % len(open_ones)],
                                        resolution=resolution)

    # --- Items -------------------------------------------------------------------------------------
    @rule(who=WHO, description=TEXTS, assignee=st.sampled_from(["rep", "teammate", None]),
          ahead=st.one_of(st.none(), MINUTES_AHEAD))
    @refused_is_fine
    def add_an_item(self, who, description, assignee, ahead):
        services.action_item_create(user=self.people[who], case=self.case, description=description or GOOD[1],
                                    kind=ItemKind.FIX, assignee=self.people[assignee] if assignee else None,
                                    due_at=None if ahead is None else self._ahead(ahead))

    @rule(who=WHO, index=st.integers(0, 5), ahead=st.one_of(st.none(), MINUTES_AHEAD),
          assignee=st.sampled_from(["rep", "teammate", "same"]), agreement=AGREEMENTS)
    @refused_is_fine
    def edit_an_item(self, who, index, ahead, assignee, agreement):
        item = self._item(index, status=ItemStatus.OPEN)
        if item is None:
            return
        due_at = item.due_at if ahead is None else self._ahead(ahead)
        services.action_item_update(user=self.people[who], item=item, description=item.description, kind=item.kind,
                                    assignee=item.assignee if assignee == "same" else self.people[assignee],
                                    due_at=due_at, agreed_channel=agreement[0], agreed_text=agreement[1])

    @rule(who=WHO, index=st.integers(0, 5))
    @refused_is_fine
    def complete_an_item(self, who, index):
        item = self._item(index)
        if item is not None:
            services.action_item_complete(user=self.people[who], item=item)

    @rule(who=WHO, index=st.integers(0, 5), reason=TEXTS, agreement=AGREEMENTS)
    @refused_is_fine
    def cancel_an_item(self, who, index, reason, agreement):
        item = self._item(index)
        if item is not None:
            services.action_item_cancel(user=self.people[who], item=item, reason=reason,
                                        agreed_channel=agreement[0], agreed_text=agreement[1])

    @rule(who=WHO, index=st.integers(0, 5), note=TEXTS)
    @refused_is_fine
    def hand_an_item_back(self, who, index, note):
        item = self._item(index)
        if item is not None:
            services.action_item_hand_back(user=self.people[who], item=item, note=note)

    @rule(who=WHO, index=st.integers(0, 5), accept=st.booleans())
    @refused_is_fine
    def answer_a_hand_back(self, who, index, accept):
        item = self._item(index)
        if item is not None:
            services.action_item_answer_hand_back(user=self.people[who], item=item, accept=accept)

    # --- Cadence, estimate, updates, renegotiation ------------------------------------------------
    @rule(who=WHO, minutes=st.sampled_from([1, 5, 30, 60, 120, 1440, 7 * 1440, 8 * 1440, 10_000 * 1440]),
          channel=st.sampled_from([Channel.PHONE, Channel.EMAIL, "", "fax"]), business_hours_only=st.booleans(),
          agreement=AGREEMENTS)
    @refused_is_fine
    def set_the_cadence(self, who, minutes, channel, business_hours_only, agreement):
        services.cadence_set(user=self.people[who], case=self.case, minutes=minutes, channel=channel,
                             business_hours_only=business_hours_only, agreed_channel=agreement[0],
                             agreed_text=agreement[1])

    @rule(who=WHO, earliest=st.integers(-60, 600), span=st.one_of(st.integers(-60, 600), MINUTES_AHEAD),
          agreement=AGREEMENTS)
    @refused_is_fine
    def give_an_estimate(self, who, earliest, span, agreement):
        services.eta_set(user=self.people[who], case=self.case, earliest=self._ahead(earliest),
                         latest=self._ahead(earliest + span), agreed_channel=agreement[0], agreed_text=agreement[1])

    @rule(who=WHO, summary=TEXTS, mood=st.sampled_from(list(Mood)), minutes_ago=st.sampled_from([0, 0, 0, 10, 29, 45]))
    @refused_is_fine
    def log_a_status_update(self, who, summary, mood, minutes_ago):
        services.status_update_log(user=self.people[who], case=self.case, summary=summary, channel=Channel.PHONE,
                                   client_mood=mood, given_at=timezone.now() - dt.timedelta(minutes=minutes_ago))

    @rule(who=WHO, index=st.integers(0, 5), ahead=MINUTES_AHEAD, agreement=AGREEMENTS)
    @refused_is_fine
    def renegotiate_a_promise(self, who, index, ahead, agreement):
        promise = self._promise(index)
        if promise is not None:
            services.promise_renegotiate(user=self.people[who], promise=promise, new_due_at=self._ahead(ahead),
                                         agreed_channel=agreement[0], agreed_text=agreement[1])

    # --- Delivery and after ------------------------------------------------------------------------
    @rule(who=WHO, days=st.sampled_from([-1, 0, 1, 2, 7, 120]), satisfied=st.booleans(), prevention=TEXTS)
    @refused_is_fine
    def record_the_delivery(self, who, days, satisfied, prevention):
        case = self.case
        services.delivery_record(user=self.people[who], case=case, verified_with_client=True,
                                 client_satisfied=satisfied, prevention_note=prevention,
                                 follow_up_on=timezone.localdate(timezone=case.client.tz) + dt.timedelta(days=days))

    @rule(who=WHO, note=TEXTS)
    @refused_is_fine
    def log_the_follow_up_call(self, who, note):
        services.follow_up_log(user=self.people[who], case=self.case, note=note)

    # --- The client's schedule ----------------------------------------------------------------------
    @rule(who=st.sampled_from(["rep", "rep", "supervisor", "teammate"]), quiet=st.sampled_from(QUIET))
    @refused_is_fine
    def change_the_quiet_hours(self, who, quiet):
        case = self.case
        client = case.client
        start, end = quiet or (None, None)
        services.client_update(user=self.people[who], client=client, case=case, name=client.name,
                               organisation=client.organisation, email=client.email, phone=client.phone,
                               time_zone=client.time_zone, quiet_hours_start=start, quiet_hours_end=end)

    @rule(who=st.sampled_from(["rep", "supervisor"]), hours=st.integers(1, 3),
          said=st.sampled_from(["", "x", "Dennis asked for a quiet afternoon"]))
    @refused_is_fine
    def the_client_asks_not_to_be_called_around_the_next_update(self, who, hours, said):
        """"Please don't call me this afternoon": quiet hours around the next update's deadline."""
        case = self.case
        promise = case.promises.filter(status=PromiseStatus.PENDING, kind=PromiseKind.STATUS_UPDATE).first()
        if promise is None:
            return
        client = case.client
        local = promise.due_at.astimezone(client.tz)
        start, end = (local - dt.timedelta(hours=hours)).time(), (local + dt.timedelta(hours=hours)).time()
        services.client_update(user=self.people[who], client=client, case=case, name=client.name,
                               organisation=client.organisation, email=client.email, phone=client.phone,
                               time_zone=client.time_zone, quiet_hours_start=start.replace(second=0, microsecond=0),
                               quiet_hours_end=end.replace(second=0, microsecond=0),
                               agreed_channel="phone" if said else "", agreed_text=said)

    # --- The system ---------------------------------------------------------------------------------
    @rule(via=st.sampled_from(["service", "sweep"]))
    def the_broken_promise_sweep_runs(self, via):
        now = timezone.now()
        if via == "sweep":
            SWEEPS["broken_promises"](now)
            return
        for promise in self.case.promises.filter(status=PromiseStatus.PENDING, due_at__lte=now):
            promise_break(promise=promise, now=now)

    @rule()
    def the_other_sweeps_run(self):
        now = timezone.now()
        for name in ("update_reminders", "item_reminders", "overdue_items", "follow_ups", "stalled_cases"):
            SWEEPS[name](now)

    # --- Invariants ----------------------------------------------------------------------------------
    def _started(self):
        return self.case_pk is not None

    @invariant()
    def no_step_is_skipped(self):
        if not self._started():
            return
        events = list(CaseEvent.objects.filter(case_id=self.case_pk).exclude(to_step="").order_by("pk")
                      .values("from_step", "to_step", "data"))
        previous = ""
        for event in events:
            move = (event["from_step"], event["to_step"])
            assert event["from_step"] == previous, f"the timeline jumps: {previous} then {move}"
            made_by = (event["data"] or {}).get("transition")
            if previous:
                assert move in DECLARED_MOVES, f"undeclared move {move}"
                assert made_by in DECLARED_MOVES[move], f"{move} made by {made_by}"
                assert NEXT.get(move[0]) == move[1] or made_by in ("loose_ends", "reopen", "force_close"), move
            previous = event["to_step"]
        assert self.case.step == previous

    def _last_close(self):
        return (CaseEvent.objects.filter(case_id=self.case_pk, to_step=Step.RESOLVED).order_by("-pk")
                .values_list("pk", "data").first())

    @invariant()
    def closed_means_closed(self):
        if not self._started():
            return
        case = self.case
        if case.step != Step.RESOLVED:
            return
        _, data = self._last_close()
        pending = sorted(case.promises.filter(status=PromiseStatus.PENDING).values_list("kind", flat=True))
        if data.get("transition") == Transition.COMPLETE_DELIVER.method:
            assert pending in ([], [PromiseKind.FOLLOW_UP]), f"pending on a resolved case: {pending}"
        else:
            assert pending == [], f"pending on a force-closed case: {pending}"
        assert not case.action_items.filter(status=ItemStatus.OPEN).exists()

    @invariant()
    def the_override_flag_tells_how_the_case_was_last_closed(self):
        if not self._started():
            return
        case = self.case
        if case.step != Step.RESOLVED:
            return
        _, data = self._last_close()
        assert case.closed_by_override == (data.get("transition") == Transition.FORCE_CLOSE.method), \
            f"closed_by_override={case.closed_by_override} but last closed by {data.get('transition')}"

    @invariant()
    def closing_resolves_the_escalations(self):
        if not self._started():
            return
        case = self.case
        if case.step != Step.RESOLVED:
            return
        closed_event, _ = self._last_close()
        for escalation in case.escalations.exclude(status=EscalationStatus.RESOLVED):
            raised = (CaseEvent.objects.filter(case=case, data__escalation=escalation.pk, verb__startswith="escalated")
                      .order_by("pk").values_list("pk", flat=True).first())
            assert raised is not None and raised > closed_event, \
                f"escalation {escalation.pk} ({escalation.reason}) raised before the close is still open"

    @invariant()
    def a_passed_deadline_ends_broken(self):
        if not self._started():
            return
        promises = Promise.objects.filter(case_id=self.case_pk)
        assert not promises.filter(due_at__isnull=True).exists()
        late = promises.filter(status__in=[PromiseStatus.RENEGOTIATED, PromiseStatus.WITHDRAWN, PromiseStatus.KEPT],
                               closed_at__gt=F("due_at"))
        assert not late.exists(), [(p.kind, p.status, p.due_at, p.closed_at) for p in late]
        kept_late = promises.filter(status=PromiseStatus.KEPT, kept_at__gt=F("due_at"))
        assert not kept_late.exists(), [(p.kind, p.due_at, p.kept_at) for p in kept_late]
        assert not promises.filter(status=PromiseStatus.KEPT, kept_at__isnull=True).exists()

    @invariant()
    def a_renegotiation_carries_the_clients_agreement(self):
        if not self._started():
            return
        for promise in Promise.objects.filter(case_id=self.case_pk, status=PromiseStatus.RENEGOTIATED):
            successor = Promise.objects.filter(replaces=promise).first()
            if successor is None:  # dropped (an item cancelled before its due time): the event holds the agreement
                dropped = CaseEvent.objects.get(case_id=self.case_pk, verb=DROPPED, data__promise=promise.pk)
                assert promise.kind == PromiseKind.ACTION_ITEM and dropped.data["agreed_channel"], dropped.note
                assert word_count(dropped.note.split("“", 1)[1]) >= 3, dropped.note
                continue
            assert successor.agreed_channel and word_count(successor.agreed_text) >= 3, \
                f"{promise.kind} promise {promise.pk} moved without the client's agreement: " \
                f"{successor.agreed_channel!r} {successor.agreed_text!r}"
            assert successor.moved_count == promise.moved_count + 1

    @invariant()
    def the_follow_up_is_kept_on_its_day_or_later(self):
        if not self._started():
            return
        case = self.case
        tz = case.client.tz
        for promise in case.promises.filter(kind=PromiseKind.FOLLOW_UP, kept_at__isnull=False):
            assert promise.kept_at.astimezone(tz).date() >= promise.due_at.astimezone(tz).date()

    @invariant()
    def every_gate_text_has_substance(self):
        if not self._started():
            return
        for model, field in GATE_TEXTS:
            scope = {"pk": self.case_pk} if model is Case else {"case_id": self.case_pk}
            for text in model.objects.filter(**scope).exclude(**{field: ""}).values_list(field, flat=True):
                assert word_count(text) >= 3, f"{model.__name__}.{field} stored {text!r}"


@pytest.mark.django_db
@pytest.mark.slow
def test_the_ledger_rules_hold_under_random_use():
    run_state_machine_as_test(LedgerMachine, settings=SETTINGS)
