"""A forged page number on any list (?page=, the client page's ?open= and ?past=) is never a server
error: past the last page shows the last page, nonsense shows the first (cases.paging)."""
import pytest
from django.urls import reverse

from tests.cases.helpers import open_case

FORGED = ["99999999999999999999", "9" * 5000, "-3", "0", "1e9", "two", "", "1.5", "%00"]


@pytest.fixture
def a_case(rep, dennis):
    return open_case(rep, dennis)


@pytest.mark.django_db
@pytest.mark.parametrize("number", FORGED)
@pytest.mark.parametrize("page", ["cases:my_cases", "cases:search", "supervisor:queue", "supervisor:all_cases"])
def test_a_forged_page_number_shows_a_page(client, supervisor, a_case, page, number):
    client.force_login(supervisor)

    response = client.get(reverse(page), {"q": "Dennis", "page": number})

    assert response.status_code in (200, 400)  # 400: a NUL byte, refused at the door


@pytest.mark.django_db
@pytest.mark.parametrize("number", FORGED)
def test_a_forged_page_number_on_the_client_page_shows_a_page(rep_client, a_case, number):
    response = rep_client.get(reverse("cases:client_detail", args=[a_case.client_id]),
                              {"open": number, "past": number})

    assert response.status_code in (200, 400)


@pytest.mark.django_db
def test_a_huge_page_number_shows_the_last_page(rep_client, a_case):
    response = rep_client.get(reverse("cases:my_cases"), {"page": "99999999999999999999"})

    assert response.status_code == 200 and a_case.reference in response.content.decode()
