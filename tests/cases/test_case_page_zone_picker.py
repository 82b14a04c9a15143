"""The case page's client card ships no time-zone select: its form (with the ~600 zones) is a part drawn
when the card is opened (htmx GET to cases:case_part), or, without JavaScript, by the same page with
?open=client_details (or the older ?zones=all)."""
import re

from django.urls import reverse

from cases.models import Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import HTMX, page_of
from tests.factories import ClientFactory

ZONES = reverse("cases:time_zone_options")


def _zone_select(html):
    return re.search(r'<select name="time_zone".*?</select>', html, re.S).group(0)


def _client_card(html):
    return html.split('id="blk-client"')[1].split("</section>")[0]


def test_the_client_card_ships_no_zone_select_until_it_is_opened(rep_client, rep):
    case = open_case(rep, ClientFactory(time_zone="Asia/Tokyo"))

    card = _client_card(rep_client.get(page_of(case)).content.decode())

    assert '<select name="time_zone"' not in card
    assert f'hx-get="{reverse("cases:case_part", args=[case.reference, "client_details"])}"' in card
    assert 'hx-trigger="toggle once"' in card


def test_opening_the_card_loads_the_form_with_every_zone_and_the_clients_selected(rep_client, rep):
    case = open_case(rep, ClientFactory(time_zone="Asia/Tokyo"))
    card = _client_card(rep_client.get(page_of(case)).content.decode())
    url = re.search(r'hx-get="([^"]+)"', card).group(1)

    select = _zone_select(rep_client.get(url, headers=HTMX).content.decode())

    assert select.index('<optgroup label="Common">') < select.index('<optgroup label="Africa">')
    assert '<option value="Europe/London">London</option>' in select
    assert re.findall(r'<option value="([^"]+)" selected>', select) == ["Asia/Tokyo"]


def test_without_javascript_the_form_with_every_zone_is_one_link_away(rep_client, rep):
    case = open_case(rep, ClientFactory(time_zone="Asia/Tokyo"))
    html = rep_client.get(page_of(case)).content.decode()
    link = f"{page_of(case)}?open=client_details#part-client_details"

    full = rep_client.get(page_of(case), {"open": "client_details"}).content.decode()

    assert f'<a class="part__open" href="{link}">' in _client_card(html)
    select = _zone_select(_client_card(full))
    assert '<optgroup label="Europe">' in select and "hx-get" not in select
    assert '<details id="part-client_details" open>' in full


def test_the_case_page_without_every_zone_is_under_60_percent_of_its_size(rep_client, rep, dennis):
    # Every zone was ~27 KB of a ~52 KB page for a fresh case (half of the page a rep opens most).
    case = open_case(rep, dennis)

    compact = len(rep_client.get(page_of(case)).content)
    with_every_zone = len(rep_client.get(page_of(case), {"zones": "all"}).content)

    assert compact < 0.6 * with_every_zone


def test_a_case_deep_in_its_steps_still_sheds_the_zone_list(rep_client, rep, dennis):
    # Later steps add records and forms; the zone list stays the one large thing removed (~26 KB).
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)

    compact = len(rep_client.get(page_of(case)).content)
    with_every_zone = len(rep_client.get(page_of(case), {"zones": "all"}).content)

    assert with_every_zone - compact > 20_000


def test_the_options_endpoint_ignores_a_name_that_is_not_a_zone(rep_client):
    response = rep_client.get(ZONES, {"selected": "Mars/Olympus_Mons" * 20})

    html = response.content.decode()
    assert response.status_code == 200
    assert " selected" not in html and "Mars" not in html and '<optgroup label="Europe">' in html


def test_the_options_endpoint_needs_a_sign_in(client, db):
    response = client.get(ZONES)

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
