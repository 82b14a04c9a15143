"""The benchmark's database builder (benchmarks/build.py) cannot rot: a tiny build (200 cases, a pool of
80 simulated ones copied into the older history, as `make bench` copies 4,000 into 100,000) against the
test database, with the foreign keys checked. Nothing here is timed: `make bench` measures."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from benchmarks.build import N_REPS, N_SUPERVISORS, populate
from cases.models import ActionItem, Case, CaseEvent, Client, Escalation, ItemStatus, Promise, PromiseStatus, Step
from cases.models import EscalationStatus
from notifications.sweeps import SWEEPS

NOW = dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.timezone.utc)

pytestmark = pytest.mark.django_db


def build():
    summary = populate(200, now=NOW, pool_size=80)
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys, checked now
    return summary


def test_the_builder_represents_every_step_promise_status_and_record():
    summary = build()

    assert summary["copies"] == 3 and Case.objects.count() == 200
    assert set(Case.objects.values_list("step", flat=True)) == set(Step.values)
    assert set(Promise.objects.values_list("status", flat=True)) == set(PromiseStatus.values)
    assert set(ActionItem.objects.values_list("status", flat=True)) == set(ItemStatus.values)
    assert {EscalationStatus.TAKEN, EscalationStatus.RESOLVED} <= set(Escalation.objects.values_list("status", flat=True))
    assert 0.15 < summary["open_cases"] / 200 < 0.4
    assert CaseEvent.objects.count() >= 10 * 200
    assert not Case.objects.filter(search_text="").exists()
    assert sorted(Case.objects.values_list("reference", flat=True)) == [f"C-{pk:06d}" for pk in
                                                                        sorted(Case.objects.values_list("pk", flat=True))]
    shifted = Case.objects.filter(opened_at__lt=NOW - dt.timedelta(days=100))
    assert shifted.count() >= 100  # the copies lie in the older history
    assert Client.objects.filter(cases__in=shifted).exclude(cases__opened_at__gte=NOW - dt.timedelta(days=90)).exists()
    User = get_user_model()
    assert User.objects.filter(groups__name="rep").count() == N_REPS
    assert User.objects.filter(groups__name="supervisor").count() == N_SUPERVISORS
    assert Case.objects.values("owner").distinct().count() == N_REPS
    assert Case.objects.filter(reference=summary["long_case"], owner__username=summary["rep"]).exists()


def test_nothing_is_due_for_any_sweep_at_the_build_time():
    """The bench makes its own due work (benchmarks/background.py): the build leaves none."""
    build()

    assert {name: sweep(now=NOW) for name, sweep in SWEEPS.items()} == dict.fromkeys(SWEEPS, 0)


def test_the_floor_views_exist_only_under_the_bench_settings(client):
    assert client.get("/bench/floor/").status_code == 404
    assert client.get("/bench/floor-rows/").status_code == 404
