"""The supervisor's escalation queue: its order (irate, then broken promises, then angry or upset, then
the rest, oldest first), what a row shows, which escalations stay in it, its filters, and a fixed number
of queries however many escalations wait. The queue is one row per case (each escalation here is on a
case of its own; grouping is tested in test_escalation_queue.py)."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.services.common import refresh_counters
from cases.models import Case, Escalation, EscalationReason, EscalationStatus, Mood, PromiseKind, Step
from cases.paging import first_page_of
from cases.supervisor_views.escalations import PAGE_SIZE
from cases.supervisor_views.selectors import escalation_queue, queue_first_page, queue_scope
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.cases.supervisor_support import NOW, at, url
from tests.factories import CaseFactory, ClientFactory, RepFactory


def listed(response):
    """The queue's rows as the escalations they stand for (one escalation per case in these tests)."""
    return [row.escalations_listed[0] for row in response.context["page"].object_list]


# --- the queue -------------------------------------------------------------------------------------
def raise_at(moment, owner, client, *, temperature, reason=EscalationReason.OTHER):
    with at(moment):
        case = open_case(owner, client, temperature=temperature)
        return services.escalation_raise(user=owner, case=case, reason=reason, note=f"Help: {reason}")


def broken_promise_at(moment, owner, client):
    with at(moment - dt.timedelta(hours=2)):
        case = plan_ready(advance_to(open_case(owner, client, temperature=Mood.ANXIOUS), Step.PLAN, owner), owner)
    with at(moment):
        _, escalation = services.promise_break(promise=case.promises.get(kind=PromiseKind.STATUS_UPDATE))
    return escalation


@pytest.mark.django_db
def test_the_queue_puts_irate_then_broken_promises_then_angry_or_upset_then_the_rest_oldest_first(
        boss, rep, dennis):
    calm_old = raise_at(NOW - dt.timedelta(hours=5), rep, dennis, temperature=Mood.CALM)
    anxious_new = raise_at(NOW - dt.timedelta(hours=1), rep, dennis, temperature=Mood.ANXIOUS)
    upset = raise_at(NOW - dt.timedelta(hours=2), rep, dennis, temperature=Mood.UPSET)
    broken = broken_promise_at(NOW - dt.timedelta(hours=3), rep, dennis)
    irate = raise_at(NOW - dt.timedelta(minutes=30), rep, dennis, temperature=Mood.ANXIOUS,
                     reason=EscalationReason.IRATE)
    angry_older = raise_at(NOW - dt.timedelta(hours=4), rep, dennis, temperature=Mood.ANGRY)

    response = boss.get(url("queue"))

    assert listed(response) == [irate, broken, angry_older, upset, calm_old, anxious_new]


@pytest.mark.django_db
def test_a_queue_row_shows_case_client_reason_age_who_raised_it_and_owner(boss, rep, dennis):
    rep.first_name, rep.last_name = "Dana", "Whitlock"
    rep.save()
    with at(NOW - dt.timedelta(hours=3)):
        raise_at(NOW - dt.timedelta(hours=3), rep, dennis, temperature=Mood.CALM,
                 reason=EscalationReason.LIABILITY)
    broken = broken_promise_at(NOW - dt.timedelta(hours=1), rep, dennis)

    with at(NOW):
        page = boss.get(url("queue")).content.decode()

    assert broken.case.reference in page and "Dennis" in page
    assert "Liability question" in page and "Broken promise" in page
    assert "3\xa0hours" in page and "Dana Whitlock" in page
    assert "Raised by system" in page


@pytest.mark.django_db
def test_taken_escalations_stay_in_the_queue_and_resolved_ones_leave_it(boss, supervisor, rep, dennis):
    taken = raise_at(NOW, rep, dennis, temperature=Mood.CALM)
    resolved = raise_at(NOW, rep, dennis, temperature=Mood.CALM)
    services.escalation_take(user=supervisor, escalation=taken)
    services.escalation_resolve(user=supervisor, escalation=resolved, resolution="Sorted with the host")

    rows = listed(boss.get(url("queue")))

    assert rows == [taken]


@pytest.mark.django_db
def test_the_queue_filters_by_reason_and_by_status(boss, supervisor, rep, dennis):
    liability = raise_at(NOW, rep, dennis, temperature=Mood.CALM, reason=EscalationReason.LIABILITY)
    other = raise_at(NOW, rep, dennis, temperature=Mood.CALM)
    services.escalation_take(user=supervisor, escalation=other)

    by_reason = listed(boss.get(url("queue"), {"reason": "liability"}))
    by_status = listed(boss.get(url("queue"), {"status": "taken"}))
    resolved = listed(boss.get(url("queue"), {"status": "resolved"}))

    assert by_reason == [liability]
    assert by_status == [other]
    assert resolved == []


@pytest.mark.django_db
def test_a_filtered_row_hiding_an_open_escalation_sends_the_supervisor_to_read_it_before_taking(boss, rep, dennis):
    liability = raise_at(NOW - dt.timedelta(hours=3), rep, dennis, temperature=Mood.CALM,
                         reason=EscalationReason.LIABILITY)
    with at(NOW):
        services.escalation_raise(user=rep, case=liability.case, reason=EscalationReason.OTHER, note="And this")
    take = reverse("supervisor:case_take", args=[liability.case.reference])

    with at(NOW + dt.timedelta(minutes=5)):
        filtered = boss.get(url("queue"), {"reason": "liability"}).content.decode()
        whole = boss.get(url("queue")).content.decode()

    assert f'action="{take}"' not in filtered
    assert "1 more open, not shown by the filter" in filtered
    assert f'action="{take}"' in whole and "Take all 2" in whole


@pytest.mark.django_db
def test_an_unknown_filter_value_shows_the_whole_queue(boss, escalation):
    response = boss.get(url("queue"), {"reason": "made-up", "status": "nope"})

    assert response.status_code == 200 and listed(response) == [escalation]


def queue_queries(boss):
    with CaptureQueriesContext(connection) as queries:
        assert boss.get(url("queue")).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_queue_costs_the_same_queries_for_one_escalation_or_many(boss, rep, dennis):
    raise_at(NOW, rep, dennis, temperature=Mood.CALM)
    few = queue_queries(boss)
    for _ in range(6):
        owner = RepFactory()
        raise_at(NOW, owner, ClientFactory(), temperature=Mood.UPSET, reason=EscalationReason.LIABILITY)
    broken_promise_at(NOW, rep, dennis)

    many = queue_queries(boss)

    assert few == many <= 8


# --- long queues -----------------------------------------------------------------------------------
def escalated_cases(n, *, hours_ago=1):
    """n cases with one open escalation each, as the services leave the rows (escalation and counter)."""
    for i in range(n):
        case = CaseFactory(temperature=Mood.CALM)
        Escalation.objects.create(case=case, reason=EscalationReason.OTHER, note="Help", raised_by=case.owner,
                                  case_owner=case.owner, created_at=NOW - dt.timedelta(hours=hours_ago, minutes=i))
        refresh_counters(case)


@pytest.mark.django_db
def test_the_queue_costs_the_same_queries_for_ten_cases_as_for_two_hundred(boss):
    escalated_cases(10)
    few = queue_queries(boss)
    escalated_cases(190, hours_ago=5)

    many = queue_queries(boss)

    assert few == many


@pytest.mark.django_db
def test_the_queue_counts_every_case_and_pages_them_oldest_first(boss):
    escalated_cases(PAGE_SIZE + 10)

    first = boss.get(url("queue")).context["page"]
    second = boss.get(url("queue"), {"page": 2}).context["page"]

    assert PAGE_SIZE == 25 and first.paginator.count == PAGE_SIZE + 10
    assert len(first.object_list) == PAGE_SIZE and len(second.object_list) == 10
    oldest = [row.oldest_escalation_at for row in [*first.object_list, *second.object_list]]
    assert oldest == sorted(oldest)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["9", "x", "-1"])
def test_a_page_past_the_end_or_not_a_number_shows_a_page_of_the_queue(boss, page):
    escalated_cases(PAGE_SIZE + 10)

    response = boss.get(url("queue"), {"page": page})

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == (10 if page == "9" else PAGE_SIZE)


@pytest.mark.django_db
def test_a_case_whose_escalations_are_all_resolved_is_not_in_the_queue(boss):
    escalated_cases(2)
    done = Case.objects.order_by("pk").first()
    Escalation.objects.filter(case=done).update(status=EscalationStatus.RESOLVED, resolved_at=NOW)
    refresh_counters(done)

    rows = boss.get(url("queue")).context["page"].object_list

    assert [row.pk for row in rows] == [Case.objects.order_by("pk").last().pk]


@pytest.mark.django_db
def test_the_queue_as_it_opens_reads_its_first_page_by_a_frozen_statement_the_same_as_the_orm(boss):
    escalated_cases(PAGE_SIZE + 5)
    Case.objects.filter(pk=Case.objects.order_by("pk").last().pk).update(temperature=Mood.IRATE, flagged_irate=True)
    refresh_counters(Case.objects.order_by("pk").last())

    frozen = queue_first_page(**queue_scope())
    orm = list(first_page_of(escalation_queue(), PAGE_SIZE))

    assert frozen is not None and frozen() == orm and len(orm) == PAGE_SIZE
    assert orm[0]["rows_in_all"] == PAGE_SIZE + 5
    assert queue_first_page(**queue_scope(status=EscalationStatus.OPEN)) is None
