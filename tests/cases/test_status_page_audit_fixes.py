"""Four findings of the audit of the client's status page (/status/<token>/):

1. A missed estimate is never shown as the current answer: the range shows only while the estimate the
   client holds is pending and its latest end ahead (cases.status_links.estimate_shown).
2. A delivery answer through a link revoked after the page opened it is not recorded: the service checks
   the link's version again under the case's lock (services.client_word.ensure_link_still_open).
3. A post refused before it is read (link revoked or expired, CSRF cookie missing) says back what the
   client typed, on a page of the client's own (cases.views_status, cases.session_expired.csrf_failure).
4. An answer posted without the delivery attempt its page was drawn for is refused like a stale one."""
import datetime as dt

import pytest
from django.test import Client as Visitor
from django.test import override_settings
from django.urls import reverse

from cases import services, views_status
from cases.client_word import attempt_key
from cases.errors import CaseRuleError
from cases.forms.client_word import ClientAnswerForm
from cases.models import ClientAnswer, PromiseKind, Step
from cases.services.client_word import PAGE_MOVED_ON, client_delivery_answer
from cases.status_links import LinkRevoked, read_link
from notifications.sweeps.promises import sweep_broken_promises
from tests.cases.client_word_support import DennisBrowser, token_of
from tests.cases.helpers import advance_to, open_case
from tests.factories import StaffProfileFactory

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
PASSED = "The time we gave you has gone by and the fix is not in yet"
TYPED = "The invoices page still shows an error every time I open it"
pytestmark = pytest.mark.django_db


@pytest.fixture
def working(frozen, dana, dennis):
    """Dennis's case in manage_anxiety, with an estimate between one and five hours from now."""
    return advance_to(open_case(dana, dennis), Step.MANAGE_ANXIETY, dana)


def past_the_estimate(frozen, case):
    """Move the clock a minute past the latest end of the estimate (and its promise's deadline)."""
    case.refresh_from_db()
    promise = case.promises.get(kind=PromiseKind.ETA, status="pending")
    frozen.move_to(max(promise.due_at, case.eta_latest) + MIN)


def page_of(browser):
    response = browser.open()
    assert response.status_code == 200
    return response.content.decode()


def reassign(case, supervisor):
    newcomer = StaffProfileFactory(supervisor=supervisor).user
    return services.case_reassign(user=supervisor, case=case, to_user=newcomer, reason="Covers the evening shift",
                                  client_informed=True)


# --- 1. The estimate shown is one still owed --------------------------------------------------------
def test_the_range_shows_while_the_estimate_is_pending_and_ahead(working, dana):
    browser = DennisBrowser(token_of(dana, working))

    page = page_of(browser)

    assert "Between " in page and PASSED not in page


def test_a_missed_estimate_the_sweep_broke_is_not_shown_as_the_answer(frozen, working, dana):
    browser = DennisBrowser(token_of(dana, working))
    past_the_estimate(frozen, working)
    sweep_broken_promises()
    assert working.promises.get(kind=PromiseKind.ETA).status == "broken"

    page = page_of(browser)

    assert "Between " not in page
    assert f"{PASSED}: Dana will give you a new estimate." in page


def test_a_missed_estimate_the_sweep_has_not_reached_is_not_shown_either(frozen, working, dana):
    browser = DennisBrowser(token_of(dana, working))
    past_the_estimate(frozen, working)

    page = page_of(browser)

    assert "Between " not in page and PASSED in page


def test_at_delivery_the_page_says_the_fix_is_in_not_the_old_range(at_delivery, rep):
    browser = DennisBrowser(token_of(rep, at_delivery))

    page = page_of(browser)

    assert "Between " not in page
    assert "The fix is in: please tell us below whether it works for you." in page


def test_after_not_yet_the_estimate_put_back_shows_as_passed_once_its_end_goes_by(frozen, at_delivery, rep):
    browser = DennisBrowser(token_of(rep, at_delivery))
    assert browser.answer("not_yet", TYPED).status_code == 302
    past_the_estimate(frozen, at_delivery)

    page = page_of(browser)

    assert "Between " not in page and PASSED in page


# --- 2. A link revoked after it was opened writes nothing ------------------------------------------
def test_the_service_refuses_an_answer_through_a_link_revoked_since_it_was_opened(at_delivery, rep, supervisor):
    link = read_link(token_of(rep, at_delivery))
    reassign(at_delivery, supervisor)  # revokes every link, after the view read this one

    with pytest.raises(LinkRevoked):
        client_delivery_answer(case=link.case, version=link.version, attempt=attempt_key(link.case), works=True)

    assert not ClientAnswer.objects.filter(case=at_delivery).exists()


def test_a_reassign_between_opening_the_link_and_the_write_gets_the_revoked_page(monkeypatch, at_delivery, rep,
                                                                                 supervisor):
    browser = DennisBrowser(token_of(rep, at_delivery))
    attempt = attempt_key(at_delivery)
    page_of(browser)

    def read_then_reassigned(token):
        link = read_link(token)
        reassign(at_delivery, supervisor)
        return link

    monkeypatch.setattr(views_status, "read_link", read_then_reassigned)
    response = browser.post("not_yet", TYPED, attempt=attempt)

    page = response.content.decode()
    assert response.status_code == 410 and "This link is no longer valid" in page
    assert TYPED in page and at_delivery.reference not in page
    assert not ClientAnswer.objects.filter(case=at_delivery).exists()


# --- 3. What the client typed is said back when the post is refused before it is read -------------
def test_a_post_through_a_revoked_link_says_back_what_was_typed_and_nothing_of_the_case(dana, at_delivery):
    browser = DennisBrowser(token_of(dana, at_delivery))
    attempt = attempt_key(at_delivery)
    page_of(browser)
    token_of(dana, at_delivery)  # a newer link revokes the one Dennis has open

    response = browser.post("not_yet", TYPED, attempt=attempt)

    page = response.content.decode()
    assert response.status_code == 410 and "This link is no longer valid" in page
    assert f"You wrote: <span class=\"client-words\">{TYPED}</span>" in page
    assert at_delivery.reference not in page and "Dana" not in page


@override_settings(CLIENT_LINK_MAX_AGE_DAYS=14)
def test_a_post_through_an_expired_link_says_back_what_was_typed(frozen, at_delivery, rep):
    browser = DennisBrowser(token_of(rep, at_delivery))
    attempt = attempt_key(at_delivery)
    page_of(browser)
    frozen.shift(dt.timedelta(days=14, minutes=1))

    response = browser.post("not_yet", TYPED, attempt=attempt)

    page = response.content.decode()
    assert response.status_code == 410 and "This link has expired" in page
    assert TYPED in page


def test_a_post_without_the_csrf_cookie_gets_a_client_page_with_their_words(at_delivery, rep):
    token = token_of(rep, at_delivery)
    visitor = Visitor(enforce_csrf_checks=True)  # never opened the page: no CSRF cookie

    response = visitor.post(reverse("client_status_answer", kwargs={"token": token}),
                            {"answer": "not_yet", "text": TYPED, "attempt": attempt_key(at_delivery)})

    page = response.content.decode()
    assert response.status_code == 403 and "Your answer was not sent" in page
    assert "css/status.css" in page and "Sign in" not in page and "My cases" not in page
    assert TYPED in page and at_delivery.reference not in page
    assert response["Cache-Control"] == "no-store"


def test_the_csrf_page_does_not_say_back_what_another_site_posted(at_delivery, rep):
    token = token_of(rep, at_delivery)
    visitor = Visitor(enforce_csrf_checks=True)

    response = visitor.post(reverse("client_status_answer", kwargs={"token": token}),
                            {"answer": "not_yet", "text": TYPED}, HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 403 and TYPED not in response.content.decode()


# --- 4. An answer without its attempt is refused like a stale one ----------------------------------
def test_an_answer_posted_without_its_attempt_is_refused_and_keeps_the_words(at_delivery, rep):
    browser = DennisBrowser(token_of(rep, at_delivery))
    page_of(browser)
    data = {"answer": "not_yet", "text": TYPED, "csrfmiddlewaretoken": browser.http.cookies["csrftoken"].value}

    response = browser.http.post(reverse("client_status_answer", kwargs={"token": browser.token}), data)

    page = response.content.decode()
    assert response.status_code == 409
    assert f'<p class="refused" role="alert">{PAGE_MOVED_ON}</p>' in page
    assert f"{TYPED}</textarea>" in page  # kept in the form for the question asked now
    assert not ClientAnswer.objects.filter(case=at_delivery).exists()


def test_the_answer_form_requires_the_attempt():
    form = ClientAnswerForm({"answer": "not_yet", "text": TYPED})

    assert not form.is_valid() and form.errors["attempt"] == [PAGE_MOVED_ON]


def test_the_service_refuses_an_answer_with_an_empty_attempt(at_delivery):
    with pytest.raises(CaseRuleError, match="moved on since you opened this page"):
        client_delivery_answer(case=at_delivery, version=at_delivery.status_link_version, attempt="", works=True)

    assert not ClientAnswer.objects.filter(case=at_delivery).exists()
