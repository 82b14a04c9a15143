"""The case page's forms, shared behaviour and steps 1-4: valid and invalid input, plain and htmx
requests, and who may post. A plain post redirects back to the block; htmx gets the block back with
the page's read-only regions out of band; refused input comes back (422) with the rep's text kept and
the error beside the field."""
import datetime as dt

from django.test import Client as HttpClient, override_settings
from django.urls import reverse

from cases import services
from cases.models import Mood, Step
from tests.cases.views_support import HTMX, in_step, local, url


# --- Shared behaviour ----------------------------------------------------------------------------
def test_a_plain_post_redirects_back_to_the_block_with_a_message(rep_client, case):
    data = {"description": "Invoice email bounces back", "impact": "No orders can arrive", "feeling": "Angry"}

    response = rep_client.post(url("concern_add", case), data, follow=True)

    assert response.redirect_chain[0][0].endswith("#blk-concerns")
    assert "Concern added." in response.content.decode()
    assert case.concerns.count() == 2


def test_an_htmx_post_gets_the_block_and_out_of_band_regions(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": "Invoice email bounces back"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<details class="block block--concerns" id="blk-concerns" open')
    for region in ("case-header", "case-gate", "case-promises", "case-trend", "case-timeline", "messages"):
        assert f'id="{region}"' in html
    assert html.count('hx-swap-oob="true"') >= 6
    assert "<html" not in html


def test_an_htmx_refusal_keeps_the_text_and_puts_the_error_next_to_the_field(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.PLAN)

    response = rep_client.post(url("item_add", case), {"description": "Restore backup", "kind": "fix",
                                                       "due_at": local(-dt.timedelta(hours=1))}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "Restore backup" in html
    assert 'id="id_item_add_due_at_error"' in html and "Choose a time in the future." in html


def test_a_get_on_an_action_is_not_allowed(rep_client, case):
    response = rep_client.get(url("concern_add", case))

    assert response.status_code == 405


def test_a_post_without_the_csrf_token_is_refused(rep, case):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(rep)

    response = browser.post(url("concern_add", case), {"description": "Email bounces"})

    assert response.status_code == 403
    assert case.concerns.count() == 1


@override_settings(REPS_SEE_OWN_CASES_ONLY=True)
def test_another_rep_gets_404_when_posting_to_a_case_they_cannot_see(client, other_rep, case):
    client.force_login(other_rep)

    response = client.post(url("concern_add", case), {"description": "Sneaky"})

    assert response.status_code == 404
    assert case.concerns.count() == 1


def test_anonymous_posts_are_refused_with_the_way_to_sign_in(client, case):
    response = client.post(url("concern_add", case), {"description": "x"})

    assert response.status_code == 401 and case.concerns.count() == 1  # the intake's concern only
    assert f'href="{reverse("login")}?next=%2Fcases%2F{case.reference}%2F"' in response.content.decode()


# --- Step 1 --------------------------------------------------------------------------------------
def test_an_empty_concern_is_refused_with_the_services_words(rep_client, case):
    response = rep_client.post(url("concern_add", case), {"description": "", "impact": "", "feeling": ""})

    assert response.status_code == 422
    assert response.context["forms"]["concern_add"].errors["description"] == ["Describe the concern before saving it."]


def test_a_concern_can_be_completed_later(rep_client, rep, dennis):
    case = services.case_open(user=rep, client=dennis, summary="Down", temperature=Mood.ANXIOUS,
                              concern={"description": "The site is down", "impact": "", "feeling": ""})
    concern = case.concerns.get()

    rep_client.post(url("concern_edit", case, concern.pk),
                    {"description": "The site is down", "impact": "No orders can come in", "feeling": "Worried"})

    concern.refresh_from_db()
    assert concern.impact == "No orders can come in" and concern.is_complete


def test_a_refused_concern_edit_reopens_that_concerns_form_with_the_text(rep_client, case):
    concern = case.concerns.get()

    response = rep_client.post(url("concern_edit", case, concern.pk),
                               {"description": "", "impact": "", "feeling": "", "impact_deadline": "not a date"})

    html = response.content.decode()
    assert response.status_code == 422
    assert f'id="id_concern_edit_{concern.pk}_impact_deadline_error"' in html


def test_recording_the_temperature(rep_client, case):
    rep_client.post(url("temperature", case), {"temperature": Mood.ANGRY})

    case.refresh_from_db()
    assert case.temperature == Mood.ANGRY


def test_an_unknown_temperature_is_refused(rep_client, case):
    response = rep_client.post(url("temperature", case), {"temperature": "furious"})

    assert response.status_code == 422


def test_flagging_irate_shows_the_script_and_adds_a_supervisor(rep_client, case, supervisor):
    response = rep_client.post(url("irate", case), {"flagged": "on"}, headers=HTMX)

    case.refresh_from_db()
    assert case.flagged_irate and case.co_owner == supervisor
    assert "pb-deesc" in response.content.decode()


# --- Steps 2-4 -----------------------------------------------------------------------------------
def test_an_acknowledgement_is_recorded_with_the_coachs_warnings(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)

    response = rep_client.post(url("ack", case), {"text": "Are you sure that's what happened?"}, headers=HTMX)

    ack = case.acknowledgements.get()
    assert ack.coach_warnings and ack.coach_warnings[0]["code"] == "defensive"
    assert "pb-coach__warning--defensive" in response.content.decode()


def test_an_empty_acknowledgement_says_what_to_write(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.ACKNOWLEDGE)

    response = rep_client.post(url("ack", case), {"text": "  "})

    assert response.status_code == 422
    assert response.context["forms"]["ack"].errors["text"]
    assert case.acknowledgements.count() == 0


def test_an_acknowledgement_before_its_step_is_refused_in_plain_words(rep_client, case):
    response = rep_client.post(url("ack", case), {"text": "I hear you"})

    assert response.status_code == 422
    assert "Identify the concerns before acknowledging them." in response.content.decode()


def test_the_coached_field_is_wired_to_the_live_coach(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RECOMMIT)

    html = rep_client.get(reverse("cases:case_detail", args=[case.reference])).content.decode()

    assert f'hx-post="{reverse("playbook:coach")}"' in html
    assert "&quot;context&quot;: &quot;recommitment&quot;" in html
    assert 'id="id_recommit_text-coach"' in html


def test_a_recommitment_is_recorded(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.RECOMMIT)

    rep_client.post(url("recommit", case), {"text": "We hold ourselves to keeping you online."})

    assert case.recommitments.count() == 1


def test_a_question_with_its_answer_and_a_later_answer(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)
    rep_client.post(url("fact_add", case), {"question": "When did it start?"})
    fact = case.facts.get()

    rep_client.post(url("fact_answer", case, fact.pk), {"answer": "At 7am on Monday"})

    fact.refresh_from_db()
    assert fact.answer == "At 7am on Monday"


def test_a_question_is_required(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    response = rep_client.post(url("fact_add", case), {"question": "", "answer": "At 7am on Monday"})

    assert response.status_code == 422
    assert "At 7am on Monday" in response.content.decode()


def test_the_root_problem_and_the_clients_expectation(rep_client, rep, dennis):
    case = in_step(rep, dennis, Step.GATHER)

    rep_client.post(url("root", case), {"root_problem": "The mail server failed the upgrade",
                                         "expected_resolution": "Back today"})

    case.refresh_from_db()
    assert case.root_problem == "The mail server failed the upgrade" and case.expected_resolution == "Back today"
