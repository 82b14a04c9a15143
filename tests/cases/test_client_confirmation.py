"""The client's own word at delivery: on their status page, through the signed link and with no login,
the client says "It works" (the delivery's client confirmation, recorded as theirs, with the time, so the
gate is met) or "Not yet" with a line (the owner is told, the case page shows their words and the way
back to the plan). Once per delivery attempt; CSRF-protected; expired, revoked, forged links and posts
outside `deliver` refuse and write nothing."""
import datetime as dt
import json
import re

import pytest
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import ClientAnswer, ConfirmedBy, Delivery, Step
from cases.models.client_word import ANSWER_TEXT
from cases.services.client_word import SAID_IT_WORKS, SAID_NOT_YET
from cases.services.common import lock_case
from cases.services.status_links import revoke_status_links
from notifications.models import OutboxMessage
from tests.cases.client_word_support import DennisBrowser, token_of
from tests.cases.helpers import advance_to, open_case
from tests.cases.views_support import page_of
from tests.factories import ClientFactory

NOW = dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC)
NOT_YET_WORDS = "The shop still shows an error when customers pay by card"


@pytest.fixture
def dennis_case(frozen, rep, dennis):
    """Dennis's case at delivery."""
    return advance_to(open_case(rep, dennis), Step.DELIVER, rep)


def rep_records_their_part(rep, case, *, confirmed=False):
    """The rep's part of the delivery: prevention and follow-up date; the client's confirmation left open."""
    return services.delivery_record(user=rep, case=case, verified_with_client=confirmed, client_satisfied=confirmed,
                                    prevention_note="Upgrades now run with a tested rollback",
                                    follow_up_on=timezone.localdate() + dt.timedelta(days=7))


def fresh(case):
    case.refresh_from_db()
    return case


# --- It works ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_it_works_confirms_the_delivery_as_the_clients_own_word_and_meets_the_gate(rep, dennis_case):
    rep_records_their_part(rep, dennis_case)
    dennis = DennisBrowser(token_of(rep, dennis_case))

    response = dennis.answer("works")

    assert response.status_code == 302 and response["Location"].endswith("#your-answer")
    delivery = Delivery.objects.get(case=dennis_case)
    assert (delivery.verified_with_client, delivery.client_satisfied) == (True, True)
    assert (delivery.confirmed_by, delivery.confirmed_at) == (ConfirmedBy.CLIENT, NOW)
    case = fresh(dennis_case)
    assert case.delivery_ready and case.gate_gaps() == []
    assert "complete_deliver" in services.available_transitions(case, rep)


@pytest.mark.django_db
def test_it_works_before_the_rep_records_the_delivery_starts_the_record_and_names_what_is_left(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))

    dennis.answer("works")

    delivery = Delivery.objects.get(case=dennis_case)
    assert delivery.confirmed_by == ConfirmedBy.CLIENT and delivery.client_satisfied
    assert not fresh(dennis_case).delivery_ready
    event = dennis_case.events.get(verb="client confirmed it works")
    assert "how recurrence will be prevented" in event.note and "a follow-up date" in event.note


@pytest.mark.django_db
def test_the_case_page_says_the_client_confirmed_it_and_when(rep, rep_client, dennis_case):
    rep_records_their_part(rep, dennis_case)
    DennisBrowser(token_of(rep, dennis_case)).answer("works")

    page = rep_client.get(page_of(dennis_case)).content.decode()

    assert "confirmed by the client at" in page
    assert "Client confirmed it works" in page  # the timeline


@pytest.mark.django_db
def test_the_rep_recording_the_confirmation_is_recorded_as_the_reps_word(rep, dennis_case):
    rep_records_their_part(rep, dennis_case, confirmed=True)

    delivery = Delivery.objects.get(case=dennis_case)

    assert (delivery.confirmed_by, delivery.confirmed_at) == (ConfirmedBy.REP, NOW)


@pytest.mark.django_db
def test_the_rep_saving_the_delivery_again_keeps_the_clients_confirmation_theirs(rep, dennis_case):
    DennisBrowser(token_of(rep, dennis_case)).answer("works")

    rep_records_their_part(rep, dennis_case, confirmed=True)

    assert Delivery.objects.get(case=dennis_case).confirmed_by == ConfirmedBy.CLIENT


@pytest.mark.django_db
def test_the_status_page_shows_the_recorded_answer_instead_of_the_buttons(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))
    dennis.answer("works")

    page = dennis.open().content.decode()

    assert "you told us it works" in page
    assert 'value="works"' not in page and 'value="not_yet"' not in page


@pytest.mark.django_db
def test_it_works_tells_the_owner_at_once_that_the_gate_is_met(rep, dennis_case):
    rep_records_their_part(rep, dennis_case)

    DennisBrowser(token_of(rep, dennis_case)).answer("works", "All payments go through again")

    told = OutboxMessage.objects.get(kind="client_confirmed")
    assert told.to == [rep.email] and told.coalesce_key == "" and told.next_attempt_at <= timezone.now()
    assert dennis_case.reference in told.subject and "confirmed it works" in told.subject
    assert "The delivery gate is met" in told.body_text and "The delivery gate is met" in told.body_html
    assert "All payments go through again" in told.body_text


@pytest.mark.django_db
def test_it_works_before_the_reps_part_tells_the_owner_what_is_still_missing(rep, dennis_case):
    DennisBrowser(token_of(rep, dennis_case)).answer("works")

    told = OutboxMessage.objects.get(kind="client_confirmed")
    assert "gate is met" not in told.body_text
    assert "Still to record before the case can close: how recurrence will be prevented, a follow-up date" \
        in told.body_text


@pytest.mark.django_db
def test_not_yet_does_not_say_it_works(rep, dennis_case):
    DennisBrowser(token_of(rep, dennis_case)).answer("not_yet", NOT_YET_WORDS)

    assert not OutboxMessage.objects.filter(kind="client_confirmed").exists()


# --- Not yet -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_not_yet_tells_the_owner_in_the_clients_words(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))

    response = dennis.answer("not_yet", NOT_YET_WORDS)

    assert response.status_code == 302
    told = OutboxMessage.objects.get(kind="client_not_yet")
    assert told.to == [rep.email] and NOT_YET_WORDS in told.body_text and NOT_YET_WORDS in told.body_html
    assert dennis_case.events.get(verb="client says it does not work yet").note.endswith(f"“{NOT_YET_WORDS}”")
    assert not Delivery.objects.filter(case=dennis_case).exists()


@pytest.mark.django_db
def test_not_yet_shows_a_banner_with_the_clients_words_and_the_loose_ends_button(rep, rep_client, dennis_case):
    DennisBrowser(token_of(rep, dennis_case)).answer("not_yet", NOT_YET_WORDS)

    page = rep_client.get(page_of(dennis_case)).content.decode()

    banner = page[page.index('id="client-not-yet"'):]
    banner = banner[:banner.index("</section>")]
    assert NOT_YET_WORDS in banner
    assert 'name="name" value="loose_ends"' in banner and "Back to plan" in banner


@pytest.mark.django_db
def test_the_banners_button_takes_the_case_back_to_the_plan_with_the_clients_words(rep, rep_client, dennis_case):
    DennisBrowser(token_of(rep, dennis_case)).answer("not_yet", NOT_YET_WORDS)
    page = rep_client.get(page_of(dennis_case)).content.decode()
    reason = re.search(r'<textarea name="reason" id="id_not_yet_reason"[^>]*>([^<]*)</textarea>', page).group(1)

    rep_client.post(reverse("cases:move", args=[dennis_case.reference]), {"name": "loose_ends",
                                                                          "reason": reason})

    case = fresh(dennis_case)
    assert case.step == Step.PLAN
    assert NOT_YET_WORDS in case.events.get(from_step=Step.DELIVER, to_step=Step.PLAN).note


@pytest.mark.django_db
def test_not_yet_without_words_is_refused_next_to_the_field(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))

    response = dennis.answer("not_yet", "   ")

    assert response.status_code == 422
    assert "Tell us in a line what still does not work." in response.content.decode()
    assert not ClientAnswer.objects.exists() and not OutboxMessage.objects.filter(kind="client_not_yet").exists()


@pytest.mark.django_db
def test_not_yet_over_the_length_limit_is_refused_next_to_the_field(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))

    response = dennis.answer("not_yet", "x" * (ANSWER_TEXT + 1))

    assert response.status_code == 422
    assert f"Keep it under {ANSWER_TEXT:,} characters" in response.content.decode()
    assert not ClientAnswer.objects.exists()


# --- once per delivery attempt -----------------------------------------------------------------------
@pytest.mark.django_db
def test_a_second_answer_shows_the_recorded_one_and_records_nothing_more(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))
    dennis.answer("works")

    response = dennis.post("not_yet", NOT_YET_WORDS)  # the same page, a second time

    assert response.status_code == 302
    assert "you told us it works" in dennis.open().content.decode()
    assert ClientAnswer.objects.filter(case=dennis_case).count() == 1
    assert dennis_case.events.filter(verb__in=[SAID_IT_WORKS, SAID_NOT_YET]).count() == 1
    assert not OutboxMessage.objects.filter(kind="client_not_yet").exists()


@pytest.mark.django_db
def test_a_new_delivery_attempt_after_loose_ends_can_be_answered_again(rep, dennis_case, frozen):
    dennis = DennisBrowser(token_of(rep, dennis_case))
    dennis.answer("not_yet", NOT_YET_WORDS)
    services.case_loose_ends(user=rep, case=dennis_case, reason="Card payments still fail for the client")
    frozen.shift(dt.timedelta(hours=1))
    advance_to(fresh(dennis_case), Step.DELIVER, rep)

    response = dennis.answer("works")

    assert response.status_code == 302
    assert list(ClientAnswer.objects.filter(case=dennis_case).values_list("answer", flat=True)) == ["not_yet", "works"]


def _page_of_an_earlier_attempt(rep, case, frozen):
    """Dennis opens the page at delivery; the case goes back to plan and reaches delivery again: his
    browser, and the attempt his open page still answers."""
    dennis = DennisBrowser(token_of(rep, case))
    old_page = dennis.open().content.decode()
    old_attempt = re.search(r'name="attempt" value="([^"]*)"', old_page).group(1)
    services.case_loose_ends(user=rep, case=case, reason="The rep found one more thing to fix first")
    frozen.shift(dt.timedelta(hours=1))
    advance_to(fresh(case), Step.DELIVER, rep)
    return dennis, old_attempt


@pytest.mark.django_db
def test_a_page_opened_in_an_earlier_delivery_attempt_cannot_answer_this_one(rep, dennis_case, frozen):
    dennis, old_attempt = _page_of_an_earlier_attempt(rep, dennis_case, frozen)

    response = dennis.answer("works", attempt=old_attempt)

    assert response.status_code == 409
    assert "Your case has moved on since you opened this page" in response.content.decode()
    assert not ClientAnswer.objects.exists()


@pytest.mark.django_db
def test_a_not_yet_written_on_an_earlier_attempt_s_page_comes_back_with_the_words_kept(rep, dennis_case, frozen):
    dennis, old_attempt = _page_of_an_earlier_attempt(rep, dennis_case, frozen)

    response = dennis.answer("not_yet", "Card payments still fail at checkout", attempt=old_attempt)

    html = response.content.decode()
    new_attempt = re.search(r'name="attempt" value="([^"]*)"', html).group(1)
    assert response.status_code == 409 and "Card payments still fail at checkout</textarea>" in html
    assert new_attempt and new_attempt != old_attempt  # answering again from here answers this attempt
    assert dennis.post("not_yet", "Card payments still fail at checkout", attempt=new_attempt).status_code == 302
    assert ClientAnswer.objects.get(case=dennis_case).text == "Card payments still fail at checkout"


# --- refusals ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_answer_outside_deliver_is_refused_with_a_clear_message(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))
    dennis.open()  # at delivery; then the rep takes the case back to the plan
    services.case_loose_ends(user=rep, case=dennis_case, reason="The rep found one more thing to fix first")

    response = dennis.post("works")

    assert response.status_code == 409
    assert "We are still working on the fix" in response.content.decode()
    assert not ClientAnswer.objects.exists() and not Delivery.objects.filter(case=dennis_case).exists()


@pytest.mark.django_db
def test_a_not_yet_sent_after_the_case_left_delivery_is_said_back_to_the_client(rep, dennis_case):
    """Found by a review: the refusal came back without the client's words, and nothing kept them."""
    dennis = DennisBrowser(token_of(rep, dennis_case))
    dennis.open()
    services.case_loose_ends(user=rep, case=dennis_case, reason="The rep found one more thing to fix first")

    response = dennis.post("not_yet", "The invoices <still> do not print")

    html = response.content.decode()
    assert response.status_code == 409 and "We are still working on the fix" in html
    assert "Not sent. You wrote: <span class=\"client-words\">The invoices &lt;still&gt; do not print</span>" in html
    assert not ClientAnswer.objects.exists()


@pytest.mark.django_db
def test_the_page_offers_no_answer_before_delivery(rep, dennis, frozen):
    case = advance_to(open_case(rep, dennis), Step.MANAGE_ANXIETY, rep)

    page = DennisBrowser(token_of(rep, case)).open().content.decode()

    assert 'value="works"' not in page and "Does it work for you now?" not in page


@pytest.mark.django_db
def test_an_answer_on_the_resolved_page_is_refused(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))
    attempt = re.search(r'name="attempt" value="([^"]*)"', dennis.open().content.decode()).group(1)
    advance_to(fresh(dennis_case), Step.RESOLVED, rep)  # the link now shows only "resolved"
    delivery_before = list(Delivery.objects.filter(case=dennis_case).values())

    response = dennis.post("works", attempt=attempt)  # what the page opened in deliver carries

    assert response.status_code == 409
    assert "Your case is resolved" in response.content.decode()
    assert not ClientAnswer.objects.exists()
    assert list(Delivery.objects.filter(case=dennis_case).values()) == delivery_before


@pytest.mark.django_db
def test_an_expired_link_refuses_the_answer_and_writes_nothing(rep, dennis_case, frozen, settings):
    dennis = DennisBrowser(token_of(rep, dennis_case))
    dennis.open()  # the CSRF cookie, as a browser that kept the page open
    frozen.shift(dt.timedelta(days=settings.CLIENT_LINK_MAX_AGE_DAYS, seconds=1))

    response = dennis.post("works")

    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert not ClientAnswer.objects.exists() and not Delivery.objects.exists()


@pytest.mark.django_db
def test_a_revoked_link_refuses_the_answer_and_writes_nothing(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))
    dennis.open()
    with transaction.atomic():
        revoke_status_links(case=lock_case(dennis_case), actor=rep, why="Revoked by hand.", by_hand=True)

    response = dennis.post("works")

    assert response.status_code == 410 and "This link is no longer valid" in response.content.decode()
    assert not ClientAnswer.objects.exists() and not Delivery.objects.exists()


@pytest.mark.django_db
def test_a_token_forged_to_name_another_case_refuses_and_writes_nothing(rep, dennis_case):
    other = advance_to(open_case(rep, ClientFactory(name="Olive Grant")), Step.DELIVER, rep)
    token_of(rep, other)
    payload, *signature = token_of(rep, dennis_case).split(":")
    claimed = json.loads(signing.b64_decode(payload.encode()))
    forged_payload = signing.b64_encode(json.dumps({**claimed, "c": other.pk}, separators=(",", ":")).encode())
    forged = DennisBrowser(":".join([forged_payload.decode(), *signature]))
    forged.http.get(reverse("client_status", kwargs={"token": token_of(rep, other)}))  # any CSRF cookie

    response = forged.post("works")

    assert response.status_code == 404
    assert not ClientAnswer.objects.exists() and not Delivery.objects.exists()


# --- the page: CSRF without a session, nothing inline ------------------------------------------------
@pytest.mark.django_db
def test_the_forms_carry_the_csrf_token_and_work_without_a_session(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))

    page = dennis.open().content.decode()
    response = dennis.answer("works")

    assert page.count('name="csrfmiddlewaretoken"') == 2
    assert response.status_code == 302
    assert "sessionid" not in dennis.http.cookies


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(rep, dennis_case):
    dennis = DennisBrowser(token_of(rep, dennis_case))

    response = dennis.answer("works", with_csrf=False)

    assert response.status_code == 403
    assert not ClientAnswer.objects.exists()


@pytest.mark.django_db
def test_the_page_with_the_forms_has_nothing_inline_and_keeps_the_link_to_this_site(rep, dennis_case):
    response = DennisBrowser(token_of(rep, dennis_case)).open()

    page = response.content.decode()
    assert "<script" not in page and "<style" not in page
    assert not re.search(r"\sstyle=", page) and not re.search(r"\son[a-z]+=", page)
    assert response["Referrer-Policy"] == "same-origin" and response["Cache-Control"] == "no-store"
