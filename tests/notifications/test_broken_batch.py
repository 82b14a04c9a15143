"""The broken-promise sweep breaks a batch of promises in a fixed number of statements
(cases/services/broken.py), and the result is exactly what breaking them one at a time gives (the
path a rep's late change takes): the same promises, escalations, timeline entries, counters, item
markers and queued emails (keys, recipients, texts, coalescing slots). Checked over generated sets
of cases (Hypothesis: owners with and without a supervisor, teammates' items, several promises due
on one case, an escalation already open, an email to the owner a few minutes before)."""
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cases.models import (
    ActionItem, Case, CaseEvent, Escalation, EscalationReason, Promise, PromiseKind, PromiseStatus, Step,
)
from cases.services.automation import broken_promise_candidates
from cases.services.common import COUNTER_FIELDS
from cases.services.promises import promise_break
from notifications.models import OutboxMessage
from notifications.outbox import outbox_enqueue
from notifications.sweeps import sweep_broken_promises
from tests.factories import ClientFactory, RepFactory, StaffProfileFactory, SupervisorFactory
from tests.notifications.conftest import HOUR, MIN, T0, at, planned_case

NOW = T0 + 4 * HOUR

CASE = st.fixed_dictionaries({
    "owner": st.sampled_from(["fran", "kim"]),  # kim has no supervisor of her own: all of them hear
    "assignee": st.sampled_from(["owner", "alex"]),
    "cadence_minutes": st.sampled_from([60, 600]),  # 60: the update is due at NOW
    "item_due": st.sampled_from([2 * HOUR, 20 * HOUR]),
    "eta_latest": st.sampled_from([3 * HOUR, 20 * HOUR]),
    "step": st.sampled_from([Step.PLAN, Step.MANAGE_ANXIETY]),
    "escalation_open": st.booleans(),  # one already open for the update promise
    "emailed_owner": st.booleans(),  # the owner had an email about the case 5 minutes before NOW
})


@pytest.fixture
def people(db):
    boss, other_boss = SupervisorFactory(username="sam"), SupervisorFactory(username="lee")
    fran = StaffProfileFactory(user=RepFactory(username="fran"), supervisor=boss).user
    kim = StaffProfileFactory(user=RepFactory(username="kim"), supervisor=None).user
    alex = StaffProfileFactory(user=RepFactory(username="alex"), supervisor=other_boss,
                               time_zone="America/New_York").user
    return {"fran": fran, "kim": kim, "alex": alex, "client": ClientFactory(time_zone="Europe/London")}


def _build(people, specs):
    for spec in specs:
        owner = people[spec["owner"]]
        case = planned_case(owner, people["client"], assignee=owner if spec["assignee"] == "owner" else people["alex"],
                            cadence_minutes=spec["cadence_minutes"], item_due=spec["item_due"],
                            eta_latest=spec["eta_latest"], step=spec["step"])
        if spec["escalation_open"]:
            promise = case.promises.get(kind=PromiseKind.STATUS_UPDATE, status=PromiseStatus.PENDING)
            Escalation.objects.create(case=case, reason=EscalationReason.BROKEN_PROMISE, promise=promise,
                                      raised_by_system=True, note="opened earlier")
        if spec["emailed_owner"]:
            with at(NOW - 5 * MIN):
                outbox_enqueue(key=f"earlier:{case.pk}", kind="escalation_raised", to=[owner.email], case=case,
                               context={"case_ref": case.reference, "client": "Dennis", "reason": "Other",
                                        "note": "n", "raised_by": "Sam", "case_path": "/"})


def _state(since):
    """Everything breaking promises writes, ids replaced by their order among the new rows."""
    escalations = list(Escalation.objects.filter(pk__gt=since["escalation"]).order_by("id"))
    order = {e.pk: i for i, e in enumerate(escalations)}
    beats = list(Promise.objects.filter(pk__gt=since["promise"]).order_by("id"))  # the next beats opened
    beat_order = {p.pk: f"new-{i}" for i, p in enumerate(beats)}

    def data(event):
        return {k: (order.get(v, v) if k == "escalation" else beat_order.get(v, v) if k == "promise" else v)
                for k, v in event.data.items()}

    return {
        "promises": list(Promise.objects.filter(pk__lte=since["promise"]).order_by("id")
                         .values_list("id", "status", "broken_at", "closed_at")),
        "beats": [(p.case_id, p.kind, p.status, p.due_at, p.owner_id, p.source, p.after_missed, p.created_at)
                  for p in beats],
        "escalations": [(e.case_id, e.reason, e.note, e.raised_by_system, e.promise_id, e.case_owner_id, e.status,
                         e.created_at) for e in escalations],
        "events": [(e.case_id, e.actor_id, e.verb, e.note, data(e), e.created_at)
                   for e in CaseEvent.objects.filter(pk__gt=since["event"]).order_by("id")],
        "cases": list(Case.objects.order_by("id").values_list("id", *COUNTER_FIELDS, "updated_at")),
        "items": list(ActionItem.objects.order_by("id").values_list("id", "overdue_notified_at")),
        "outbox": list(OutboxMessage.objects.filter(pk__gt=since["outbox"]).order_by("id").values_list(
            "key", "kind", "to", "subject", "body_text", "body_html", "case_id", "coalesce_key", "next_attempt_at",
            "created_at")),
    }


def _high_water():
    return {name: (model.objects.order_by("-id").values_list("id", flat=True).first() or 0)
            for name, model in (("escalation", Escalation), ("event", CaseEvent), ("outbox", OutboxMessage),
                                ("promise", Promise))}


def _then_undo(run):
    """Run `run` at NOW, read what it wrote, and roll it back."""
    since = _high_water()
    with transaction.atomic():
        with at(NOW):
            done = run()
        state = _state(since)
        transaction.set_rollback(True)
    return done, state


def _one_by_one():
    rows = broken_promise_candidates(NOW, 10_000)
    return sum(promise_break(promise=Promise(pk=pk, case_id=case_id), now=NOW) is not None for pk, case_id in rows)


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(specs=st.lists(CASE, min_size=1, max_size=5))
def test_a_batch_breaks_promises_exactly_as_breaking_them_one_at_a_time(people, specs):
    with transaction.atomic():
        _build(people, specs)

        batch_done, batch = _then_undo(lambda: sweep_broken_promises(NOW))
        single_done, single = _then_undo(_one_by_one)

        transaction.set_rollback(True)
    assert batch_done == single_done
    assert batch == single


def _statements_of_one_sweep():
    with at(NOW), CaptureQueriesContext(connection) as ctx, transaction.atomic():
        done = sweep_broken_promises(NOW)
        transaction.set_rollback(True)
    return done, len(ctx.captured_queries)


@pytest.mark.django_db
def test_a_batch_costs_the_same_statements_for_3_or_24_due_promises(people):
    def cases(n):
        _build(people, [{"owner": "fran", "assignee": "alex", "cadence_minutes": 60, "item_due": 2 * HOUR,
                         "eta_latest": 3 * HOUR, "step": Step.MANAGE_ANXIETY, "escalation_open": False,
                         "emailed_owner": False}] * n)

    cases(1)
    few_done, few = _statements_of_one_sweep()
    cases(7)
    many_done, many = _statements_of_one_sweep()

    assert (few_done, many_done) == (3, 24)
    assert few == many
