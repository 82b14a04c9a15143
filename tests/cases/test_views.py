"""The rep's pages: My cases, New case and the case page; who may see what, and what each shows."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, Channel, Client, EscalationReason, ItemKind, Mood, Step
from tests.cases.helpers import advance_to, open_case, plan_ready
from tests.factories import ClientFactory, StaffProfileFactory, UserFactory

HTMX = {"HX-Request": "true"}


def page_of(case):
    return reverse("cases:case_detail", args=[case.reference])


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


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
                      concern={"description": "Printer jammed", "impact": "Slow", "feeling": "Annoyed"})
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


# --- New case ------------------------------------------------------------------------------------
def test_new_case_page_offers_existing_clients_and_a_new_client(rep_client, dennis):
    response = rep_client.get(reverse("cases:case_new"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Dennis" in html and "New client" in html
    assert 'type="datetime-local"' in html


def _new_case_data(**overrides):
    data = {
        "client_name": "Dennis Hale", "client_organisation": "Hale Internet Ltd", "client_phone": "+1 212 555 0101",
        "client_time_zone": "America/New_York", "summary": "Website and email down after the upgrade",
        "temperature": Mood.ANXIOUS, "description": "Website and email down since the overnight upgrade",
        "impact": "No orders; payroll due in 3 days", "feeling": "Worried",
        "impact_deadline": (timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(overrides)
    return data


def test_new_case_with_a_new_client_is_owned_by_the_rep_who_logs_it(rep_client, rep):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data())

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == page_of(case)
    assert case.owner == rep
    assert case.client.name == "Dennis Hale" and case.client.time_zone == "America/New_York"
    assert case.concerns.get().impact == "No orders; payroll due in 3 days"
    assert case.temperature == Mood.ANXIOUS


def test_new_case_for_an_existing_client(rep_client, rep, dennis):
    rep_client.post(reverse("cases:case_new"), _new_case_data(client=dennis.pk, client_name=""))

    assert Case.objects.get().client == dennis
    assert Client.objects.count() == 1


def test_new_case_without_a_summary_keeps_what_was_typed_and_says_what_is_wrong(rep_client):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data(summary=""))

    html = response.content.decode()
    assert response.status_code == 422
    assert Case.objects.count() == 0
    assert "This field is required." in html
    assert "No orders; payroll due in 3 days" in html
    assert response.context["form"].errors["summary"]


def test_new_case_needs_a_client(rep_client):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data(client_name=""))

    assert response.status_code == 422
    assert "Pick an existing client or give the new client" in response.content.decode()


def test_new_case_refuses_an_impact_deadline_in_the_past(rep_client):
    past = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = rep_client.post(reverse("cases:case_new"), _new_case_data(impact_deadline=past))

    assert response.status_code == 422
    assert response.context["form"].errors["impact_deadline"] == ["Choose a time in the future."]


def test_new_case_maps_a_service_refusal_onto_the_field(rep_client):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data(client_quiet_start="22:00"))

    assert response.status_code == 422
    assert response.context["form"].errors["client_quiet_end"] == ["Quiet hours need both a start and an end."]
    assert Client.objects.count() == 0


def test_new_case_client_search_answers_htmx_with_options(rep_client, dennis):
    ClientFactory(name="Priya")

    response = rep_client.get(reverse("cases:case_new"), {"client_q": "denn"}, headers={**HTMX, "HX-Target": "id_client"})

    html = response.content.decode()
    assert html.lstrip().startswith("<option")
    assert "Dennis" in html and "Priya" not in html


def test_new_case_client_search_without_javascript_keeps_the_typed_text(rep_client, dennis):
    response = rep_client.get(reverse("cases:case_new"), {"client_q": "denn", "summary": "Site down"})

    assert 'value="Site down"' in response.content.decode()


def test_new_case_is_refused_to_a_user_without_a_role(client, db):
    client.force_login(UserFactory())

    response = client.get(reverse("cases:case_new"))

    assert response.status_code == 403


# --- Case page: who may see it -------------------------------------------------------------------
def test_the_owner_sees_the_case_with_the_playbook_for_its_step(rep_client, rep, dennis):
    case = open_case(rep, dennis)

    response = rep_client.get(page_of(case))

    html = response.content.decode()
    assert response.status_code == 200
    assert "pb-panel--identify" in html
    assert 'aria-current="step"' in html


def test_another_rep_gets_404_on_a_case_they_do_not_work(client, other_rep, rep, dennis):
    case = open_case(rep, dennis)
    client.force_login(other_rep)

    response = client.get(page_of(case))

    assert response.status_code == 404


def test_a_supervisor_sees_any_case_and_may_work_it(client, supervisor, rep, dennis):
    case = open_case(rep, dennis)
    client.force_login(supervisor)

    response = client.get(page_of(case))

    assert response.status_code == 200
    assert response.context["can_work"] is True


def test_a_teammate_with_an_item_reads_the_case_and_acts_on_their_item_only(client, rep, other_rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    mine = services.action_item_create(user=rep, case=case, description="Check DNS", assignee=other_rep,
                                       due_at=timezone.now() + dt.timedelta(hours=1))
    services.action_item_create(user=rep, case=case, description="Restore backup", assignee=rep,
                                due_at=timezone.now() + dt.timedelta(hours=1))
    client.force_login(other_rep)

    response = client.get(page_of(case))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["can_work"] is False
    assert 'name="description"' not in html  # no form to add or edit anything
    rows = {row["item"].pk: row["can_act"] for row in response.context["item_rows"]}
    assert rows[mine.pk] is True
    assert [v for k, v in rows.items() if k != mine.pk] == [False]
    assert reverse("cases:item_done", args=[case.reference, mine.pk]) in html


def test_the_gate_says_in_plain_words_what_is_missing(rep_client, rep, dennis):
    case = services.case_open(user=rep, client=dennis, summary="Down", temperature=Mood.ANXIOUS,
                              concern={"description": "Site down", "impact": "", "feeling": "Worried"})

    response = rep_client.get(page_of(case))

    html = response.content.decode()
    assert "still missing" in html
    assert "how it affects the client" in html
    assert reverse("cases:transition", args=[case.reference]) not in html


def test_the_gate_offers_the_transition_the_fsm_allows(rep_client, rep, dennis):
    case = open_case(rep, dennis)

    response = rep_client.get(page_of(case))

    html = response.content.decode()
    assert reverse("cases:transition", args=[case.reference]) in html
    assert 'value="complete_identify"' in html
    assert "Concerns identified → Acknowledge" in html


def test_a_resolved_case_offers_reopen_with_a_reason(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.RESOLVED, rep)

    html = rep_client.get(page_of(case)).content.decode()

    assert 'value="reopen"' in html
    assert "Log the follow-up call" in html


def test_only_a_supervisor_is_offered_the_closing_override(client, rep, supervisor, dennis):
    case = open_case(rep, dennis)
    client.force_login(rep)
    as_rep = client.get(page_of(case)).content.decode()
    client.force_login(supervisor)

    as_supervisor = client.get(page_of(case)).content.decode()

    assert 'value="force_close"' not in as_rep
    assert 'value="force_close"' in as_supervisor


def test_times_show_in_the_viewers_zone_with_the_clients_time_beside_promises(client, dennis):
    rep = StaffProfileFactory(time_zone="Asia/Tokyo").user
    new_york = ClientFactory(name="Dennis", time_zone="America/New_York")
    case = advance_to(open_case(rep, new_york), Step.MANAGE_ANXIETY, rep)
    due = case.next_promise_due_at
    client.force_login(rep)

    html = client.get(page_of(case)).content.decode()

    assert due.astimezone(dt.timezone(dt.timedelta(hours=9))).strftime("%H:%M") in html
    assert "EST for Dennis" in html or "EDT for Dennis" in html


def test_the_mood_trend_runs_from_intake_through_each_update(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis, temperature=Mood.ANGRY), Step.MANAGE_ANXIETY, rep)
    services.status_update_log(user=rep, case=case, summary="Back within 2 hours", channel=Channel.PHONE,
                               client_mood=Mood.CALM)

    response = rep_client.get(page_of(case))

    moods = [mood for _, mood, _ in response.context["trend"]]
    assert moods == [Mood.ANGRY, Mood.CALM]
    assert "<polyline" in response.content.decode()


def test_an_irate_case_shows_the_de_escalation_script(rep_client, rep, dennis):
    case = open_case(rep, dennis, temperature=Mood.IRATE)

    html = rep_client.get(page_of(case)).content.decode()

    assert "pb-deesc" in html


def test_a_refused_coach_free_acknowledgement_shows_stored_warnings_after_saving(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)
    services.acknowledgement_record(user=rep, case=case, text="Whose fault was it, do you think?")

    html = rep_client.get(page_of(case)).content.decode()

    assert "pb-coach__warning--blame" in html


def test_the_case_page_autofocuses_the_first_field_of_the_step(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)

    response = rep_client.get(page_of(case))

    assert response.context["forms"]["ack"].fields["text"].widget.attrs.get("autofocus") is True


def test_the_plan_shows_the_clients_expectation_beside_the_items(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)

    html = rep_client.get(page_of(case)).content.decode()

    assert "The client expects:" in html and "Orders flowing again today" in html


def test_a_pending_promise_can_be_renegotiated_from_the_page(rep_client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
    plan_ready(case, rep)

    html = rep_client.get(page_of(case)).content.decode()

    assert "Agree a new deadline" in html


def test_items_are_offered_a_client_time_zone_choice(rep_client, rep):
    case = advance_to(open_case(rep, ClientFactory(name="Dennis", time_zone="America/New_York")), Step.PLAN, rep)

    html = rep_client.get(page_of(case)).content.decode()

    assert "Dennis&#x27;s time (America/New_York)" in html
    assert ItemKind.MITIGATE.label in html


def test_the_supervisor_link_shows_for_supervisors_only(client, rep, supervisor):
    client.force_login(rep)
    as_rep = client.get(reverse("cases:my_cases")).content.decode()
    client.force_login(supervisor)

    as_supervisor = client.get(reverse("cases:my_cases")).content.decode()

    assert reverse("supervisor:queue") not in as_rep
    assert reverse("supervisor:queue") in as_supervisor


def test_pages_run_in_the_viewers_time_zone_and_without_a_profile_in_utc(client, dennis):
    tokyo = StaffProfileFactory(time_zone="Asia/Tokyo").user
    client.force_login(tokyo)
    in_tokyo = client.get(reverse("cases:my_cases")).content.decode()
    client.force_login(UserFactory(role="rep"))

    in_utc = client.get(reverse("cases:my_cases")).content.decode()

    assert "· JST" in in_tokyo
    assert "· UTC" in in_utc


def test_the_case_page_costs_the_same_queries_for_one_item_as_for_six(client, rep, dennis,
                                                                     django_assert_max_num_queries):
    def case_with(n):
        case = advance_to(open_case(rep, dennis), Step.PLAN, rep)
        for i in range(n):
            services.action_item_create(user=rep, case=case, description=f"Item {i}", assignee=rep,
                                        due_at=timezone.now() + dt.timedelta(hours=i + 1))
        return case
    small, large = case_with(1), case_with(6)
    client.force_login(rep)
    with django_assert_max_num_queries(30) as small_queries:
        client.get(page_of(small))

    with django_assert_max_num_queries(len(small_queries)):
        client.get(page_of(large))
