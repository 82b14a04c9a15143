import pytest
from django.test import override_settings
from django.urls import reverse

from tests.cases.helpers import open_case


@pytest.mark.django_db
@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_another_reps_case_gets_a_plain_not_found_page_when_reps_see_only_their_own(client, rep, other_rep, dennis):
    case = open_case(rep, dennis)
    client.force_login(other_rep)

    response = client.get(reverse("cases:case_detail", args=[case.reference]))

    assert response.status_code == 404
    assert "not working on" in response.content.decode()
    assert case.summary not in response.content.decode()


@pytest.mark.django_db
def test_a_rep_on_the_supervisor_queue_is_told_why_not(client, rep):
    client.force_login(rep)

    response = client.get(reverse("supervisor:queue"))

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
