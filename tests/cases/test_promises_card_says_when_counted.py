"""The case page's Promises card and the team page agree (RECIPE "Measures the product shows"): the team page
counts a promise by its deadline, so one kept before its deadline is kept on the card at once and on the team
page from that deadline on. The card says so while the deadline is ahead (found by an audit: the README
claimed the two always add up)."""
import datetime as dt

import pytest
from django.urls import reverse

from cases import metrics, services
from tests.cases.metrics_support import T0, at, case_in_plan, row

pytestmark = pytest.mark.django_db
AHEAD = "kept before its deadline: on the team page from that deadline on"


def _card(client, case):
    return client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()


def test_an_item_done_early_is_kept_on_the_card_and_the_card_says_when_the_team_page_counts_it(client, rep, dennis):
    case = case_in_plan(rep, dennis, T0)  # its item due three hours in
    client.force_login(rep)
    with at(T0 + dt.timedelta(minutes=10)):
        services.action_item_complete(user=rep, item=case.action_items.get())

    with at(T0 + dt.timedelta(minutes=20)):
        early = _card(client, case)
        team_now = row(metrics.team_dashboard(days=7), rep).kept
    with at(T0 + dt.timedelta(hours=4)):
        later = _card(client, case)
        team_later = row(metrics.team_dashboard(days=7), rep).kept

    assert "1 kept" in early and AHEAD in early and team_now == 0
    assert "1 kept" in later and AHEAD not in later and team_later == 1
