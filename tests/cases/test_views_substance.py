"""Gate records posted from the case page as a rep does: "ok", "x", "." or a lone zero-width space
is refused (422) with the service's plain words beside the field, the rep's text kept, nothing
saved; a record with substance is saved normalised."""
import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Channel, Mood, Step
from cases.text import normalise
from tests.cases.views_support import HTMX, in_step, url

JUNK = ["ok", "x", ".", "\u200b", "\u3164 \u3164 \u3164"]

# action, step, the posted data around the text, the posted text field, how many records exist
POSTS = {
    "ack": (Step.ACKNOWLEDGE, {}, "text", lambda case: case.acknowledgements.count()),
    "recommit": (Step.RECOMMIT, {}, "text", lambda case: case.recommitments.count()),
    "fact_add": (Step.GATHER, {}, "question", lambda case: case.facts.count()),
    "root": (Step.GATHER, {"expected_resolution": "Orders flowing today"}, "root_problem",
             lambda case: int(bool(type(case).objects.get(pk=case.pk).root_problem))),
    "update": (Step.MANAGE_ANXIETY, {"channel": Channel.PHONE, "client_mood": Mood.CALM}, "text",
               lambda case: case.status_updates.count()),
    "delivery": (Step.DELIVER, {"verified_with_client": "on", "client_satisfied": "on",
                                "follow_up_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat()},
                 "prevention_note", lambda case: case.deliveries.count()),
}
# The prevention note may come later: one that is blank once normalised is "not given", not refused.
CASES = [(action, junk) for action in POSTS for junk in JUNK if not (action == "delivery" and normalise(junk) == "")]


@pytest.mark.django_db
@pytest.mark.parametrize("action, junk", CASES)
def test_a_gate_record_without_substance_is_refused_beside_its_field(rep_client, rep, dennis, action, junk):
    step, data, field, count = POSTS[action]
    case = in_step(rep, dennis, step)
    before = count(case)

    response = rep_client.post(url(action, case), {**data, field: junk})

    html = response.content.decode()
    errors = response.context["forms"][action].errors[field]
    assert response.status_code == 422
    assert f'id="id_{action}_{field}_error"' in html
    assert errors and ("Write at least 3 words" in errors[0] or normalise(junk) == "")  # blank: "write it"
    assert "Traceback" not in html and "ValidationError" not in errors[0]
    assert count(case) == before


@pytest.mark.django_db
@pytest.mark.parametrize("junk", JUNK)
def test_an_htmx_acknowledgement_without_substance_keeps_the_block_and_says_why(rep_client, rep, dennis, junk):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)

    response = rep_client.post(url("ack", case), {"text": junk}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_ack_text_error"' in html
    assert "Write what you said to acknowledge the concern." in html
    assert case.acknowledgements.count() == 0


@pytest.mark.django_db
def test_a_refused_short_status_update_says_how_much_to_write(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.MANAGE_ANXIETY)

    response = rep_client.post(url("update", case), {"text": "ok", "channel": Channel.PHONE, "client_mood": Mood.CALM})

    assert response.context["forms"]["update"].errors["text"] == [
        "Say what the client was told: the outcome so far. Write at least 3 words: a record the next person can "
        "act on."]


@pytest.mark.django_db
def test_a_root_problem_with_substance_is_saved_normalised(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    rep_client.post(url("root", case), {"root_problem": "The\u200b mail   server\u00a0failed its upgrade",
                                        "expected_resolution": ""})

    case.refresh_from_db()
    assert case.root_problem == "The mail server failed its upgrade"


@pytest.mark.django_db
def test_a_short_answer_to_a_question_is_refused_beside_that_questions_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)
    rep_client.post(url("fact_add", case), {"question": "When did the mail stop?"})
    fact = case.facts.get()

    response = rep_client.post(url("fact_answer", case, fact.pk), {"answer": "Monday"})

    fact.refresh_from_db()
    assert response.status_code == 422
    assert f'id="id_fact_answer_{fact.pk}_answer_error"' in response.content.decode()
    assert fact.answer == ""


@pytest.mark.django_db
def test_a_short_concern_impact_is_refused_beside_the_field(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": "Invoices bounce back", "impact": "Bad",
                                                          "feeling": "Worried"})

    assert response.status_code == 422
    assert response.context["forms"]["concern_add"].errors["impact"]
    assert case.concerns.count() == 1


@pytest.mark.django_db
def test_a_short_follow_up_note_is_refused_beside_the_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RESOLVED)

    response = rep_client.post(url("followup", case), {"note": "fine"})

    assert response.status_code == 422
    assert 'id="id_followup_note_error"' in response.content.decode()
    assert case.deliveries.get().follow_up_logged_at is None
