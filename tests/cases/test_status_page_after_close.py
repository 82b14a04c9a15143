"""What the client's page says once the case is closed (templates/status/resolved.html,
status_links.client_final_status): their late "Not yet" is shown back as received, and a supervisor's
override after they said "It works" is not called a close "without a confirmed fix" (found by a review)."""
import datetime as dt

import pytest

from cases import services
from cases.workflow import Transition
from tests.cases.client_word_support import DennisBrowser, token_of
from tests.cases.test_delivery_client_word import NOW, NOT_YET_WORDS, page_attempt, resolve  # noqa: F401

UNCONFIRMED = "without a confirmed fix"


@pytest.mark.django_db
def test_a_late_not_yet_is_shown_back_on_the_closed_page_as_received(frozen, rep, at_delivery):
    dennis = DennisBrowser(token_of(rep, at_delivery))
    attempt = page_attempt(dennis)
    resolve(rep, at_delivery)
    frozen.shift(dt.timedelta(minutes=5))

    followed = dennis.post("not_yet", NOT_YET_WORDS, attempt=attempt)
    page = dennis.open().content.decode()

    assert followed.status_code == 302 and followed["Location"].endswith("#your-answer")
    assert 'id="your-answer"' in page and NOT_YET_WORDS in page and "It reached the team" in page


@pytest.mark.django_db
def test_an_override_after_the_client_said_it_works_reads_resolved_on_their_page(
        rep, supervisor, at_delivery):
    dennis = DennisBrowser(token_of(rep, at_delivery))
    dennis.answer("works")
    services.case_transition(user=supervisor, case=at_delivery, name=Transition.FORCE_CLOSE.method,
                             reason="The rep is away, closing this by override for now")

    page = dennis.open().content.decode()

    assert "It has been resolved" in page and UNCONFIRMED not in page


@pytest.mark.django_db
def test_an_override_without_the_clients_word_still_says_so(rep, supervisor, at_delivery):
    dennis = DennisBrowser(token_of(rep, at_delivery))
    dennis.open()
    services.case_transition(user=supervisor, case=at_delivery, name=Transition.FORCE_CLOSE.method,
                             reason="The rep is away, closing this by override for now")

    assert UNCONFIRMED in dennis.open().content.decode()
