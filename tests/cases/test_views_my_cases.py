"""The rep's home, My cases: sign-in required, what it lists, filters, search, paging, htmx, cost."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import ActionItem, Case, EscalationReason, Mood, Step
from tests.cases.helpers import advance_to, open_case
from tests.factories import CaseFactory, ClientFactory
from tests.cases.views_support import HTMX, page_of


# --- Login required ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["cases:my_cases", "cases:case_new"])
def test_pages_send_anonymous_visitors_to_sign_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_case_page_sends_anonymous_visitors_to_sign_in(client, rep, dennis):
    case = open_case(rep, dennis)

    response = client.get(page_of(case))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_sign_in_page_renders_with_the_username_field_focused(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'name="username"' in response.content and b"autofocus" in response.content


# --- My cases ------------------------------------------------------------------------------------
def test_my_cases_lists_the_reps_open_cases_with_step_temperature_and_next_promise(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)

    response = rep_client.get(reverse("cases:my_cases"))

    html = response.content.decode()
    assert response.status_code == 200
    assert case.reference in html and "Dennis" in html
    assert 'class="stepper stepper--compact' in html
    assert "mood--anxious" in html
    assert "Update Dennis" in html
    assert f'data-due="{case.next_promise_due_at.isoformat()}"' in html


def test_my_cases_leaves_out_another_reps_case(rep_client, other_rep, dennis):
    case = open_case(other_rep, dennis)

    response = rep_client.get(reverse("cases:my_cases"))

    assert case.reference not in response.content.decode()


def test_my_cases_includes_a_case_where_the_rep_holds_an_action_item(rep_client, rep, other_rep, dennis):
    case = advance_to(open_case(other_rep, dennis), Step.PLAN, other_rep)
    services.action_item_create(user=other_rep, case=case, description="Check the DNS records", assignee=rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))

    response = rep_client.get(reverse("cases:my_cases"))

    html = response.content.decode()
    assert case.reference in html
    assert "Your item due" in html


def test_my_cases_filters_by_step(rep_client, rep, dennis):
    in_identify = open_case(rep, dennis)
    in_gather = advance_to(open_case(rep, dennis), Step.GATHER, rep)

    response = rep_client.get(reverse("cases:my_cases"), {"step": Step.GATHER})

    html = response.content.decode()
    assert in_gather.reference in html
    assert in_identify.reference not in html


def test_my_cases_filters_overdue_cases(rep_client, rep, dennis, time_machine):
    late = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=90))
    on_time = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)

    response = rep_client.get(reverse("cases:my_cases"), {"overdue": "on"})

    html = response.content.decode()
    assert late.reference in html
    assert on_time.reference not in html
    assert "overdue" in html


def test_my_cases_filters_escalated_cases(rep_client, rep, dennis):
    escalated = open_case(rep, dennis)
    services.escalation_raise(user=rep, case=escalated, reason=EscalationReason.LIABILITY, note="Refund asked")
    calm = open_case(rep, dennis)

    response = rep_client.get(reverse("cases:my_cases"), {"escalated": "on"})

    html = response.content.decode()
    assert escalated.reference in html
    assert calm.reference not in html


@pytest.mark.parametrize("query", ["Priya", "Natarajan Dental", "payroll", "C-0"])
def test_my_cases_search_matches_client_business_concern_text_and_reference(rep_client, rep, query):
    priya = ClientFactory(name="Priya", organisation="Natarajan Dental")
    found = open_case(rep, priya)
    other = open_case(rep, ClientFactory(name="Someone", organisation="Elsewhere"),
                      concern={"description": "The printer keeps jamming", "impact": "Orders go out slowly",
                               "feeling": "Annoyed"})
    other.reference = "X-1"
    other.save(update_fields=["reference"])

    response = rep_client.get(reverse("cases:my_cases"), {"q": query})

    html = response.content.decode()
    assert found.reference in html
    assert "X-1" not in html


def test_my_cases_hides_resolved_cases_unless_asked(rep_client, rep, dennis):
    resolved = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)

    default = rep_client.get(reverse("cases:my_cases")).content.decode()
    asked = rep_client.get(reverse("cases:my_cases"), {"show": "resolved"}).content.decode()

    assert resolved.reference not in default
    assert resolved.reference in asked


def test_my_cases_is_paginated(rep_client, rep, dennis):
    for _ in range(26):
        services.case_open(user=rep, client=dennis, summary="Down", temperature=Mood.CALM)

    first = rep_client.get(reverse("cases:my_cases"))
    second = rep_client.get(reverse("cases:my_cases"), {"page": 2})

    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 1


def test_my_cases_answers_htmx_with_the_list_only(rep_client, rep, dennis):
    case = open_case(rep, dennis)

    response = rep_client.get(reverse("cases:my_cases"), {"q": "Dennis"}, headers={**HTMX, "HX-Target": "case-list"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="case-list"')
    assert "<html" not in html
    assert case.reference in html


def test_my_cases_plain_request_renders_the_whole_page(rep_client, rep, dennis):
    open_case(rep, dennis)

    response = rep_client.get(reverse("cases:my_cases"))

    assert b"<html" in response.content and b'id="case-list"' in response.content


def test_my_cases_shows_handoffs_waiting_for_the_rep(rep_client, rep, other_rep, dennis):
    case = open_case(other_rep, dennis)
    services.handoff_request(user=other_rep, case=case, to_user=rep, reason="Going on leave")

    response = rep_client.get(reverse("cases:my_cases"))

    assert "Waiting for you to accept" in response.content.decode()
    assert "Going on leave" in response.content.decode()


def _make_cases(owner, n):
    client = ClientFactory()
    for i in range(n):
        case = advance_to(open_case(owner, client), Step.MANAGE_ANXIETY if i % 2 else Step.GATHER, owner)
        services.escalation_raise(user=owner, case=case, reason=EscalationReason.OTHER, note="Help")


def test_my_cases_costs_the_same_queries_for_three_cases_as_for_twelve(client, rep, other_rep,
                                                                       django_assert_max_num_queries):
    _make_cases(rep, 3)
    _make_cases(other_rep, 12)
    client.force_login(rep)
    with django_assert_max_num_queries(8):
        small = client.get(reverse("cases:my_cases"))
    client.force_login(other_rep)

    with django_assert_max_num_queries(8):
        large = client.get(reverse("cases:my_cases"))

    assert len(small.context["page"].object_list) == 3
    assert len(large.context["page"].object_list) == 12


def test_my_cases_marks_my_item_on_a_case_i_co_own_but_not_a_finished_item(rep_client, rep, other_rep, dennis):
    co_owned = advance_to(open_case(other_rep, dennis), Step.PLAN, other_rep)
    Case.objects.filter(pk=co_owned.pk).update(co_owner=rep)
    services.action_item_create(user=other_rep, case=co_owned, description="Check the DNS records", assignee=rep,
                                due_at=timezone.now() + dt.timedelta(hours=2))
    finished = advance_to(open_case(other_rep, dennis), Step.PLAN, other_rep)
    item = services.action_item_create(user=other_rep, case=finished, description="Call the host", assignee=rep,
                                       due_at=timezone.now() + dt.timedelta(hours=2))
    services.action_item_complete(user=rep, item=item)

    response = rep_client.get(reverse("cases:my_cases"))

    rows = {c.reference: c for c in response.context["page"].object_list}
    assert set(rows) == {co_owned.reference}
    assert rows[co_owned.reference].holds_item and "Your item due" in response.content.decode()


def _owns_and_holds_items(owner, other, n_owned, n_items):
    """`n_owned` open cases owned by `owner`, and `n_items` cases of `other` where `owner` holds an open item."""
    client = ClientFactory()
    CaseFactory.create_batch(n_owned, owner=owner, client=client, step=Step.GATHER)
    theirs = CaseFactory.create_batch(n_items, owner=other, client=client, step=Step.PLAN)
    ActionItem.objects.bulk_create([ActionItem(case=c, description="Check the DNS records", assignee=owner,
                                               due_at=timezone.now() + dt.timedelta(hours=3), created_by=other)
                                    for c in theirs])


def test_my_cases_costs_the_same_queries_at_10_cases_as_at_200(client, rep, other_rep, supervisor):
    _owns_and_holds_items(rep, supervisor, 5, 5)
    _owns_and_holds_items(other_rep, supervisor, 190, 10)
    client.force_login(rep)
    with CaptureQueriesContext(connection) as few:
        small = client.get(reverse("cases:my_cases"))
    client.force_login(other_rep)

    with CaptureQueriesContext(connection) as many:
        large = client.get(reverse("cases:my_cases"))

    assert small.context["page"].paginator.count == 10 and large.context["page"].paginator.count == 200
    assert len(few) == len(many)


def test_my_cases_finds_item_cases_by_id_so_the_count_can_combine_indexes(rep_client, rep, other_rep):
    _owns_and_holds_items(rep, other_rep, 3, 2)

    with CaptureQueriesContext(connection) as captured:
        rep_client.get(reverse("cases:my_cases"))

    # The page's ids come with the count (COUNT(*) OVER (), cases.paging.window_page).
    count = next(q["sql"] for q in captured if "COUNT(*) OVER ()" in q["sql"] and 'FROM "cases_case"' in q["sql"])
    assert "EXISTS" not in count  # an EXISTS inside the OR forces a scan of every open case


def test_my_cases_lists_the_page_in_order_with_the_count_of_every_case(rep_client, rep, other_rep):
    _owns_and_holds_items(rep, other_rep, 30, 4)

    first = rep_client.get(reverse("cases:my_cases")).context["page"]
    second = rep_client.get(reverse("cases:my_cases"), {"page": 2}).context["page"]

    assert first.paginator.count == 34 and first.paginator.num_pages == 2
    rows = [*first.object_list, *second.object_list]
    assert len({c.pk for c in rows}) == 34
    assert [c.holds_item for c in rows].count(True) == 4


@pytest.mark.parametrize("page", ["7", "nonsense"])
def test_a_page_past_the_end_shows_the_last_and_nonsense_the_first(rep_client, rep, other_rep, page):
    _owns_and_holds_items(rep, other_rep, 30, 0)

    shown = rep_client.get(reverse("cases:my_cases"), {"page": page}).context["page"]

    assert shown.number == (2 if page == "7" else 1)
    assert len(shown.object_list) == (5 if page == "7" else 25)


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [{"q": "x" * 101}, {"step": "bogus"}])
def test_a_bad_filter_is_left_out_and_said_while_the_others_still_filter(rep_client, rep, dennis, bad):
    early = open_case(rep, dennis)
    advance_to(open_case(rep, dennis), Step.PLAN, rep)

    response = rep_client.get("/", {"step": Step.IDENTIFY, **bad} if "q" in bad else {"show": "resolved", **bad})

    html = response.content.decode()
    assert response.status_code == 200 and "(left out of the filter)" in html
    if "q" in bad:  # the step still filters: only the case in identify
        assert early.reference in html and html.count('class="case-row__ref"') == 1
    else:  # "resolved" still filters: no open case listed
        assert early.reference not in html
    assert 'maxlength="100"' in html


def test_a_teammates_ask_for_a_case_waits_on_the_owners_my_cases_not_the_askers(client, rep, other_rep, dennis):
    case = open_case(rep, dennis)
    services.case_ask_for(user=other_rep, case=case, reason="I know this client well")

    client.force_login(rep)
    owner_sees = client.get(reverse("cases:my_cases")).content.decode()
    client.force_login(other_rep)
    asker_sees = client.get(reverse("cases:my_cases")).content.decode()

    assert "Waiting for you to accept" in owner_sees and "asks for this case" in owner_sees
    assert "I know this client well" in owner_sees
    assert "Waiting for you to accept" not in asker_sees
