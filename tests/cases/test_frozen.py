"""cases.frozen: a read of one fixed shape, compiled once per process, sends exactly the statement the
ORM writes for the value it is given and returns what the ORM returns; the case page's records read
that way are the records the ORM reads."""
import datetime as dt
import threading

import pytest
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.test.utils import CaptureQueriesContext

from cases import selectors_ui, services
from cases.frozen import STAND_IN, FrozenRead
from cases.paging import in_order
from cases.models import Case, CaseEvent, Channel, Mood, Promise, StatusUpdate
from tests.cases.helpers import advance_to, meet_gate, open_case
from tests.factories import ClientFactory

PROMISES = FrozenRead(lambda pk: Promise.objects.filter(case_id=pk).select_related("owner", "action_item")
                      .order_by("due_at", "id"))


def orm_promises(pk):
    return Promise.objects.filter(case_id=pk).select_related("owner", "action_item").order_by("due_at", "id")


@pytest.fixture
def two_cases(rep):
    first = advance_to(open_case(rep, ClientFactory()), "manage_anxiety", rep)
    second = advance_to(open_case(rep, ClientFactory()), "plan", rep)
    return first, meet_gate(second, rep)


def sent(read, pk):
    with CaptureQueriesContext(connection) as queries:
        rows = read(pk)
    return rows, [q["sql"] for q in queries.captured_queries]


def test_a_frozen_read_sends_what_the_orm_writes_for_that_value(two_cases):
    for case in two_cases:
        frozen_rows, frozen_sql = sent(PROMISES, case.pk)
        orm_rows, orm_sql = sent(lambda pk: list(orm_promises(pk)), case.pk)

        assert frozen_sql == orm_sql and len(frozen_sql) == 1
        assert str(case.pk) in frozen_sql[0] and str(STAND_IN) not in frozen_sql[0]
        assert [p.pk for p in frozen_rows] == [p.pk for p in orm_rows] and frozen_rows


def test_each_value_gets_its_own_rows(two_cases):
    first, second = two_cases
    PROMISES(first.pk)

    rows = PROMISES(second.pk)

    assert rows and {p.case_id for p in rows} == {second.pk}
    assert {p.pk for p in PROMISES(first.pk)}.isdisjoint({p.pk for p in rows})


def test_rows_carry_their_select_related_rows_and_fields(two_cases):
    case = two_cases[0]
    rows = PROMISES(case.pk)
    expected = {p.pk: p for p in orm_promises(case.pk)}

    with CaptureQueriesContext(connection) as queries:
        seen = [(p.owner.username, p.action_item and p.action_item.description, p.status, p.due_at) for p in rows]

    assert not queries.captured_queries
    assert seen == [(e.owner.username, e.action_item and e.action_item.description, e.status, e.due_at)
                    for e in (expected[p.pk] for p in rows)]


def test_values_list_reads_come_back_as_tuples(two_cases):
    case = two_cases[0]
    read = FrozenRead(lambda pk: StatusUpdate.objects.filter(case_id=pk).order_by("id").values_list("id", "summary"))

    assert read(case.pk) == list(StatusUpdate.objects.filter(case_id=case.pk).order_by("id")
                                 .values_list("id", "summary"))


@pytest.mark.django_db(transaction=True)
def test_a_read_compiled_in_one_thread_runs_on_another_threads_connection(two_cases):
    case = two_cases[0]
    read = FrozenRead(lambda pk: CaseEvent.objects.filter(case_id=pk).order_by("id").values_list("id", flat=True))
    expected = read(case.pk)  # compiled here, on this thread's connection
    got = {}

    def other():
        try:
            got["rows"] = read(case.pk)
            got["connection"] = read.queryset(case.pk).query.get_compiler(using="default").connection
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(30)

    assert got["rows"] == expected and expected
    assert got["connection"] is not connection


@pytest.mark.parametrize("value", [7.0, True, [7], dt.datetime(2026, 12, 1, 9, 0), {"7"}])
def test_only_ids_strings_aware_datetimes_and_sets_of_ids_are_taken(two_cases, value):
    with pytest.raises(TypeError):
        PROMISES(value)


def test_what_a_frozen_read_would_drop_is_refused(two_cases):
    with pytest.raises(ValueError, match="no prefetch_related"):
        FrozenRead(lambda pk: Case.objects.filter(pk=pk).prefetch_related("concerns"))(two_cases[0].pk)
    with pytest.raises(ValueError, match="no related manager"):
        FrozenRead(lambda pk: two_cases[0].concerns.filter(pk=pk))(1)


def test_a_frozen_queryset_cannot_be_narrowed_after_it_is_built(two_cases):
    queryset = PROMISES.queryset(two_cases[0].pk)
    for narrow in (lambda qs: qs[:1], lambda qs: qs.filter(status="kept"), lambda qs: qs.order_by("id")):
        with pytest.raises(TypeError, match="run as built"):
            narrow(queryset)


def test_first_is_the_first_row_or_none(two_cases):
    first = FrozenRead(lambda pk: Promise.objects.filter(case_id=pk).order_by("due_at", "id")[:1])
    case = two_cases[0]

    assert first.first(case.pk) == case.promises.order_by("due_at", "id").first()
    assert first.first(STAND_IN) is None


def test_a_string_the_field_turns_into_a_number_is_refused(two_cases):
    with pytest.raises(ValueError, match="never reach the SQL as parameters"):
        PROMISES(str(two_cases[0].pk))


LATE = FrozenRead(lambda ids, now, owner_id: Promise.objects.filter(case__pk__any=ids, owner_id=owner_id)
                  .annotate(late=ExpressionWrapper(Q(due_at__lt=now), output_field=BooleanField()))
                  .order_by("due_at", "id"))


def orm_late(ids, now, owner_id):
    return (Promise.objects.filter(case_id__in=ids, owner_id=owner_id)
            .annotate(late=ExpressionWrapper(Q(due_at__lt=now), output_field=BooleanField())).order_by("due_at", "id"))


def test_a_read_of_a_set_of_ids_a_time_and_an_id_is_the_orms(two_cases, rep):
    ids = frozenset(c.pk for c in two_cases)
    expected = list(orm_late(ids, timezone.now() + dt.timedelta(hours=2), rep.pk))
    assert {p.late for p in expected} == {True, False}  # both answers are on the page
    for when in (timezone.now() + dt.timedelta(hours=2), timezone.now() - dt.timedelta(days=1)):
        frozen_rows, frozen_sql = sent(lambda args: LATE(*args), (ids, when, rep.pk))
        orm_rows, orm_sql = sent(lambda args: list(orm_late(*args)), (ids, when, rep.pk))

        assert [(p.pk, p.late) for p in frozen_rows] == [(p.pk, p.late) for p in orm_rows] and frozen_rows
        # the stand-in date itself: a bare "1901" may be in a timestamp's microseconds (a CI flake)
        assert len(frozen_sql) == 1 and str(STAND_IN) not in frozen_sql[0] and "1901-01-01" not in frozen_sql[0]
    assert LATE(frozenset({two_cases[0].pk}), timezone.now(), rep.pk) == list(
        orm_late({two_cases[0].pk}, timezone.now(), rep.pk))


def test_an_empty_set_of_ids_reads_nothing_without_a_query(two_cases, rep):
    rows, queries = sent(lambda args: LATE(*args), (frozenset(), timezone.now(), rep.pk))

    assert rows == [] and queries == []


def test_a_builder_that_does_not_use_its_value_as_a_parameter_is_refused(db):
    with pytest.raises(ValueError, match="argument 1 never reaches the SQL"):
        FrozenRead(lambda pk: Promise.objects.all())(1)
    with pytest.raises(ValueError, match="argument 2 never reaches the SQL"):
        FrozenRead(lambda pk, now: Promise.objects.filter(case_id=pk))(1, timezone.now())


def test_a_string_compared_as_it_is_is_a_parameter_and_a_rewritten_one_is_refused(two_cases):
    by_reference = FrozenRead(lambda ref: Case.objects.select_related("client", "owner").filter(reference=ref))
    for case in two_cases:
        rows, sql = sent(by_reference, case.reference)
        orm_rows, orm_sql = sent(lambda ref: list(Case.objects.select_related("client", "owner").filter(reference=ref)),
                                 case.reference)
        assert sql == orm_sql and [r.pk for r in rows] == [case.pk] == [r.pk for r in orm_rows]
    assert by_reference("C-999999") == []
    with pytest.raises(ValueError, match="argument 1 never reaches the SQL"):
        FrozenRead(lambda ref: Case.objects.filter(summary__icontains=ref))("site")


def test_the_case_read_by_reference_is_still_refused_to_whom_may_not_see_it(two_cases, rep, other_rep, settings):
    from django.http import Http404

    from cases.selectors import case_for_user

    case = two_cases[0]
    assert case_for_user(rep, case.reference).pk == case.pk
    settings.REPS_SEE_OWN_CASES_ONLY = True
    with pytest.raises(Http404):
        case_for_user(other_rep, case.reference)
    with pytest.raises(Http404):
        case_for_user(rep, "C-999999")


# --- the lists' page rows -------------------------------------------------------------------------
def test_a_lists_page_rows_are_the_orms_in_the_pages_order(two_cases, rep, other_rep):
    first, second = two_cases
    item = first.action_items.first()
    services.action_item_update(user=rep, item=item, description=item.description, kind=item.kind,
                                assignee=other_rep, due_at=item.due_at)
    now = timezone.now()
    ids = [second.pk, first.pk]

    def seen(rows):
        return [(r.pk, r.client.name, r.owner.username, r.next_promise_kind, r.is_overdue,
                 getattr(r, "holds_item", None), getattr(r, "my_item_due_at", None)) for r in rows]

    for user in (None, rep, other_rep):
        expected = in_order(selectors_ui.list_rows(user, now), ids)
        assert seen(selectors_ui.page_rows(ids, user, now)) == seen(expected)
    assert [r.holds_item for r in selectors_ui.page_rows(ids, other_rep, now)] == [False, True]
    assert selectors_ui.page_rows([], rep, now) == []


def test_the_queues_page_reads_are_the_orms(two_cases, rep, supervisor):
    from cases.supervisor_views import selectors as queue

    for case in two_cases:
        services.escalation_raise(user=rep, case=case, reason="liability",
                                  note="The client asked who pays for the lost orders")
    ids = frozenset(c.pk for c in two_cases)
    for frozen, orm in ((queue._QUEUE_CASES, queue._queue_cases), (queue._QUEUE_ESCALATIONS, queue._queue_escalations)):
        frozen_rows, frozen_sql = sent(frozen, ids)
        orm_rows, orm_sql = sent(lambda i, orm=orm: list(orm(i)), ids)
        assert frozen_sql == orm_sql and [r.pk for r in frozen_rows] == [r.pk for r in orm_rows] and frozen_rows


# --- the case page's records ----------------------------------------------------------------------
def orm_records(case):
    return {
        "concerns": list(case.concerns.all()),
        "acknowledgements": list(case.acknowledgements.all()),
        "recommitments": list(case.recommitments.all()),
        "facts": list(case.facts.all()),
        "items": list(case.action_items.order_by("due_at", "id")),
        "updates": list(case.status_updates.all()),
        "deliveries": list(case.deliveries.all()),
        "promises": list(case.promises.order_by("due_at", "id")),
        "escalations": list(case.escalations.order_by("-created_at")),
        "handoffs": list(case.handoffs.order_by("-requested_at")),
        "events": list(case.events.order_by("-created_at", "-id")),
    }


@pytest.mark.parametrize("whole_timeline", [False, True])
def test_the_case_pages_records_are_the_orms(rep, whole_timeline):
    case = advance_to(open_case(rep, ClientFactory()), "manage_anxiety", rep)
    for text in ("Called the client about the backup restore", "Mailed the client the new server timings"):
        services.status_update_log(user=rep, case=case, summary=text, channel=Channel.PHONE,
                                   client_mood=Mood.CALM)
    case = advance_to(case, "resolved", rep)
    expected = orm_records(case)
    expected["events"] = expected["events"][:None if whole_timeline else selectors_ui.TIMELINE_LATEST]

    records = selectors_ui.case_records(case, whole_timeline=whole_timeline)

    for name, rows in expected.items():
        assert [r.pk for r in records[name]] == [r.pk for r in rows], name
    assert records["promises"] and records["updates"] and records["deliveries"] and records["items"]
    assert len(orm_records(case)["events"]) > selectors_ui.TIMELINE_LATEST
    assert records["timeline_more"] is (not whole_timeline)


def test_each_record_row_holds_the_case_it_was_read_for(rep):
    case = advance_to(open_case(rep, ClientFactory()), "deliver", rep)
    records = selectors_ui.case_records(case)

    with CaptureQueriesContext(connection) as queries:
        holders = {name: {row.case is case for row in rows} for name, rows in records.items()
                   if isinstance(rows, list) and rows and hasattr(rows[0], "case_id")}

    assert not queries.captured_queries
    assert holders and all(value == {True} for value in holders.values())
