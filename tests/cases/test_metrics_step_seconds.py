"""How long a case stayed in a step is recorded on each transition event (CaseEvent.step_seconds, written
by cases.services.transitions): for every transition, the override and reopen included; migration 0007
backfills the same values from the history; the benchmark's bulk builder writes them as well."""
import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from cases import services
from cases.metrics.stays import STAYS_SQL
from cases.models import Case, CaseEvent, Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.metrics_support import H, T0, at, next_step

MIGRATION = importlib.import_module("cases.migrations.0007_event_step_seconds")


def transitions(case):
    return list(case.events.exclude(from_step="").order_by("created_at", "id")
                .values_list("from_step", "to_step", "step_seconds"))


def live_and_backfilled():
    """Every event's step_seconds as written, then as the migration's backfill writes it from the history."""
    live = dict(CaseEvent.objects.values_list("id", "step_seconds"))
    CaseEvent.objects.update(step_seconds=None)
    MIGRATION.backfill(apps, SimpleNamespace(connection=connection))
    return live, dict(CaseEvent.objects.values_list("id", "step_seconds"))


@pytest.mark.django_db
def test_each_transition_records_how_long_the_case_stayed_in_the_step_it_left(rep, dennis):
    with at(T0):
        case = open_case(rep, dennis)
    with at(T0 + 2 * H):
        case = next_step(case, rep)
    with at(T0 + 2 * H + dt.timedelta(minutes=25)):
        case = next_step(case, rep)

    assert transitions(case) == [(Step.IDENTIFY, Step.ACKNOWLEDGE, 7200.0), (Step.ACKNOWLEDGE, Step.RECOMMIT, 1500.0)]


@pytest.mark.django_db
def test_the_transition_event_is_dated_when_the_case_entered_its_new_step(rep, dennis):
    with at(T0):
        case = next_step(open_case(rep, dennis), rep)

    event = case.events.get(from_step=Step.IDENTIFY)
    assert event.created_at == Case.objects.get(pk=case.pk).step_entered_at == T0


@pytest.mark.django_db
def test_an_override_and_a_reopen_record_the_stay_they_end(rep, supervisor, dennis):
    with at(T0):
        forced = open_case(rep, dennis)
        resolved = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)
    with at(T0 + 3 * H):
        services.case_transition(user=supervisor, case=forced, name="force_close", reason="Duplicate of C-1")
    with at(T0 + 5 * H):
        services.case_reopen(user=rep, case=resolved, reason="Mail stopped again")

    assert transitions(forced) == [(Step.IDENTIFY, Step.RESOLVED, 3 * 3600.0)]
    assert transitions(resolved)[-1] == (Step.RESOLVED, Step.PLAN, 5 * 3600.0)


@pytest.mark.django_db
def test_events_that_are_not_transitions_record_no_stay(rep, dennis):
    with at(T0):
        case = next_step(open_case(rep, dennis), rep)

    assert not case.events.filter(from_step="").exclude(step_seconds=None).exists()
    assert case.events.filter(verb="opened", step_seconds=None).exists()


def lived_history(rep, supervisor, client):
    """Cases taken through every kind of transition at whole-minute moments: completions, loose ends,
    a reopen, an override."""
    with at(T0):
        long_way = open_case(rep, client)
        forced = open_case(rep, client)
    moment = T0
    for _ in range(7):
        moment += dt.timedelta(minutes=47)
        with at(moment):
            long_way = next_step(long_way, rep)
    with at(moment + 2 * H):
        services.case_reopen(user=rep, case=long_way, reason="The mail stopped again overnight")
    with at(moment + 3 * H):
        advance_to(forced, Step.GATHER, rep)
    with at(moment + 9 * H):
        services.case_transition(user=supervisor, case=forced, name="force_close", reason="Client went elsewhere")


@pytest.mark.django_db
def test_the_backfill_writes_the_values_live_recording_wrote(rep, supervisor, dennis):
    lived_history(rep, supervisor, dennis)

    live, backfilled = live_and_backfilled()

    assert backfilled == live
    assert sum(seconds is not None for seconds in live.values()) == 8 + 4


@pytest.mark.django_db
def test_the_backfill_leaves_a_transition_it_cannot_pair_empty(rep, dennis):
    with at(T0):
        case = next_step(open_case(rep, dennis), rep)
    case.events.filter(verb="opened").delete()  # the step's entry is missing from the history

    live, backfilled = live_and_backfilled()

    assert [s for s in live.values() if s is not None] == [0.0]
    assert set(backfilled.values()) == {None}


@pytest.mark.django_db
def test_the_benchmark_builder_writes_the_stays_the_backfill_finds():
    from benchmarks.build import populate

    populate(30, now=T0, pool_size=15)

    built, backfilled = live_and_backfilled()

    assert backfilled == built
    assert CaseEvent.objects.exclude(step_seconds=None).count() >= 30


def test_the_stays_statement_reads_the_models_table_and_the_owner_from_the_events():
    """The case table only by primary key, for whether a rep holds a shared stay again now (held.mark_held_again)."""
    assert f"FROM {CaseEvent._meta.db_table}\n" in STAYS_SQL
    assert STAYS_SQL.count(f"{Case._meta.db_table} ") == 1
    assert f"FROM {Case._meta.db_table} AS c WHERE c.id = shared.case_id" in STAYS_SQL
