"""All cases, the supervisor's view of every case of the team: who gets in, each filter, the default
order, paging, the CSV download (every matching row, safe to open in a spreadsheet) and its cost."""
import base64
import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.csv_safe import csv_safe, safe_row
from cases.supervisor_views.all_cases import PAGE_SIZE
from cases.models import Case, Mood, Promise, PromiseKind, PromiseStatus, Step
from tests.factories import CaseFactory, ClientFactory, RepFactory

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
URL = reverse("supervisor:all_cases")


@pytest.fixture(autouse=True)
def _fixed_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def make(owner=None, **fields):
    """A case row as the services would have left it (the list reads its columns, not its history)."""
    fields.setdefault("opened_at", NOW - dt.timedelta(days=2))
    return CaseFactory(owner=owner or RepFactory(), **fields)


def refs(response):
    return [case.reference for case in response.context["page"].object_list]


def csv_of(response):
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- who gets in -----------------------------------------------------------------------------------
def test_a_rep_is_forbidden_all_cases(rep_client):
    assert rep_client.get(URL).status_code == 403


def test_a_rep_is_forbidden_the_csv_too(rep_client):
    assert rep_client.get(URL, {"format": "csv"}).status_code == 403


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_supervisor_nav_links_to_all_cases(boss):
    html = boss.get(reverse("supervisor:queue")).content.decode()

    assert f'href="{URL}"' in html


# --- what it lists ----------------------------------------------------------------------------------
def test_all_cases_lists_every_reps_open_cases_with_client_owner_step_and_next_promise(boss, rep, other_rep):
    mine = make(rep, client=ClientFactory(name="Dennis Hale"), next_promise_due_at=NOW + dt.timedelta(hours=2))
    theirs = make(other_rep)

    response = boss.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert set(refs(response)) == {mine.reference, theirs.reference}
    assert "Dennis Hale" in html and "1. Identify the concerns" in html
    assert f'data-due="{mine.next_promise_due_at.isoformat()}"' in html


def test_by_default_resolved_cases_are_left_out(boss):
    open_case = make()
    resolved = make(step=Step.RESOLVED, resolved_at=NOW - dt.timedelta(days=1))

    assert refs(boss.get(URL)) == [open_case.reference]
    assert refs(boss.get(URL, {"step": Step.RESOLVED})) == [resolved.reference]
    assert set(refs(boss.get(URL, {"step": "all"}))) == {open_case.reference, resolved.reference}


def test_filters_by_step(boss):
    make()
    in_plan = make(step=Step.PLAN)

    assert refs(boss.get(URL, {"step": Step.PLAN})) == [in_plan.reference]


def test_filters_by_owner(boss, rep, other_rep):
    make(rep)
    theirs = make(other_rep)

    assert refs(boss.get(URL, {"owner": other_rep.pk})) == [theirs.reference]


def test_filters_by_temperature(boss):
    make(temperature=Mood.CALM)
    angry = make(temperature=Mood.ANGRY)

    assert refs(boss.get(URL, {"temperature": Mood.ANGRY})) == [angry.reference]


def test_filters_overdue_cases(boss):
    make(next_promise_due_at=NOW + dt.timedelta(hours=1))
    late = make(next_promise_due_at=NOW - dt.timedelta(minutes=5))

    assert refs(boss.get(URL, {"overdue": "on"})) == [late.reference]


def _broken(case, kind, **fields):
    return Promise.objects.create(case=case, kind=kind, due_at=NOW - dt.timedelta(hours=1), status=PromiseStatus.BROKEN,
                                  owner=case.owner, source="Owed to the client", **fields)


def test_the_overdue_filter_keeps_a_broken_update_not_yet_made_good_and_marks_its_row(boss):
    make(step=Step.MANAGE_ANXIETY)
    behind = make(step=Step.MANAGE_ANXIETY)
    _broken(behind, PromiseKind.STATUS_UPDATE)

    response = boss.get(URL, {"overdue": "on"})

    assert refs(response) == [behind.reference]
    assert [c.is_overdue for c in response.context["page"].object_list] == [True]
    assert 'class="is-overdue"' in boss.get(URL).content.decode()


def test_a_broken_promise_that_can_no_longer_be_made_good_is_history_not_overdue(boss):
    """An update broken at the delivery call (the case resolved: no update is logged on it again), an
    item cancelled after its promise broke; a follow-up call still to log on a resolved case is owed."""
    resolved = make(step=Step.RESOLVED, resolved_at=NOW - dt.timedelta(hours=2))
    _broken(resolved, PromiseKind.STATUS_UPDATE)
    cancelled = make(step=Step.MANAGE_ANXIETY)
    item = cancelled.action_items.create(description="Restore the site", status="cancelled", cancel_reason="Moot",
                                          created_by=cancelled.owner)
    _broken(cancelled, PromiseKind.ACTION_ITEM, action_item=item)
    call_owed = make(step=Step.RESOLVED, resolved_at=NOW - dt.timedelta(days=9))
    _broken(call_owed, PromiseKind.FOLLOW_UP)

    assert refs(boss.get(URL, {"overdue": "on", "step": "all"})) == [call_owed.reference]


def test_a_broken_promise_replaced_since_is_made_good_by_keeping_its_successor(boss):
    """A new rhythm (or a new deadline for the item) after a miss: the case is up to date again when the
    promise that replaced the broken one is on time."""
    caught_up = make(step=Step.MANAGE_ANXIETY, next_promise_due_at=NOW + dt.timedelta(hours=1))
    _broken(caught_up, PromiseKind.STATUS_UPDATE)
    Promise.objects.create(case=caught_up, kind=PromiseKind.STATUS_UPDATE, due_at=NOW + dt.timedelta(hours=1),
                           owner=caught_up.owner, source="Update the client")
    item = caught_up.action_items.create(description="Restore the site", created_by=caught_up.owner)
    _broken(caught_up, PromiseKind.ACTION_ITEM, action_item=item)
    Promise.objects.create(case=caught_up, kind=PromiseKind.ACTION_ITEM, due_at=NOW + dt.timedelta(hours=3),
                           owner=caught_up.owner, source="Fix: Restore the site", action_item=item)
    behind = make(step=Step.MANAGE_ANXIETY, next_promise_due_at=NOW + dt.timedelta(hours=1))
    other_item = behind.action_items.create(description="Check the DNS", created_by=behind.owner)
    _broken(behind, PromiseKind.ACTION_ITEM, action_item=other_item)
    Promise.objects.create(case=behind, kind=PromiseKind.ACTION_ITEM, due_at=NOW + dt.timedelta(hours=3),
                           owner=behind.owner, source="Fix: Another item",
                           action_item=behind.action_items.create(description="Another", created_by=behind.owner))

    assert refs(boss.get(URL, {"overdue": "on"})) == [behind.reference]


def test_filters_escalated_cases(boss):
    make()
    escalated = make(open_escalation_count=2)

    assert refs(boss.get(URL, {"escalated": "on"})) == [escalated.reference]


def test_filters_stalled_cases(boss):
    make()
    stalled = make(stalled_flagged_at=NOW - dt.timedelta(hours=3))

    response = boss.get(URL, {"stalled": "on"})

    assert refs(response) == [stalled.reference]
    assert "Stalled" in response.content.decode()


def test_filters_by_the_opened_window_whole_days_inclusive(boss):
    make(opened_at=dt.datetime(2025, 6, 9, 23, 0, tzinfo=dt.UTC))
    first = make(opened_at=dt.datetime(2025, 6, 10, 0, 0, tzinfo=dt.UTC))
    last = make(opened_at=dt.datetime(2025, 6, 20, 23, 59, tzinfo=dt.UTC))
    make(opened_at=dt.datetime(2025, 6, 21, 0, 0, tzinfo=dt.UTC))

    response = boss.get(URL, {"opened_from": "2025-06-10", "opened_to": "2025-06-20"})

    assert set(refs(response)) == {first.reference, last.reference}


def test_a_resolved_window_lists_the_cases_resolved_in_it(boss):
    make()
    make(step=Step.RESOLVED, resolved_at=dt.datetime(2025, 5, 1, 10, 0, tzinfo=dt.UTC))
    in_window = make(step=Step.RESOLVED, resolved_at=dt.datetime(2025, 6, 15, 10, 0, tzinfo=dt.UTC))

    response = boss.get(URL, {"resolved_from": "2025-06-01", "resolved_to": "2025-06-30"})

    assert refs(response) == [in_window.reference]


def test_a_date_more_than_a_year_ahead_is_a_form_error_and_that_filter_is_left_out(boss):
    case = make()

    response = boss.get(URL, {"opened_to": "2027-01-01"})

    assert response.status_code == 200
    assert "too far out" in response.content.decode()
    assert refs(response) == [case.reference]


def test_a_window_that_ends_before_it_starts_is_a_form_error(boss):
    response = boss.get(URL, {"opened_from": "2025-06-20", "opened_to": "2025-06-10"})

    assert response.status_code == 200
    assert "The end of the window is before its start." in response.content.decode()


@pytest.mark.parametrize("params", [{"opened_from": "not-a-date"}, {"owner": "x"}, {"step": "nope"},
                                    {"sort": "drop table"}, {"resolved_to": "0001-01-01"}])
def test_nonsense_in_the_url_is_a_form_error_not_a_500(boss, params):
    make()

    response = boss.get(URL, params)

    assert response.status_code == 200
    assert len(refs(response)) == 1


# --- order and pages ---------------------------------------------------------------------------------
def test_sorted_by_the_next_promise_due_soonest_first_and_nothing_pending_last(boss):
    none_pending = make(opened_at=NOW - dt.timedelta(hours=1))
    later = make(next_promise_due_at=NOW + dt.timedelta(hours=5))
    overdue = make(next_promise_due_at=NOW - dt.timedelta(hours=1))
    soon = make(next_promise_due_at=NOW + dt.timedelta(minutes=30))

    assert refs(boss.get(URL)) == [overdue.reference, soon.reference, later.reference, none_pending.reference]


def test_can_be_sorted_newest_first(boss):
    old = make(opened_at=NOW - dt.timedelta(days=9), next_promise_due_at=NOW + dt.timedelta(hours=1))
    new = make(opened_at=NOW - dt.timedelta(days=1), next_promise_due_at=NOW + dt.timedelta(hours=9))

    assert refs(boss.get(URL, {"sort": "newest"})) == [new.reference, old.reference]


def test_pages_hold_twenty_five_cases_and_keep_the_filters(boss):
    for _ in range(PAGE_SIZE + 1):
        make(temperature=Mood.UPSET)

    first = boss.get(URL, {"temperature": Mood.UPSET})
    second = boss.get(URL, {"temperature": Mood.UPSET, "page": 2})

    assert PAGE_SIZE == 25 and len(refs(first)) == PAGE_SIZE and len(refs(second)) == 1
    assert "temperature=upset&amp;page=2" in first.content.decode()


# --- CSV -------------------------------------------------------------------------------------------
def test_the_csv_holds_every_matching_case_with_its_columns(boss, rep):
    for _ in range(55):
        make(temperature=Mood.UPSET)
    make(temperature=Mood.CALM)
    dennis = ClientFactory(name="Dennis Hale", organisation="Hale Internet")
    case = make(rep, client=dennis, temperature=Mood.UPSET, next_promise_due_at=NOW + dt.timedelta(hours=2),
                open_escalation_count=1, opened_at=dt.datetime(2025, 6, 28, 9, 30, tzinfo=dt.UTC))

    response = boss.get(URL, {"temperature": Mood.UPSET, "format": "csv"})

    rows = csv_of(response)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert rows[0] == ["Reference", "Client", "Organisation", "Owner", "Step", "Temperature", "Opened (UTC)",
                       "Resolved (UTC)", "Next promise due (UTC)", "Open escalations"]
    assert len(rows) == 1 + 56
    assert rows[1] == [case.reference, "Dennis Hale", "Hale Internet", rep.get_full_name() or rep.username,
                       "Identify the concerns", "Upset", "2025-06-28 09:30", "", "2025-06-30 14:00", "1"]


def test_csv_times_are_in_the_viewers_zone(client, supervisor):
    from cases.models import StaffProfile

    StaffProfile.objects.create(user=supervisor, time_zone="Europe/London")
    client.force_login(supervisor)
    make(opened_at=dt.datetime(2025, 6, 28, 9, 30, tzinfo=dt.UTC))

    rows = csv_of(client.get(URL, {"format": "csv"}))

    assert rows[0][6] == "Opened (Europe/London)"
    assert rows[1][6] == "2025-06-28 10:30"


def test_a_client_name_that_is_a_formula_comes_out_as_text(boss):
    make(client=ClientFactory(name='=HYPERLINK("http://evil.example","Click")', organisation="@SUM(A1)"))

    rows = csv_of(boss.get(URL, {"format": "csv"}))

    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[1][2] == "'@SUM(A1)"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@cmd", "\tx", "\rx"])
def test_every_cell_that_could_start_a_formula_gets_an_apostrophe(value):
    assert csv_safe(value) == "'" + value


def test_plain_text_and_numbers_pass_unchanged():
    assert safe_row(["Dennis", "", None, 3, -2, "a=b"]) == ["Dennis", "", "", 3, -2, "a=b"]


# --- cost ------------------------------------------------------------------------------------------
def _queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
        if isinstance(response, StreamingHttpResponse):
            b"".join(response.streaming_content)
        else:
            assert response.status_code == 200
    return len(ctx)


def _make_many(n):
    for i in range(n):
        make(RepFactory(), next_promise_due_at=NOW + dt.timedelta(hours=i) if i % 2 else None,
             open_escalation_count=i % 3, stalled_flagged_at=NOW if i % 5 == 0 else None)


@pytest.mark.parametrize("params", [{}, {"format": "csv"}, {"overdue": "on", "sort": "newest"}])
def test_the_page_and_the_csv_cost_the_same_queries_for_ten_cases_as_for_sixty(boss, params):
    _make_many(10)
    few = _queries(boss, params)
    _make_many(50)

    many = _queries(boss, params)

    assert few == many


# --- long lists: capped count, next pages from the cursor ------------------------------------------
def _mixed(n):
    """n open cases, half with a promise due (some due at the same moment), half with nothing pending."""
    for i in range(n):
        due = NOW + dt.timedelta(hours=i // 3) if i % 2 else None
        make(next_promise_due_at=due, opened_at=NOW - dt.timedelta(days=i % 4))


def _all_pages(client, params):
    """Every page's references, following each page's next link (its cursor)."""
    pages, query = [], {**params}
    while True:
        response = client.get(URL, query)
        pages.append(refs(response))
        page = response.context["page"]
        if not page.has_next():
            return pages
        query = {**params, "page": page.next_page_number(), "after": page.next_cursor}


@pytest.mark.parametrize("sort", ["due", "newest", "oldest", "resolved", "reference"])
def test_following_the_next_links_lists_each_case_once_in_the_pages_order(boss, sort):
    _mixed(2 * PAGE_SIZE + 15)
    in_order = boss.get(URL, {"sort": sort, "page": 1}).context["page"].paginator.object_list  # the sorted ids
    reference = dict(Case.objects.values_list("pk", "reference"))
    expected = [reference[pk] for pk in in_order]

    pages = _all_pages(boss, {"sort": sort})

    assert [len(p) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 15]
    assert [ref for page in pages for ref in page] == expected


def test_the_next_link_carries_the_last_rows_cursor_and_the_page_number(boss):
    _mixed(60)

    html = boss.get(URL, {"temperature": ""}).content.decode()

    assert "temperature=&amp;page=2&amp;after=" in html


def test_a_page_from_a_cursor_is_the_same_as_the_page_by_its_number(boss):
    _mixed(3 * PAGE_SIZE)
    first = boss.get(URL).context["page"]

    by_cursor = boss.get(URL, {"page": 2, "after": first.next_cursor})
    by_number = boss.get(URL, {"page": 2})

    assert refs(by_cursor) == refs(by_number) and len(refs(by_cursor)) == PAGE_SIZE


def _cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("sort, cursor", [
    ("due", "not-base64!"), ("due", _cursor([])), ("due", _cursor(["x", "y"])), ("due", _cursor([1, 2, 3])),
    ("due", _cursor({"a": 1})), ("due", _cursor([None, "2025-06-28T12:00:00+00:00", 10**30])),
    ("due", _cursor([None, "2025-13-45T99:00:00+00:00", 1])), ("due", _cursor([None, "2025-06-28T12:00:00", 1])),
    ("reference", _cursor(["C-\u0000", 1])), ("newest", _cursor([None, 1])),
    ("newest", _cursor(["0001-01-01T00:00:00+14:00", 5])), ("oldest", _cursor(["9999-12-31T23:59:59-14:00", 5])),
    ("resolved", _cursor(["0001-01-01T00:00:00+00:00", "2025-06-28T12:00:00+00:00", 5])),
])
def test_a_hand_edited_cursor_shows_the_page_by_its_number(boss, sort, cursor):
    _mixed(PAGE_SIZE + 10)

    response = boss.get(URL, {"sort": sort, "page": 2, "after": cursor})

    assert response.status_code == 200 and len(refs(response)) == 10


def test_the_count_stops_at_the_cap_and_says_so(boss, monkeypatch):
    monkeypatch.setattr("cases.supervisor_views.all_cases.COUNT_CAP", 5)
    _mixed(7)

    response = boss.get(URL)

    assert response.context["page"].paginator.count_label() == "5+"
    assert "5+ cases" in response.content.decode()


def test_a_count_under_the_cap_is_exact(boss):
    _mixed(7)

    assert boss.get(URL).context["page"].paginator.count_label() == "7"


def _keyset_queries(client):
    first = client.get(URL, {"sort": "due"}).context["page"]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"sort": "due", "page": 2, "after": first.next_cursor})
    assert response.status_code == 200
    return len(ctx)


def test_a_page_from_a_cursor_costs_the_same_queries_for_ten_cases_as_for_two_hundred(boss):
    _mixed(60)
    few = _keyset_queries(boss)
    _mixed(200)

    many = _keyset_queries(boss)

    assert few == many


def test_the_first_page_costs_the_same_queries_for_ten_cases_as_for_two_hundred(boss):
    _make_many(10)
    few = _queries(boss, {})
    _make_many(200)

    many = _queries(boss, {})

    assert few == many
