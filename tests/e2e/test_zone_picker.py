"""The client card's form in a real browser: the page ships no time-zone select; opening the card loads
the form (htmx) with every zone, the client's selected, and a zone from the full list saves."""
import re

import pytest
from playwright.sync_api import expect

from cases.models import Client
from tests.cases.helpers import open_case
from tests.e2e.browser import sign_in
from tests.factories import ClientFactory, StaffProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_opening_the_client_card_loads_every_zone_and_one_of_them_saves(page, live_server):
    rep = StaffProfileFactory(time_zone="Europe/London").user
    case = open_case(rep, ClientFactory(name="Ada", time_zone="UTC"))
    sign_in(page, live_server, rep)
    page.goto(f"{live_server.url}/cases/{case.reference}/")
    card = page.locator("#blk-client")
    options = card.locator('select[name="time_zone"] option')
    expect(options).to_have_count(0)

    card.get_by_text("Edit Ada's details").click()

    expect(options.first).to_be_attached()
    assert options.count() > 300
    expect(card.locator('select[name="time_zone"]')).to_have_value("UTC")
    card.get_by_label("Time zone").select_option("Pacific/Auckland")
    card.get_by_role("button", name="Save client details").click()
    expect(card).to_contain_text(re.compile("Pacific/Auckland"))
    assert Client.objects.get(pk=case.client_id).time_zone == "Pacific/Auckland"
