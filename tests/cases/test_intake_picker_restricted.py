"""The intake's client picker under REPS_SEE_OWN_CASES_ONLY (cases.selectors_ui.client_choices): a
restricted rep browses only the clients of their own cases, and finds any other client only by typing
that client's whole email address or phone number (a returning caller), never by a fragment; the whole
team (the default) searches every client."""
import pytest
from django.test import override_settings
from django.urls import reverse

from tests.cases.helpers import open_case
from tests.factories import ClientFactory

HTMX = {"HX-Request": "true", "HX-Target": "id_client"}


@pytest.fixture
def zara(other_rep):
    zara = ClientFactory(name="Zara Okafor", email="zara@okafor-shop.example", phone="+44 20 7946 0958")
    open_case(other_rep, zara)
    return zara


def options(rep_client, q):
    return rep_client.get(reverse("cases:case_new"), {"client_q": q}, headers=HTMX).content.decode()


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
@pytest.mark.parametrize("q", ["", "zar", "okafor-shop", "7946", "0958", "Okafor"])
def test_a_restricted_rep_cannot_browse_or_fragment_search_another_reps_client(rep_client, rep, dennis, zara, q):
    open_case(rep, dennis)

    html = options(rep_client, q)

    assert "Zara" not in html and "7946 0958" not in html
    assert "Dennis" in html or q


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
@pytest.mark.parametrize("q", ["zara@okafor-shop.example", "ZARA@okafor-shop.example", "+44 20 7946 0958",
                               "442079460958", "+44 (20) 7946-0958"])
def test_a_restricted_rep_finds_a_returning_caller_by_their_whole_email_or_phone(rep_client, zara, q):
    assert "Zara Okafor" in options(rep_client, q)


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_restricted_rep_still_searches_the_clients_of_their_own_cases(rep_client, rep, dennis, zara):
    open_case(rep, dennis)

    assert "Dennis" in options(rep_client, "denn")


def test_the_whole_team_searches_every_client_by_any_fragment(rep_client, zara):
    assert "Zara Okafor" in options(rep_client, "zar")


# --- the same rule when the form is posted (a forged id is refused, not only hidden) ------------
def posted(rep_client, client, client_q=""):
    from cases.models import Mood
    return rep_client.post(reverse("cases:case_new"), {
        "client": client.pk, "client_q": client_q, "summary": "Site and email down after upgrade",
        "temperature": Mood.ANXIOUS, "description": "Website and email down since the overnight upgrade",
        "impact": "No orders can come in and payroll is due", "feeling": "Worried and angry"})


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_a_restricted_rep_cannot_open_a_case_for_another_reps_client_by_posting_its_id(rep_client, rep, zara):
    from cases.models import Case

    response = posted(rep_client, zara)

    assert response.status_code == 422
    assert response.context["form"].errors["client"]
    assert not Case.objects.filter(client=zara, owner=rep).exists()


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
@pytest.mark.parametrize("q", ["zara@okafor-shop.example", "+44 20 7946 0958"])
def test_a_restricted_rep_opens_a_case_for_a_returning_caller_they_identified(rep_client, rep, zara, q):
    from cases.models import Case

    response = posted(rep_client, zara, client_q=q)

    assert response.status_code == 302
    assert Case.objects.filter(client=zara, owner=rep).exists()


def test_the_whole_team_opens_a_case_for_any_client(rep_client, rep, zara):
    from cases.models import Case

    assert posted(rep_client, zara).status_code == 302
    assert Case.objects.filter(client=zara, owner=rep).exists()
