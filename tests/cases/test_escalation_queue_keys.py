"""The escalation queue as it opens reads its order from keys kept on the case (Case.queue_since,
Case.queue_broken, kept with open_escalation_count by services.common.refresh_counters and the broken-
promise sweep) and from the index in that order (case_queue_order). The keys must say exactly what the
escalations say, whatever the services did to them."""
import datetime as dt

import pytest
from django.db import connection

from cases import services
from cases.models import Case, Escalation, EscalationReason, EscalationStatus, Mood
from cases.models.case import HEAT_BROKEN_PROMISE, HEAT_IRATE, HEAT_OTHER, HEAT_UPSET
from cases.supervisor_views.selectors import escalation_queue
from tests.cases.supervisor_support import NOW, at, url
from tests.cases.test_supervisor_queue_views import broken_promise_at, raise_at


def recomputed():
    """The queue's rows worked out from the escalations themselves, as the spec orders them."""
    rows = []
    for case in Case.objects.all():
        active = [e for e in Escalation.objects.filter(case=case) if e.status != EscalationStatus.RESOLVED]
        if not active:
            continue
        if case.flagged_irate or case.temperature == Mood.IRATE:
            heat = HEAT_IRATE
        elif any(e.raised_by_system and e.reason == EscalationReason.BROKEN_PROMISE for e in active):
            heat = HEAT_BROKEN_PROMISE
        elif case.temperature in (Mood.ANGRY, Mood.UPSET):
            heat = HEAT_UPSET
        else:
            heat = HEAT_OTHER
        assert case.open_escalation_count == len(active)  # what the row shows as its count
        rows.append({"pk": case.pk, "heat": heat, "oldest_escalation_at": min(e.created_at for e in active)})
    return sorted(rows, key=lambda r: (r["heat"], r["oldest_escalation_at"], r["pk"]))


def a_busy_queue(rep, dennis, supervisor):
    calm = raise_at(NOW - dt.timedelta(hours=5), rep, dennis, temperature=Mood.CALM)
    raise_at(NOW - dt.timedelta(hours=2), rep, dennis, temperature=Mood.UPSET)
    broken = broken_promise_at(NOW - dt.timedelta(hours=3), rep, dennis)
    with at(NOW - dt.timedelta(hours=1)):  # the broken case gets a rep's escalation too
        services.escalation_raise(user=rep, case=broken.case, reason=EscalationReason.OTHER, note="Client calls")
    irate = raise_at(NOW - dt.timedelta(minutes=30), rep, dennis, temperature=Mood.ANXIOUS,
                     reason=EscalationReason.IRATE)
    with at(NOW - dt.timedelta(minutes=20)):  # a second one on the calm case, then the older one resolved
        services.escalation_raise(user=rep, case=calm.case, reason=EscalationReason.LIABILITY, note="Refund asked")
        services.escalation_take(user=supervisor, escalation=irate)
        services.escalation_resolve(user=supervisor, escalation=calm, resolution="Answered the host question")
    return broken


@pytest.mark.django_db
def test_the_queue_as_it_opens_lists_what_the_escalations_say_in_the_specs_order(rep, dennis, supervisor):
    a_busy_queue(rep, dennis, supervisor)

    assert list(escalation_queue()) == recomputed()
    assert [row["heat"] for row in recomputed()] == [HEAT_IRATE, HEAT_BROKEN_PROMISE, HEAT_UPSET, HEAT_OTHER]


@pytest.mark.django_db
def test_resolving_the_broken_promise_escalation_cools_its_case_and_the_queue_follows(rep, dennis, supervisor):
    broken = a_busy_queue(rep, dennis, supervisor)
    with at(NOW):
        services.escalation_resolve(user=supervisor, escalation=broken, resolution="Called the client back")

    rows = list(escalation_queue())

    assert rows == recomputed()
    assert next(r for r in rows if r["pk"] == broken.case_id)["heat"] == HEAT_OTHER  # anxious client: the rest


@pytest.mark.django_db
def test_a_case_closed_with_escalations_open_leaves_the_queue(rep, dennis, supervisor):
    broken = a_busy_queue(rep, dennis, supervisor)
    with at(NOW):
        services.case_force_close(user=supervisor, case=broken.case, reason="Client withdrew the complaint by phone")

    rows = list(escalation_queue())

    assert rows == recomputed() and broken.case_id not in [r["pk"] for r in rows]


@pytest.mark.django_db
def test_the_page_and_the_filtered_queue_agree_with_the_keys(boss, rep, dennis, supervisor):
    a_busy_queue(rep, dennis, supervisor)

    opened = [row.pk for row in boss.get(url("queue")).context["page"].object_list]
    by_status = {s: [row.pk for row in boss.get(url("queue"), {"status": s}).context["page"].object_list]
                 for s in (EscalationStatus.OPEN, EscalationStatus.TAKEN)}

    assert opened == [r["pk"] for r in recomputed()]
    assert sorted(opened) == sorted({*by_status[EscalationStatus.OPEN], *by_status[EscalationStatus.TAKEN]})


@pytest.mark.django_db
def test_the_queue_is_read_in_its_order_from_its_index(rep, dennis, supervisor):
    a_busy_queue(rep, dennis, supervisor)
    sql, params = escalation_queue()[:50].query.sql_with_params()

    with connection.cursor() as cursor:
        # A handful of rows: left free, the planner may as well sort them from the small case_escalated index (it
        # did once in CI). What is asserted is that the order can be read from the index, with no sort.
        cursor.execute("ANALYZE cases_case")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Only Scan using case_queue_order" in plan and "Sort" not in plan, plan
