"""A download asked for with a filter or window the page shows an error for is refused in words (400), not
handed over wider than asked (cases.csv_safe.csv_refused), and the team page's picker shows the window its
numbers cover. Found by an audit: "owner=abc" downloaded every rep's cases, "days=5" a 30-day table, and after
"days=5" the picker showed "Last 7 days" above 30 days of numbers."""
import re

import pytest
from django.urls import reverse

from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

TEAM = reverse("supervisor:dashboard")
ALL_CASES = reverse("supervisor:all_cases")


@pytest.mark.parametrize("days", ["5", "abc", "-7"])
def test_a_team_csv_for_a_window_the_page_does_not_offer_is_refused(boss, days):
    response = boss.get(TEAM, {"days": days, "format": "csv", "chart": "keeping"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "The download was not made. Window:" in response.content.decode()


@pytest.mark.parametrize("days, error", [("5", True), ("", False)])
def test_the_picker_shows_the_window_the_numbers_cover(boss, days, error):
    page = boss.get(TEAM, {"days": days}).content.decode()

    selected = re.findall(r'<option value="(\d+)"[^>]*selected', page)
    assert selected == ["30"]
    assert ("Select a valid choice" in page) is error


@pytest.mark.parametrize("params, field", [
    ({"owner": "abc"}, "owner"), ({"opened_from": "2025-07-30x"}, "opened_from"),
    ({"opened_from": "2025-07-30", "opened_to": "2025-07-01"}, "opened_to"),
])
def test_an_all_cases_csv_with_a_filter_in_error_is_refused_not_widened(boss, rep, other_rep, params, field):
    CaseFactory(owner=rep)
    CaseFactory(owner=other_rep)

    response = boss.get(ALL_CASES, {**params, "format": "csv"})

    assert response.status_code == 400
    assert "The download was not made." in response.content.decode()
    assert field in boss.get(ALL_CASES, params).context["form"].errors  # the page says the same beside it


def test_an_all_cases_csv_with_valid_filters_is_made(boss, rep):
    CaseFactory(owner=rep)

    response = boss.get(ALL_CASES, {"owner": rep.pk, "format": "csv"})

    assert response.status_code == 200
    assert len(b"".join(response.streaming_content).decode().splitlines()) == 2  # the header and the case
