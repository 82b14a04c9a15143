"""The workflow is declared once (cases/workflow.py) and every layer reads it. For each step, one test
checks that the case page, the services and the sweeps agree with `policy(step)`:

(a) the blocks the case page lets the owner edit are exactly those whose record the policy allows;
(b) every Record's service refuses with the workflow's own refusal message exactly when the policy
    disallows it (and, when it allows it, does not refuse at all);
(c) the sweeps' candidate queries return a due promise of each kind only where its kind is live, a due
    open item only in ITEM_STEPS, a stalled case only in STALL_WATCH_STEPS.

Each part collects every disagreement, so one failing step names all of them at once."""
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import services, workflow
from cases.errors import CaseRuleError
from cases.models import (
    ActionItem, Case, Channel, EscalationReason, Fact, ItemKind, Mood, Promise, PromiseKind,
    PromiseStatus, Step,
)
from cases.services import automation
from cases.services.promises import promise_break
from cases.workflow import ITEM_STEPS, STALL_WATCH_STEPS, Record
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import page_of
from tests.factories import CaseFactory, ClientFactory

MANY = 10_000  # a candidate query's batch limit large enough to see every row of the test


# --- (b): one probe per service that writes a record -----------------------------------------------
def _now():
    return timezone.now()


def _orm_item(w, *, assignee=None, **extra):
    """An open item put on the case directly (items only exist from `plan` on through the services)."""
    return ActionItem.objects.create(case=w.case, description="Call the hosting provider back",
                                     assignee=assignee or w.rep, due_at=_now() + dt.timedelta(hours=2),
                                     created_by=w.rep, **extra)


def _pending_promise(w):
    """A pending, not yet due promise of the case other than the follow-up (one is made if needed)."""
    found = (w.case.promises.filter(status=PromiseStatus.PENDING, due_at__gt=_now())
             .exclude(kind=PromiseKind.FOLLOW_UP).order_by("id").first())
    if found:
        return found
    kind = next(k for k in (PromiseKind.STATUS_UPDATE, PromiseKind.ETA)
                if not w.case.promises.filter(status=PromiseStatus.PENDING, kind=k).exists())
    return Promise.objects.create(case=w.case, kind=kind, due_at=_now() + dt.timedelta(hours=1), owner=w.rep,
                                  source="Made for the test")


def _client_fields(client, **changes):
    fields = {f: getattr(client, f) for f in ("name", "organisation", "email", "phone", "time_zone",
                                              "quiet_hours_start", "quiet_hours_end")}
    return {**fields, **changes}


def _follow_up(w):
    promise = w.case.promises.filter(kind=PromiseKind.FOLLOW_UP, status=PromiseStatus.PENDING).first()
    def call():
        return services.follow_up_log(user=w.rep, case=w.case, note="Client says everything still works")

    if promise is None:
        return call()
    with time_machine.travel(promise.due_at - dt.timedelta(hours=1), tick=False):
        return call()


def _answer_hand_back(w):
    item = _orm_item(w, assignee=w.other_rep, handback_at=_now(), handback_note="I cannot reach the host")
    return services.action_item_answer_hand_back(user=w.rep, item=item, accept=False)


PROBES = {
    Record.CONCERN: [
        ("concern_add", lambda w: services.concern_add(
            user=w.rep, case=w.case, description="The invoice page shows an error",
            impact="Customers cannot pay their invoices", feeling="Frustrated")),
        ("concern_update", lambda w: services.concern_update(
            user=w.rep, concern=w.case.concerns.first(), description="The whole website is down since Monday",
            impact="No orders can come in at all", feeling="Worried")),
    ],
    Record.TEMPERATURE: [
        ("case_set_temperature", lambda w: services.case_set_temperature(user=w.rep, case=w.case,
                                                                         temperature=Mood.UPSET)),
        ("case_flag_irate", lambda w: services.case_flag_irate(user=w.rep, case=w.case, flagged=False)),
    ],
    Record.ACKNOWLEDGEMENT: [
        ("acknowledgement_record", lambda w: services.acknowledgement_record(
            user=w.rep, case=w.case, text="I understand how stressful this outage is for you")),
    ],
    Record.RECOMMITMENT: [
        ("recommitment_record", lambda w: services.recommitment_record(
            user=w.rep, case=w.case, text="We hold ourselves to keeping your shop online")),
    ],
    Record.FACT: [
        ("fact_add", lambda w: services.fact_add(user=w.rep, case=w.case, question="When did the error first appear?",
                                                 answer="Yesterday morning around nine")),
        ("fact_answer", lambda w: services.fact_answer(
            user=w.rep, fact=Fact.objects.create(case=w.case, question="Which browser do you use?", created_by=w.rep),
            answer="Firefox on a laptop")),
    ],
    Record.ROOT_PROBLEM: [
        ("case_set_root_problem", lambda w: services.case_set_root_problem(
            user=w.rep, case=w.case, root_problem="The payment plugin licence expired last week")),
    ],
    Record.EXPECTATION: [  # a change of it (the same text again is none)
        ("case_set_root_problem (expectation)", lambda w: services.case_set_root_problem(
            user=w.rep, case=w.case, root_problem="The payment plugin licence expired last week",
            expected_resolution=f"Payments taken again ({w.case.expected_resolution or 'none'} before)")),
    ],
    Record.ACTION_ITEM: [
        ("action_item_create", lambda w: services.action_item_create(
            user=w.rep, case=w.case, description="Renew the payment plugin licence", kind=ItemKind.FIX,
            assignee=w.rep, due_at=_now() + dt.timedelta(hours=2))),
    ],
    Record.ITEM_WORK: [
        ("action_item_update", lambda w: (lambda item: services.action_item_update(
            user=w.rep, item=item, description="Call the hosting provider again", kind=ItemKind.FIX,
            assignee=item.assignee, due_at=item.due_at))(_orm_item(w))),
        ("action_item_complete", lambda w: services.action_item_complete(user=w.rep, item=_orm_item(w))),
        ("action_item_cancel", lambda w: services.action_item_cancel(user=w.rep, item=_orm_item(w),
                                                                     reason="The host fixed it themselves")),
        ("action_item_hand_back", lambda w: services.action_item_hand_back(
            user=w.other_rep, item=_orm_item(w, assignee=w.other_rep), note="I have no access to that server")),
        ("action_item_answer_hand_back", _answer_hand_back),
    ],
    Record.CADENCE: [
        ("cadence_set", lambda w: services.cadence_set(
            user=w.rep, case=w.case, minutes=120, channel=Channel.EMAIL, agreed_channel=Channel.PHONE,
            agreed_text="Every two hours suits me fine")),
    ],
    Record.ETA: [
        ("eta_set", lambda w: services.eta_set(
            user=w.rep, case=w.case, earliest=_now() + dt.timedelta(hours=2), latest=_now() + dt.timedelta(hours=7),
            agreed_channel=Channel.PHONE, agreed_text="Tonight is fine by me")),
    ],
    Record.STATUS_UPDATE: [
        ("status_update_log", lambda w: services.status_update_log(
            user=w.rep, case=w.case, summary="The licence renewal is under way, fixed by noon",
            channel=Channel.PHONE, client_mood=Mood.CALM)),
    ],
    Record.RENEGOTIATION: [
        ("promise_renegotiate", lambda w: services.promise_renegotiate(
            user=w.rep, promise=_pending_promise(w), new_due_at=_now() + dt.timedelta(hours=3),
            agreed_channel=Channel.PHONE, agreed_text="Three hours from now is fine")),
    ],
    Record.DELIVERY: [
        ("delivery_record", lambda w: services.delivery_record(
            user=w.rep, case=w.case, verified_with_client=True, client_satisfied=True,
            prevention_note="Licence renewals are now on the team calendar",
            follow_up_on=timezone.localdate(timezone=w.case.client.tz) + dt.timedelta(days=7))),
    ],
    Record.FOLLOW_UP: [("follow_up_log", _follow_up)],
    Record.ESCALATION: [
        ("escalation_raise", lambda w: services.escalation_raise(
            user=w.rep, case=w.case, reason=EscalationReason.OTHER, note="I need a second opinion on this")),
    ],
    Record.CLIENT_CONTACT: [
        ("client_update (contact)", lambda w: services.client_update(
            user=w.rep, client=w.case.client, case=w.case, **_client_fields(w.case.client, phone="+44 20 7946 0999"))),
    ],
    Record.CLIENT_SCHEDULE: [
        ("client_update (schedule)", lambda w: services.client_update(
            user=w.rep, client=w.case.client, case=w.case,
            **_client_fields(w.case.client, time_zone="Europe/Paris" if w.case.client.time_zone != "Europe/Paris"
                             else "Europe/Berlin"))),
    ],
    Record.CONTACT: [
        ("client_contact_log", lambda w: services.client_contact_log(
            user=w.other_rep, case=w.case, said="He called asking when it will be fixed", client_mood="anxious",
            channel="phone")),
    ],
    # Last: they change who owns the case.
    Record.HANDOFF: [
        ("handoff_request", lambda w: services.handoff_request(user=w.rep, case=w.case, to_user=w.other_rep,
                                                               reason="I am on leave from tomorrow")),
        ("case_reassign", lambda w: services.case_reassign(user=w.supervisor, case=w.case, to_user=w.other_rep,
                                                           reason="Rebalancing the team's cases",
                                                           client_informed=True)),
    ],
}


class World:
    def __init__(self, case, rep, other_rep, supervisor):
        self.case, self.rep, self.other_rep, self.supervisor = case, rep, other_rep, supervisor


def test_every_record_has_a_service_probe():
    assert set(PROBES) == set(Record)


def test_every_page_block_reads_a_record_and_every_step_has_a_policy():
    assert set(workflow.BLOCK_RECORD) == set(workflow.BLOCKS)
    assert set(workflow.POLICIES) == set(Step)


# --- (a) the page ----------------------------------------------------------------------------------
def _page_disagreements(client, rep, step, case):
    client.force_login(rep)
    response = client.get(page_of(case))
    assert response.status_code == 200
    pol = workflow.policy(step)
    expected = {b for b in workflow.BLOCKS if pol.allows(workflow.BLOCK_RECORD[b])}
    editable = {b for b, flag in response.context["editable"].items() if flag}
    return [f"page: block “{b}” is editable but {step} does not allow {workflow.BLOCK_RECORD[b].value}"
            for b in sorted(editable - expected)] + \
           [f"page: {step} allows {workflow.BLOCK_RECORD[b].value} but block “{b}” is not editable"
            for b in sorted(expected - editable)]


# --- (b) the services ------------------------------------------------------------------------------
def _service_disagreements(step, world):
    problems = []
    for record, probes in PROBES.items():
        for label, probe in probes:
            world.case = Case.objects.get(pk=world.case.pk)
            expected = workflow.refusal(record, step, world.case.reference)
            try:
                probe(world)
                refused = None
            except CaseRuleError as exc:
                refused = exc.message
            if expected is None and refused is not None:
                problems.append(f"service: {label} refused in {step}, which allows {record.value}: {refused!r}")
            elif expected is not None and refused != expected:
                problems.append(f"service: {label} in {step} should be refused with {expected!r}, got {refused!r}")
    return problems


# --- (c) the sweeps --------------------------------------------------------------------------------
def _case_in(step, rep, **fields):
    case = CaseFactory(owner=rep, client=ClientFactory(time_zone="UTC"))
    Case.objects.filter(pk=case.pk).update(step=step, **fields)
    return Case.objects.get(pk=case.pk)


def _promise(case, kind, due_at, **extra):
    return Promise.objects.create(case=case, kind=kind, due_at=due_at, owner=case.owner, source=f"{kind} for the test",
                                  **extra)


def _sweep_disagreements(step, rep):
    now = timezone.now()
    pol = workflow.policy(step)
    due = _case_in(step, rep, step_entered_at=now - dt.timedelta(days=3), stall_clock_from=now - dt.timedelta(days=3))
    soon = _case_in(step, rep)
    overdue_item = ActionItem.objects.create(case=due, description="Restore the backup", assignee=rep,
                                             due_at=now - dt.timedelta(minutes=5), created_by=rep)
    reminder_item = ActionItem.objects.create(case=soon, description="Check the DNS records", assignee=rep,
                                              due_at=now + dt.timedelta(minutes=30), created_by=rep)
    due_promises = {kind: _promise(due, kind, now - dt.timedelta(minutes=5),
                                   action_item=overdue_item if kind == PromiseKind.ACTION_ITEM else None)
                    for kind in PromiseKind}
    update_soon = _promise(soon, PromiseKind.STATUS_UPDATE, now + dt.timedelta(minutes=10),
                           created_at=now - dt.timedelta(hours=2))
    follow_up_soon = _promise(soon, PromiseKind.FOLLOW_UP, now + dt.timedelta(hours=2))

    checks = [
        (f"broken-promise candidates, {kind} promise",
         (p.pk, p.case_id) in automation.broken_promise_candidates(now, MANY), kind in pol.live_promises)
        for kind, p in due_promises.items()
    ] + [
        ("update-reminder candidates", (update_soon.pk, soon.pk) in automation.update_reminder_candidates(now, MANY),
         PromiseKind.STATUS_UPDATE in pol.live_promises),
        ("follow-up-reminder candidates",
         (follow_up_soon.pk, soon.pk) in automation.follow_up_reminder_candidates(now, MANY),
         PromiseKind.FOLLOW_UP in pol.live_promises),
        ("item-reminder candidates", (reminder_item.pk, soon.pk) in automation.item_reminder_candidates(now, MANY),
         step in ITEM_STEPS),
        ("overdue-item candidates", (overdue_item.pk, due.pk) in automation.overdue_item_candidates(now, MANY),
         step in ITEM_STEPS),
        ("stalled-case candidates", due.pk in automation.stalled_case_candidates(now, MANY), step in STALL_WATCH_STEPS),
    ] + [
        # The per-row service re-checks under the lock: it breaks exactly the live ones.
        (f"promise_break, {kind} promise", promise_break(promise=p, now=now) is not None, kind in pol.live_promises)
        for kind, p in due_promises.items()
    ]
    assert ITEM_STEPS == tuple(s for s in Step if workflow.policy(s).items_live)
    assert STALL_WATCH_STEPS == tuple(s for s in Step if workflow.policy(s).stall_watch)
    return [f"sweeps: {name} {'returns' if got else 'misses'} the row in {step} (policy says "
            f"{'live' if want else 'not live'})" for name, got, want in checks if got != want]


@pytest.mark.parametrize("step", list(Step), ids=[s.value for s in Step])
def test_every_layer_reads_the_step_policy(step, client, rep, other_rep, supervisor, dennis):
    page_case = advance_to(open_case(rep, dennis), step, rep)
    problems = _page_disagreements(client, rep, step, page_case)

    problems += _service_disagreements(step, World(page_case, rep, other_rep, supervisor))
    problems += _sweep_disagreements(step, rep)

    assert problems == []


def test_the_probes_are_not_vacuous_a_forged_step_is_refused_by_the_policy(rep, dennis):
    case = open_case(rep, dennis)
    Case.objects.filter(pk=case.pk).update(step=Step.RESOLVED)

    with pytest.raises(CaseRuleError) as refused:
        services.concern_add(user=rep, case=case, description="Another problem with the shop",
                             impact="The shop loses sales every hour", feeling="Angry")

    assert refused.value.message == workflow.refusal(Record.CONCERN, Step.RESOLVED, case.reference)
    assert case.concerns.count() == 1
