"""`seed_demo --history DAYS`: a team's realistic past, generated in bulk, once, the same every time."""
import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cases.management.commands._demo import MARK, seed_history
from cases.metrics import eta, team_dashboard
from cases.models import (
    Case, CaseEvent, Client, Escalation, EscalationReason, HeldStay, Promise, PromiseKind, PromiseStatus, StaffProfile,
    Step,
)
from cases.permissions import is_supervisor
from cases.schedule import in_quiet_hours
from cases.search import SEARCH_FIELDS
from cases.services.common import COUNTER_FIELDS, refresh_counters
from cases.services.held import OWNER_CHANGES, parts_from_timeline
from cases.services.promises import DROPPED
from cases.workflow import OPEN_STEPS, Transition
from notifications.models import OutboxMessage
from notifications.sweeps import SWEEPS
from tests.cases.metrics_support import held_alone_as_expected

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def a_wednesday_morning():
    """The history is generated backwards from now, its business hours and quiet hours read on the clock:
    the same seed gives the same past only from the same moment. The clock starts at a fixed Wednesday
    10:00 UTC (no time-zone change in the ten days before) and runs on; before, a run just after midnight
    UTC had no withdrawn promise."""
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC), tick=True):
        yield


def history_cases():
    return Case.objects.filter(events__verb="opened", events__data__seed=MARK)


@pytest.fixture
def history():
    call_command("seed_demo", "--password", "pw-history-long", "--history", "10")
    return history_cases()


def test_history_puts_cases_in_every_step(history):
    steps = set(history.values_list("step", flat=True))

    assert steps == set(Step.values)


def test_history_has_promises_of_every_status(history):
    statuses = set(Promise.objects.filter(case__in=history).values_list("status", flat=True))

    assert statuses == set(PromiseStatus.values)


def test_history_goes_on_through_a_missed_update_as_the_sweep_does(history):
    """A missed update opens the next beat (Promise.after_missed); the late update re-times it."""
    retimed = CaseEvent.objects.filter(case__in=history, verb="next update re-timed")
    assert retimed.exists()
    beats = Promise.objects.filter(pk__in=[e.data["promise"] for e in retimed])
    assert not beats.filter(after_missed=True).exists()
    made_after_miss = CaseEvent.objects.filter(case__in=history, verb="promise made", actor=None)
    assert set(beats.values_list("pk", flat=True)) <= {e.data["promise"] for e in made_after_miss}


def test_history_escalates_for_several_reasons_counted_for_the_owner_at_the_time(history):
    escalations = Escalation.objects.filter(case__in=history)
    reasons = set(escalations.values_list("reason", flat=True))

    assert {EscalationReason.BROKEN_PROMISE, EscalationReason.STALLED} < reasons
    assert len(reasons) >= 4
    assert not escalations.filter(case_owner__isnull=True).exists()


def test_history_belongs_to_six_reps_and_two_supervisors(history):
    owners = set(history.values_list("owner__username", flat=True))
    supervisors = set(StaffProfile.objects.filter(user__username__in=owners)
                      .values_list("supervisor__username", flat=True))

    assert len(owners) == 6
    assert supervisors == {"sam", "dana"}
    assert all(is_supervisor(u) for u in get_user_model().objects.filter(username__in=supervisors))


def test_history_moves_cases_with_the_declared_transitions(history):
    moves = CaseEvent.objects.filter(case__in=history).exclude(from_step="")
    names = set(moves.values_list("data__transition", flat=True))

    assert names <= {t.method for t in Transition}
    assert {t.method for t in Transition if t.is_completion} <= names
    assert not moves.exclude(data__has_key="transition").exists()


def test_history_holds_each_owners_part_of_each_stay_as_the_services_cut_it(history):
    """The simulation writes HeldStay as it moves and hands cases on; the timeline cut again gives the same."""
    written, cut = [], []
    for case in history:
        held = case.held_stays.values_list("owner_id", "step", "entered_at", "started_at", "ended_at")
        written += [(case.pk, *row) for row in held]
        cut += [(case.pk, *part) for part in parts_from_timeline(case.events.order_by("created_at", "id"))]
    assert written and sorted(written) == sorted(cut)
    assert held_alone_as_expected(HeldStay.objects.filter(case__in=history)) == []
    assert CaseEvent.objects.filter(case__in=history, verb__in=OWNER_CHANGES).exists()  # hands changed


def test_history_keeps_on_each_arrival_the_verdict_its_rows_give(history):
    """The simulation judges each arrival at deliver and, when the client sends the delivery back, voids the
    verdict and puts the estimate back as the services do: judging every case's rows again gives the same."""
    arrivals = CaseEvent.objects.filter(verb=eta.ARRIVAL.label).exclude(from_step="").order_by("created_at", "id")
    for case in history.distinct():
        assert list(arrivals.filter(case=case).values_list("eta_verdict", flat=True)) == eta.case_verdicts(case)
    assert CaseEvent.objects.filter(case__in=history, verb="promise restored").exists()  # some sent back in time


def test_history_spreads_over_the_window(history):
    now = timezone.now()
    opened = list(history.values_list("opened_at", flat=True))

    assert len(opened) >= 40
    assert min(opened) >= now - dt.timedelta(days=11)
    assert max(opened) - min(opened) > dt.timedelta(days=8)


def test_history_counters_and_search_columns_are_what_the_services_compute(history):
    stored = {c.pk: [getattr(c, f) for f in COUNTER_FIELDS + SEARCH_FIELDS] for c in history}

    recomputed = {c.pk: [getattr(refresh_counters(c), f) for f in COUNTER_FIELDS + SEARCH_FIELDS] for c in history}

    assert stored == recomputed
    assert all(values[-1] for values in stored.values())  # search_names filled


def test_running_it_twice_creates_nothing_new(history):
    def counts():
        return [m.objects.count() for m in (Case, Promise, CaseEvent, Escalation, Client, OutboxMessage)]
    before = counts()

    call_command("seed_demo", "--password", "pw-history-long", "--history", "10")

    assert counts() == before


def test_history_is_the_same_for_the_same_seed_and_moment():
    now = timezone.now()

    def fingerprint():
        rows = history_cases().values_list("summary", "step", "owner__username", "client__name", "opened_at",
                                           "temperature", "next_promise_due_at")
        promises = (Promise.objects.filter(case__in=history_cases()).values_list("kind", "status")
                    .annotate(n=Count("id")).order_by("kind", "status"))
        return sorted(rows), list(promises)

    with transaction.atomic():
        seed_history(days=10, password="pw", seed=3, now=now)
        first = fingerprint()
        transaction.set_rollback(True)
    seed_history(days=10, password="pw", seed=3, now=now)

    assert fingerprint() == first


def test_history_leaves_the_sweeps_nothing_to_catch_up():
    now = timezone.now()
    seed_history(days=10, password="pw", now=now)

    acted = {name: sweep(now=now) for name, sweep in SWEEPS.items()}

    assert set(acted.values()) == {0}
    assert not OutboxMessage.objects.exists()


def test_team_dashboard_over_the_history_shows_real_patterns(history):
    team = team_dashboard(days=30).team

    assert 0 < team.promise_rate < 1
    assert all(median is not None for _, median, *_ in team.step_medians)
    assert team.escalation_total > 0
    assert team.eta_arrivals > 0 and team.mood_cases > 0


def test_open_history_cases_owe_nothing_already_due(history):
    now = timezone.now()
    open_cases = history.filter(step__in=OPEN_STEPS)

    assert not Promise.objects.filter(case__in=open_cases, status=PromiseStatus.PENDING, due_at__lte=now).exists()
    assert open_cases.filter(next_promise_due_at__gt=now).exists()


def test_the_operator_login_opens_the_outbox_but_works_no_cases(client):
    call_command("seed_demo", "--password", "pw-ops-long-enough")
    ops = get_user_model().objects.get(username="ops")

    client.post("/login/", {"username": "ops", "password": "pw-ops-long-enough"})  # axes needs the request
    response = client.get("/admin/notifications/outboxmessage/")

    assert response.status_code == 200
    assert not is_supervisor(ops) and not ops.is_superuser


def test_history_keeps_the_ledgers_rules_on_quiet_hours_and_dropped_items(history):
    """What the services enforce holds in the generated past too: no pending promise falls due inside
    its client's quiet hours, and every item promise renegotiated with no successor was dropped with
    the client's agreement on the timeline."""
    pending = Promise.objects.filter(case__in=history, status=PromiseStatus.PENDING).select_related("case__client")
    renegotiated = Promise.objects.filter(case__in=history, status=PromiseStatus.RENEGOTIATED)
    dropped = renegotiated.exclude(pk__in=Promise.objects.filter(replaces__isnull=False).values("replaces"))
    dropped_events = CaseEvent.objects.filter(case__in=history, verb=DROPPED)

    assert pending.exists() and dropped.exists()
    for promise in pending:
        client = promise.case.client
        assert not in_quiet_hours(promise.due_at.astimezone(client.tz), client.quiet_hours_start,
                                  client.quiet_hours_end), (promise.kind, promise.due_at, client.quiet_hours_start)
    assert set(dropped.values_list("kind", flat=True)) == {PromiseKind.ACTION_ITEM}
    assert {e.data["promise"] for e in dropped_events} == set(dropped.values_list("pk", flat=True))
    assert all("Agreed by" in e.note for e in dropped_events)
