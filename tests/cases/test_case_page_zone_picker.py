"""The case page's client card ships its time-zone select with the "Common" group only (the client's
zone, the viewer's, UTC); the ~600 other zones come when the card is opened (htmx GET to
cases:time_zone_options), or, without JavaScript, from the same page with ?zones=all."""
import re

from django.urls import reverse

from cases.models import Step
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import page_of
from tests.factories import ClientFactory

ZONES = reverse("cases:time_zone_options")


def _zone_select(html):
    return re.search(r'<select name="time_zone".*?</select>', html, re.S).group(0)


def test_the_client_card_ships_only_the_common_zones_with_the_clients_selected(rep_client, rep):
    case = open_case(rep, ClientFactory(time_zone="Asia/Tokyo"))

    select = _zone_select(rep_client.get(page_of(case)).content.decode())

    assert re.findall(r'<optgroup label="([^"]+)"', select) == ["Common"]
    assert re.findall(r'<option value="([^"]+)"', select) == ["Asia/Tokyo", "UTC"]
    assert '<option value="Asia/Tokyo" selected>' in select


def test_opening_the_card_loads_every_zone_from_the_options_endpoint(rep_client, rep):
    case = open_case(rep, ClientFactory(time_zone="Asia/Tokyo"))
    select = _zone_select(rep_client.get(page_of(case)).content.decode())
    url = re.search(r'hx-get="([^"]+)"', select).group(1).replace("&amp;", "&")

    options = rep_client.get(url).content.decode()

    assert 'hx-trigger="toggle once from:closest details"' in select and url.startswith(ZONES)
    assert options.index('<optgroup label="Common">') < options.index('<optgroup label="Africa">')
    assert '<option value="Europe/London">London</option>' in options
    assert re.findall(r'<option value="([^"]+)" selected>', options) == ["Asia/Tokyo"]


def test_without_javascript_the_full_list_is_one_link_away(rep_client, rep):
    case = open_case(rep, ClientFactory(time_zone="Asia/Tokyo"))
    html = rep_client.get(page_of(case)).content.decode()
    link = f'{page_of(case)}?zones=all#blk-client'

    full = rep_client.get(page_of(case), {"zones": "all"}).content.decode()

    assert f'<noscript><p class="muted"><a href="{link}">' in html
    select = _zone_select(full)
    assert '<optgroup label="Europe">' in select and "hx-get" not in select
    assert '<details open>' in full and "<noscript>" not in full.split('id="blk-client"')[1].split("</section>")[0]


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
