"""New case (intake): clients picked or created, the complaint and its first concern, refusals."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Client, Mood
from tests.factories import ClientFactory, UserFactory
from tests.cases.views_support import HTMX, page_of


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
    rep_client.post(reverse("cases:case_new"), _new_case_data(client=dennis.pk, client_name="", client_organisation="",
                                                              client_phone=""))

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


def test_a_refused_new_case_keeps_the_picked_client_when_the_finder_text_no_longer_matches_it(rep_client, dennis):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data(client=dennis.pk, client_name="",
                                                                          client_q="Nomatchxyz", summary=""))

    assert response.status_code == 422
    assert f'<option value="{dennis.pk}" selected>Dennis' in response.content.decode()


def test_a_phone_that_is_not_a_number_is_refused_beside_it_and_the_rest_is_kept(rep_client):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data(client_phone="abc"))

    assert response.status_code == 422 and Case.objects.count() == 0
    assert "is not a phone number" in response.context["form"].errors["client_phone"][0]
    assert "No orders; payroll due in 3 days" in response.content.decode()


def test_a_phone_written_with_brackets_dashes_and_an_extension_is_taken(rep_client):
    rep_client.post(reverse("cases:case_new"), _new_case_data(client_phone="+1 (212) 555-0101 ext. 12"))

    assert Case.objects.get().client.phone == "+1 (212) 555-0101 ext. 12"


def test_new_case_needs_a_client(rep_client):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data(client_name=""))

    assert response.status_code == 422
    assert "Pick an existing client or give the new client" in response.content.decode()


def test_new_case_refuses_an_impact_deadline_in_the_past(rep_client):
    past = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = rep_client.post(reverse("cases:case_new"), _new_case_data(impact_deadline=past))

    assert response.status_code == 422
    assert response.context["form"].errors["impact_deadline"] == ["Choose a time in the future."]


@pytest.mark.parametrize("hours", [16, -23])
def test_a_deadline_typed_with_an_offset_the_database_cannot_hold_is_that_moment(rep_client, hours):
    """Django's field reads an ISO offset up to ±23:59; PostgreSQL holds ±15:59 (found by an audit: a 500)."""
    moment = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    typed = moment.astimezone(dt.timezone(dt.timedelta(hours=hours))).strftime("%Y-%m-%dT%H:%M%z")

    response = rep_client.post(reverse("cases:case_new"), _new_case_data(impact_deadline=typed))

    assert response.status_code == 302
    assert Case.objects.get().concerns.get().impact_deadline == moment


def test_new_case_maps_a_service_refusal_onto_the_field(rep_client):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data(client_quiet_start="22:00"))

    assert response.status_code == 422
    assert response.context["form"].errors["client_quiet_end"] == ["Quiet hours need both a start and an end."]
    assert Client.objects.count() == 0


def test_new_case_client_search_answers_htmx_with_options(rep_client, dennis):
    ClientFactory(name="Priya")

    response = rep_client.get(reverse("cases:case_new"), {"client_q": "denn"},
                              headers={**HTMX, "HX-Target": "id_client"})

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


def test_a_client_name_over_its_limit_gets_one_error_saying_so(rep_client):
    response = rep_client.post(reverse("cases:case_new"), _new_case_data(client_name="N" * 201))

    assert response.status_code == 422
    assert list(response.context["form"].errors) == ["client_name"]
    assert "Pick an existing client or give the new client" not in response.content.decode()


def test_the_client_finder_reads_at_most_its_limit_and_says_so_in_the_page(rep_client, dennis):
    from cases.forms.intake import CLIENT_Q_LIMIT

    page = rep_client.get(reverse("cases:case_new"), {"client_q": "Dennis" + " " * 5 + "x" * 5000})

    assert page.status_code == 200 and f'name="client_q" maxlength="{CLIENT_Q_LIMIT}"' in page.content.decode()
    assert page.context["client_q"] == ("Dennis" + " " * 5 + "x" * 5000)[:CLIENT_Q_LIMIT]


def test_the_move_back_reason_box_carries_the_services_limit(rep_client, rep, dennis):
    from cases.text import SHORT_NOTE
    from tests.cases.helpers import advance_to, open_case
    from cases.models import Step

    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)  # "back to plan: loose ends" is offered

    html = rep_client.get(page_of(case)).content.decode()
    assert 'name="reason" id="id_move_' in html and f'rows="2" maxlength="{SHORT_NOTE}"' in html
