"""A form sent after the rep's sign-in ended (signed out in another tab, the session ran out) or drawn
before they signed in again (its CSRF check fails) loses nothing typed (cases/session_expired.py): htmx
gets a status it does not swap with the reason, a plain post gets a page saying back what was typed, and
signing in never leads by GET to a POST-only URL. The client's status pages get a CSRF page of their own."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from cases.models import Step
from cases.session_expired import page_for
from cases.views.actions import ACTION_LIST
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import HTMX, page_of, url

pytestmark = pytest.mark.django_db

TYPED = "I hear you: your orders stopped <b>and</b> payroll is close & you're worried"


@pytest.fixture
def ack_case(rep, dennis):
    return advance_to(open_case(rep, dennis), Step.ACKNOWLEDGE, rep)


def token_in(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sign_in(browser, user):
    """Through the sign-in form, as a browser does (signing in renews the CSRF token)."""
    token = token_in(browser.get(reverse("login")).content.decode())
    response = browser.post(reverse("login"), {"username": user.username, "password": "pw-for-tests",
                                               "csrfmiddlewaretoken": token})
    assert response.status_code == 302


@pytest.fixture
def old_tab(rep, ack_case):
    """A browser with the case page open, then signed out and in again in another tab: the page's
    token is the one from before."""
    browser = HttpClient(enforce_csrf_checks=True)
    sign_in(browser, rep)
    token = token_in(browser.get(page_of(ack_case)).content.decode())
    browser.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    sign_in(browser, rep)
    return browser, token


def sign_in_link(html):
    href = re.search(r'<a class="button" href="([^"]+)" data-sign-in>', html).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    return parts.path, parse_qs(parts.query).get("next", [None])[0]


# --- Signed out: htmx ------------------------------------------------------------------------------
def test_an_htmx_post_after_signing_out_gets_401_with_the_reason_not_the_sign_in_page(client, ack_case):
    response = client.post(url("ack", ack_case), {"text": TYPED}, headers={**HTMX, "HX-Target": "blk-ack"})

    html = response.content.decode()
    assert response.status_code == 401 and "Location" not in response
    assert "you are signed out" in html and "Sign in again in another tab" in html
    assert 'name="password"' not in html
    assert ack_case.acknowledgements.count() == 0


def test_an_htmx_request_to_open_a_part_after_signing_out_gets_401_too(client, ack_case):
    response = client.get(reverse("cases:case_part", args=[ack_case.reference, "ack"]), headers=HTMX)

    assert response.status_code == 401
    assert "That could not be opened" in response.content.decode()


# --- Signed out: without JavaScript ----------------------------------------------------------------
def test_a_plain_post_after_signing_out_says_back_what_was_typed_with_its_label(client, ack_case):
    response = client.post(url("ack", ack_case), {"text": TYPED})

    html = response.content.decode()
    assert response.status_code == 401
    assert "You were signed out" in html
    assert "What you said to acknowledge the concern" in html
    assert "I hear you: your orders stopped &lt;b&gt;and&lt;/b&gt; payroll is close &amp; you&#x27;re worried" in html
    assert ack_case.acknowledgements.count() == 0


def test_the_sign_in_link_leads_back_to_the_case_page_not_the_post_only_action(client, ack_case):
    response = client.post(url("ack", ack_case), {"text": TYPED})

    path, next_url = sign_in_link(response.content.decode())
    assert path == reverse("login")
    assert next_url == page_of(ack_case)


def test_the_sign_in_link_leads_back_to_the_page_the_form_was_on(client, ack_case):
    response = client.post(url("ack", ack_case), {"text": TYPED},
                           HTTP_REFERER=f"http://testserver{reverse('cases:my_cases')}?show=all")

    assert sign_in_link(response.content.decode())[1] == reverse("cases:my_cases")


def test_a_referer_of_another_site_is_not_where_the_link_leads(client, ack_case):
    response = client.post(url("ack", ack_case), {"text": TYPED}, HTTP_REFERER="https://evil.example/cases/")

    assert sign_in_link(response.content.decode())[1] == page_of(ack_case)


def test_a_referer_on_a_post_only_url_leads_to_its_page(client, ack_case):
    response = client.post(url("ack", ack_case), {"text": TYPED},
                           HTTP_REFERER=f"http://testserver{url('ack', ack_case)}")

    assert sign_in_link(response.content.decode())[1] == page_of(ack_case)


def test_tokens_hidden_fields_and_passwords_are_not_said_back(client, rep, dennis):
    case = advance_to(open_case(rep, dennis), Step.DELIVER, rep)
    data = {"csrfmiddlewaretoken": "TOKENVALUE", "once": "f" * 32, "name": "loose_ends",
            "reason": "The client still sees bounced mail", "password": "SECRETPW"}

    response = client.post(url("transition", case), data)

    html = response.content.decode()
    assert "The client still sees bounced mail" in html and "Reason" in html
    assert "TOKENVALUE" not in html and "f" * 32 not in html and "loose_ends" not in html and "SECRETPW" not in html


def test_nothing_of_the_case_is_shown_to_the_signed_out_visitor(client, ack_case):
    response = client.post(url("ack", ack_case), {"text": TYPED})

    html = response.content.decode()
    assert ack_case.client.name not in html and ack_case.summary not in html


def test_a_plain_post_to_a_supervisor_page_after_signing_out_is_said_back_too(client, escalation):
    response = client.post(reverse("supervisor:case_note", args=[escalation.case.reference]),
                           {"note": "Called the host: back by noon", "shown": str(escalation.pk)})

    html = response.content.decode()
    assert response.status_code == 401
    assert "Called the host: back by noon" in html and "Shown" not in html


def test_a_signed_out_get_of_a_page_still_goes_to_sign_in(client, ack_case):
    response = client.get(page_of(ack_case))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- The form expired: signed in again in another tab ----------------------------------------------
def test_a_plain_post_from_a_page_drawn_before_signing_in_again_says_back_what_was_typed(old_tab, ack_case):
    browser, token = old_tab

    response = browser.post(url("ack", ack_case), {"text": TYPED, "csrfmiddlewaretoken": token})

    html = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired" in html and "payroll is close &amp; you&#x27;re worried" in html
    assert re.search(rf'<a class="button" href="{re.escape(page_of(ack_case))}">Back to the page</a>', html)
    assert ack_case.acknowledgements.count() == 0


def test_an_htmx_post_from_such_a_page_gets_403_and_a_token_that_works(old_tab, ack_case):
    browser, token = old_tab

    refused = browser.post(url("ack", ack_case), {"text": TYPED}, headers={**HTMX, "X-CSRFToken": token})
    renewed = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', refused.content.decode()).group(1)
    again = browser.post(url("ack", ack_case), {"text": TYPED}, headers={**HTMX, "X-CSRFToken": renewed})

    assert refused.status_code == 403 and "The form is renewed now: send it again." in refused.content.decode()
    assert again.status_code == 200
    assert ack_case.acknowledgements.count() == 1


def test_a_post_forged_by_another_site_is_not_said_back(rep, ack_case):
    browser = HttpClient(enforce_csrf_checks=True)
    sign_in(browser, rep)

    response = browser.post(url("ack", ack_case), {"text": "Call 555-0100 to unlock your account"},
                            HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 403
    assert "555-0100" not in response.content.decode()


def test_the_client_status_page_gets_its_own_csrf_page_with_the_clients_words():
    visitor = HttpClient(enforce_csrf_checks=True)

    response = visitor.post(reverse("client_status_answer", kwargs={"token": "x"}), {"text": "UNIQUE-CLIENT-WORDS"})

    html = response.content.decode()
    assert response.status_code == 403
    assert "Your answer was not sent" in html and "UNIQUE-CLIENT-WORDS" in html and "Sign in" not in html


# --- Signing in never leads to a POST-only URL -----------------------------------------------------
def test_signing_in_with_next_on_a_post_only_action_goes_to_the_case_page(client, rep, ack_case):
    response = client.post(f"{reverse('login')}?next={url('ack', ack_case)}",
                           {"username": rep.username, "password": "pw-for-tests"})

    assert response.status_code == 302 and response.url == page_of(ack_case)


def test_signing_in_with_next_on_a_page_keeps_it(client, rep, ack_case):
    response = client.post(reverse("login"), {"username": rep.username, "password": "pw-for-tests",
                                              "next": f"{page_of(ack_case)}?open=ack"})

    assert response.url == f"{page_of(ack_case)}?open=ack"


@pytest.mark.parametrize("action", ACTION_LIST, ids=lambda a: a.name)
def test_every_case_action_belongs_to_the_case_page(action):
    action_url = reverse(f"cases:{action.name}", args=["C-1"] + ([7] if "<int:pk>" in action.path else []))

    assert page_for(action_url) == "/cases/C-1/"


def test_a_supervisor_action_belongs_to_its_escalation_page():
    assert page_for(reverse("supervisor:take", args=[5])) == reverse("supervisor:escalation", args=[5])
    assert page_for(reverse("logout")) == "/"


@pytest.mark.parametrize("url", ["//evil.example/", "/\\evil.example/", "https://evil.example/cases/"])
def test_the_page_a_form_was_on_is_never_another_sites(url):
    """Found by a review: a Referer path "//evil.example/" was read as this site's path and given back."""
    assert page_for(url) == "/"


def test_a_backslash_in_a_pages_query_keeps_the_page():
    assert page_for("/search/?q=a\\b") == "/search/?q=a\\b"
