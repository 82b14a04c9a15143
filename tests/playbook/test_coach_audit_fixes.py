"""Fixes from an audit of the phrase coach: a status update that says the work is not done yet, or only how
long the client has waited, still gets the missing-time warning; common variants of each warned phrase are
caught, ordinary good phrasing (and the client's own words given back) is not; and the coach reads the text
normalised, as the services store it, so the live coach and the saved record warn about the same words."""
import pytest
from django.urls import reverse

from cases import services
from cases.models import Step
from cases.text import normalise
from playbook import coach
from playbook.coach import CoachContext, WarningCode, check_text, check_text_as_dicts
from tests.cases.helpers import advance_to, open_case
from tests.factories import ClientFactory, StaffProfileFactory, SupervisorFactory

ACK = CoachContext.ACKNOWLEDGEMENT
STATUS = CoachContext.STATUS_UPDATE


def codes(text, context=ACK):
    return [w.code for w in check_text(text, context=context)]


# --- A. The missing-time warning -------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Nothing is fixed yet, the engineers are still investigating the outage",
        "The site is not back up yet; we are looking into it",
        "It isn't resolved, the team is working on it",
        "We haven't fully restored the mailboxes and are still checking them",
        "The shop has never been back online since the upgrade",
    ],
)
def test_an_update_saying_the_work_is_not_done_yet_warns_about_the_missing_time(text):
    assert codes(text, STATUS) == [WarningCode.NO_TIME]


@pytest.mark.parametrize(
    "text",
    [
        "Mail has been down for 5 hours and engineers are looking into it",
        "We started on this 3 hours ago and are still investigating",
        "Still down since 09:00, we are working on it",
        "It's been two days and the team is on it",
        "The sync went down at 9am and we are looking into why",
        "We have been working on it for the past 3 hours",
        "It failed last Monday and we are investigating",
    ],
)
def test_a_time_that_looks_back_is_not_an_estimate(text):
    assert codes(text, STATUS) == [WarningCode.NO_TIME]


@pytest.mark.parametrize(
    "text",
    [
        "Mail has been down for 5 hours; we expect it back within 2 hours.",
        "We started 3 hours ago and expect to finish by 16:00.",
        "Down since 09:00, we will call you back in 30 minutes.",
        "It isn't fixed yet, but we expect it back up by tomorrow morning.",
        "The restart has been scheduled for 14:00.",
        "The release has been delayed for 2 hours.",
    ],
)
def test_an_update_that_also_looks_ahead_gets_no_missing_time_warning(text):
    assert WarningCode.NO_TIME not in codes(text, STATUS)


@pytest.mark.parametrize(
    "text",
    [
        "Email is back up for all five mailboxes.",
        "No worries, the shop is back online.",
        "It's fixed; nothing else is needed on your side.",
        "The outage is resolved and your orders are flowing again.",
    ],
)
def test_an_update_reporting_the_outcome_still_needs_no_time(text):
    assert codes(text, STATUS) == []


# --- B. Variants of the warned phrases -------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Are you sure that happened?", WarningCode.DEFENSIVE),
        ("Are you sure about that?", WarningCode.DEFENSIVE),
        ("Are you really certain?", WarningCode.DEFENSIVE),
        ("That's simply not true.", WarningCode.DEFENSIVE),
        ("That isn't what happened.", WarningCode.DEFENSIVE),
        ("You're mistaken about the date.", WarningCode.DEFENSIVE),
        ("Who messed this up?", WarningCode.BLAME),
        ("Who screwed up?", WarningCode.BLAME),
        ("Did you even read the manual?", WarningCode.BLAME),
        ("Didn't you read our email?", WarningCode.BLAME),
        ("What did you do to it?", WarningCode.BLAME),
        ("What were you thinking?", WarningCode.BLAME),
        ("We'll give you your money back.", WarningCode.LIABILITY),
        ("I will reimburse you.", WarningCode.LIABILITY),
        ("We'll credit your account.", WarningCode.LIABILITY),
        ("We'll waive the fee.", WarningCode.LIABILITY),
        ("You won't be charged for March.", WarningCode.LIABILITY),
        ("We'll send a new router at no extra cost.", WarningCode.LIABILITY),
        ("Our engineers broke the server.", WarningCode.SCAPEGOAT),
        ("The developers caused this outage.", WarningCode.SCAPEGOAT),
        ("The warehouse lost your parcel.", WarningCode.SCAPEGOAT),
        ("They broke your server.", WarningCode.SCAPEGOAT),
        ("Policy doesn't allow me to do that.", WarningCode.POLICY),
        ("Per policy we cannot.", WarningCode.POLICY),
        ("I'm afraid it's policy.", WarningCode.POLICY),
        ("The rules don't let me change it.", WarningCode.POLICY),
        ("I'm not permitted to change it.", WarningCode.POLICY),
    ],
)
def test_a_common_variant_of_a_warned_phrase_warns(text, code):
    assert codes(text) == [code]


@pytest.mark.parametrize(
    "text",
    [
        "I understand how frustrating this outage is.",
        "We will call you back by 15:00 with the fix.",
        "Our engineers are fixing the server now and I will update you by 14:00.",
        "Thank you for telling us.",
        "Are you sure you want us to close the case?",
        "That's not right, you should have heard from us sooner.",
        "I'm sorry it broke your export.",
        "Your team lost a day's work because of this, and I'm sorry.",
        "Please check the credit card statement for March.",
        "No, you can't get your money back, but I can ask my supervisor.",
        "I can't waive the fee, but I have asked my supervisor.",
        "Our engineers lost no time on it.",
    ],
)
def test_ordinary_good_phrasing_does_not_warn(text):
    assert codes(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "You told us our engineers broke the server and your shop was closed all morning.",
        "You said the developers caused this outage.",
        "You were promised a refund last week and it never arrived.",
        "You asked whose fault this was, and you deserve an answer.",
        "You feel our policy left you stuck.",
    ],
)
def test_an_acknowledgement_giving_back_the_clients_words_does_not_warn(text):
    assert codes(text) == []


def test_the_reps_own_offer_after_the_clients_words_still_warns():
    warnings = check_text("You said you wanted a refund, and we will refund you.", context=ACK)

    assert [(w.code, w.excerpt) for w in warnings] == [(WarningCode.LIABILITY, "refund")]


# --- The same text live and saved --------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "Whose\u200bfault was this?",
        "Whose \u200bfault was this?",
        "\uff37\uff48\uff4f\uff53\uff45 \uff46\uff41\uff55\uff4c\uff54?",  # full-width letters
        "That is company\u034f policy.",
        "It\u2019s our \ufeffpolicy.",
    ],
)
def test_the_raw_text_warns_as_its_normalised_form_does(text):
    raw = check_text_as_dicts(text, context=ACK)

    assert raw == check_text_as_dicts(normalise(text), context=ACK)
    assert raw


def test_the_excerpt_is_the_normalised_words():
    [warning] = check_text("\uff37\uff48\uff4f\uff53\uff45 \u200bfault?", context=ACK)

    assert warning.excerpt == "Whose fault"


def test_an_acute_accent_typed_as_an_apostrophe_still_matches_and_is_quoted_as_typed():
    [warning] = check_text("We aren\u00b4t allowed to do that.", context=ACK)

    assert (warning.code, warning.excerpt) == (WarningCode.POLICY, "aren\u00b4t allowed to")


def test_the_coach_reads_text_through_the_normaliser_the_services_store_it_with():
    assert coach.normalise is normalise
    assert check_text("Whose\u200b fault is this?", context=ACK)  # read as stored: the zero-width space is gone


@pytest.mark.django_db
def test_the_live_coach_and_the_saved_acknowledgement_warn_alike(client):
    rep = StaffProfileFactory(supervisor=SupervisorFactory()).user
    case = advance_to(open_case(rep, ClientFactory(name="Dennis")), Step.ACKNOWLEDGE, rep)
    text = "Whose \u200bfault was it, and \uff41\uff52\uff45 \uff59\uff4f\uff55 \uff53\uff55\uff52\uff45 about that?"
    client.force_login(rep)

    live = client.post(reverse("playbook:coach"), {"text": text, "context": "acknowledgement"}).content.decode()
    saved = services.acknowledgement_record(user=rep, case=case, text=text).coach_warnings

    assert [w["code"] for w in saved] == [WarningCode.BLAME, WarningCode.DEFENSIVE]
    assert all(f'pb-coach__warning--{w["code"]}' in live and w["excerpt"] in live for w in saved)
