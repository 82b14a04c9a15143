"""One client, one record (cases.services.client_identity): intake does not add a second client for a
caller already on file, by their address in any capitals, or by their phone number however it is written
unless the rep says the caller is someone else on that number; a client picked with a new one typed
beside it is refused, not silently dropped; the picker finds a number however it is written. Found by an
audit: "Dennis@Shop.Example" made a second Dennis Hale and split his history."""
import pytest
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.errors import CaseRuleError
from cases.models import Case, Client
from cases.selectors_ui import client_choices
from tests.cases.helpers import open_case
from tests.cases.test_views_intake import _new_case_data
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hale():
    return ClientFactory(name="Dennis Hale", organisation="", email="dennis@shop.example", phone="+44 20 7946 0000")


def _post(rep_client, **fields):
    return rep_client.post(reverse("cases:case_new"), _new_case_data(**fields))


def test_a_new_client_with_the_address_of_one_on_file_is_refused_next_to_the_email(rep_client, hale):
    response = _post(rep_client, client_email="Dennis@Shop.EXAMPLE", client_phone="")

    html = response.content.decode()
    assert response.status_code == 422 and Client.objects.count() == 1 and not Case.objects.exists()
    assert 'id="id_client_email_error">Dennis Hale is already on file with this email address' in html
    assert 'value="Dennis@Shop.EXAMPLE"' in html and "Website and email down since the overnight upgrade" in html


@pytest.mark.parametrize("typed", ["+442079460000", "+44 (20) 7946-0000", "44 20 79 46 00 00"])
def test_a_new_client_with_the_number_of_one_on_file_is_asked_about_next_to_the_phone(rep_client, hale, typed):
    response = _post(rep_client, client_phone=typed)

    html = response.content.decode()
    assert response.status_code == 422 and Client.objects.count() == 1
    assert 'id="id_client_phone_error">Dennis Hale is already on file with this phone number' in html
    assert 'name="client_shares_phone"' in html  # the way on, offered beside the refusal


def test_another_person_on_a_number_on_file_is_added_when_the_rep_says_so(rep_client, hale):
    response = _post(rep_client, client_name="Maria Hale", client_phone="+442079460000", client_shares_phone="on")

    assert response.status_code == 302
    assert Client.objects.filter(phone_digits="442079460000").count() == 2


def test_the_address_is_refused_even_when_the_rep_says_the_number_is_shared(rep_client, hale):
    response = _post(rep_client, client_email="dennis@shop.example", client_shares_phone="on")

    assert response.status_code == 422 and Client.objects.count() == 1


def test_a_client_edited_to_another_clients_address_is_refused(rep, hale):
    ada = ClientFactory(name="Ada Byrne", organisation="", email="ada@byrne.example")
    case = open_case(rep, ada)

    with pytest.raises(CaseRuleError, match="Dennis Hale is already on file with this email address") as refused:
        services.client_update(user=rep, client=ada, case=case, name=ada.name, organisation="",
                               email="DENNIS@shop.example", phone="", time_zone=ada.time_zone,
                               quiet_hours_start=None, quiet_hours_end=None)

    ada.refresh_from_db()
    assert refused.value.field == "email" and ada.email == "ada@byrne.example"


def test_a_client_keeps_their_own_address_written_with_other_capitals(rep, hale):
    case = open_case(rep, hale)

    services.client_update(user=rep, client=hale, case=case, name=hale.name, organisation="",
                           email="Dennis@Shop.example", phone=hale.phone, time_zone=hale.time_zone,
                           quiet_hours_start=None, quiet_hours_end=None)

    hale.refresh_from_db()
    assert hale.email == "Dennis@Shop.example"


def test_a_picked_client_with_a_new_one_typed_beside_it_is_refused_and_nothing_is_dropped(rep_client, hale):
    response = _post(rep_client, client=hale.pk, client_name="Priya Shah", client_email="priya@other.example",
                     client_phone="")

    html = response.content.decode()
    assert response.status_code == 422 and Client.objects.count() == 1 and not Case.objects.exists()
    assert "You picked Dennis Hale and also typed a new client: clear one of them." in html
    assert 'value="Priya Shah"' in html and 'value="priya@other.example"' in html


@pytest.mark.parametrize("q", ["+442079460000", "020 7946 0000"[1:], "44-20-7946-0000"])
def test_the_picker_finds_a_number_however_it_is_written(rep, hale, q):
    assert hale in client_choices(rep, q)


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_restricted_rep_finds_a_returning_caller_whose_number_is_stored_in_pairs(rep, other_rep):
    paired = ClientFactory(name="Zara Okafor", phone="+44 20 7946 00 00")
    open_case(other_rep, paired)

    assert client_choices(rep, "+442079460000") == [paired]


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_restricted_reps_pick_lost_with_the_finder_text_says_how_to_find_them_again(rep_client, other_rep):
    ada = ClientFactory(name="Ada Byrne", organisation="", email="ada@byrne.example")
    open_case(other_rep, ada)

    response = _post(rep_client, client=ada.pk, client_q="", client_name="", client_organisation="",
                     client_phone="")

    assert response.status_code == 422 and Case.objects.count() == 1  # the other rep's only
    assert "type their whole email address or phone number in the finder again" in response.content.decode()


def test_the_number_is_read_by_the_database_on_bulk_inserts_too(hale):
    Client.objects.bulk_create([Client(name="Bulk Caller", phone="+1 (212) 555-0101 ext. 7")])

    assert Client.objects.get(name="Bulk Caller").phone_digits == "121255501017"
