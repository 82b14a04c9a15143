import json

import pytest

from playbook.coach import CoachContext, CoachWarning, WarningCode, check_text, check_text_as_dicts

ACK = CoachContext.ACKNOWLEDGEMENT
STATUS = CoachContext.STATUS_UPDATE


def codes(text, context=ACK):
    return [w.code for w in check_text(text, context=context)]


@pytest.mark.parametrize("context", [CoachContext.ACKNOWLEDGEMENT, CoachContext.RECOMMITMENT])
def test_a_plain_apology_gives_no_warnings(context):
    assert check_text("I'm sorry the upgrade failed", context=context) == []


@pytest.mark.parametrize(
    "text", ["Whose fault is this?", "Who did this?", "Why did you restart the server?", "Who is to blame here?"]
)
def test_blame_and_interrogation_warn(text):
    assert codes(text) == [WarningCode.BLAME]


def test_reassuring_the_client_it_is_not_their_fault_does_not_warn():
    assert codes("This isn't your fault at all.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Are you sure that's what happened?",
        "That's not possible.",
        "You must have typed the wrong password.",
        "That has never happened before.",
    ],
)
def test_defensive_phrases_warn(text):
    assert codes(text) == [WarningCode.DEFENSIVE]


@pytest.mark.parametrize("text", ["You must have been so worried.", "That can't be easy for you."])
def test_labeling_a_feeling_is_not_flagged_as_defensive(text):
    assert codes(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Our policy doesn't cover that.",
        "Company policy says you must write in.",
        "There's nothing I can do.",
        "I'm not allowed to change it.",
        "We aren't allowed to do that by phone.",
    ],
)
def test_hiding_behind_policy_warns(text):
    assert codes(text) == [WarningCode.POLICY]


def test_policy_as_part_of_a_longer_word_does_not_warn():
    assert codes("I've found your details in our policyholder records.") == []


@pytest.mark.parametrize(
    "text",
    [
        "The other department handles that.",
        "My colleague messed up the order.",
        "It's not my fault.",
        "They always do this.",
        "IT screwed up the upgrade.",
    ],
)
def test_scapegoating_teammates_warns(text):
    assert codes(text) == [WarningCode.SCAPEGOAT]


@pytest.mark.parametrize("text", ["We messed up, and I'm sorry.", "Our team messed up and we're fixing it."])
def test_owning_the_mistake_as_a_team_is_not_scapegoating(text):
    assert codes(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "We'll refund the month.",
        "I guarantee it works.",
        "We will compensate you.",
        "We will pay for the lost orders.",
        "The repair is free of charge.",
        "I promise it will never happen again.",
    ],
)
def test_taking_on_new_liability_warns(text):
    assert codes(text) == [WarningCode.LIABILITY]


@pytest.mark.parametrize(
    "text", ["I can't guarantee an exact time yet.", "We'll pay close attention to your account."]
)
def test_honest_hedging_is_not_flagged_as_liability(text):
    assert codes(text) == []


def test_the_excerpt_is_the_words_that_triggered_the_warning():
    [warning] = check_text("Honestly, whose fault is this?", context=ACK)

    assert warning.excerpt == "whose fault"


def test_matching_ignores_case():
    assert codes("WHOSE FAULT IS THIS") == [WarningCode.BLAME]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("We aren\u2019t allowed to do that.", WarningCode.POLICY),
        ("Are you sure that\u2019s what happened?", WarningCode.DEFENSIVE),
        ("Why didn\u2019t you call us?", WarningCode.BLAME),
        ("It won\u2019t happen again.", WarningCode.LIABILITY),
    ],
)
def test_curly_apostrophes_match_like_straight_ones(text, code):
    assert codes(text) == [code]


def test_the_excerpt_keeps_the_curly_apostrophe_as_typed():
    [warning] = check_text("We aren\u2019t allowed to do that.", context=ACK)

    assert warning.excerpt == "aren\u2019t allowed to"


def test_warnings_come_in_the_order_the_phrases_appear():
    text = "We'll refund you. Whose fault was it? Our policy is clear."

    assert codes(text) == [WarningCode.LIABILITY, WarningCode.BLAME, WarningCode.POLICY]


def test_a_repeated_phrase_is_reported_once():
    assert codes("Our policy, our policy, OUR POLICY.") == [WarningCode.POLICY]


@pytest.mark.parametrize(
    "text",
    [
        "Our current estimate is between 1 and 5 hours.",
        "The site should be back by 14:00.",
        "We expect it back by 2pm.",
        "It will take 1-3 hours.",
        "You'll have it by tomorrow.",
        "We'll call you back in 20 minutes.",
        "It will be done by Friday.",
    ],
)
def test_a_status_update_with_a_time_or_range_gets_no_no_time_warning(text):
    assert WarningCode.NO_TIME not in codes(text, STATUS)


@pytest.mark.parametrize(
    "text", ["We're working on it.", "Engineers are investigating and will report back soon."]
)
def test_a_status_update_with_no_time_warns(text):
    assert codes(text, STATUS) == [WarningCode.NO_TIME]


def test_the_no_time_check_does_not_apply_to_acknowledgements():
    assert codes("We're working on it.", ACK) == []


def test_a_status_update_reporting_the_fix_needs_no_time():
    assert codes("Email is back up for all five mailboxes.", STATUS) == []


def test_a_status_update_promising_a_fix_without_a_time_still_warns():
    assert codes("We'll call you once it's fixed.", STATUS) == [WarningCode.NO_TIME]


def test_blank_text_gives_no_warnings_even_for_a_status_update():
    assert check_text("   ", context=STATUS) == []


def test_an_unknown_context_is_refused():
    with pytest.raises(ValueError):
        check_text("hello", context="email")


def test_warnings_are_json_serialisable_with_code_message_and_excerpt():
    stored = json.loads(json.dumps(check_text_as_dicts("Whose fault is this?", context=ACK)))

    assert stored == [{"code": "blame", "message": stored[0]["message"], "excerpt": "Whose fault"}]
    assert stored[0]["message"]


def test_a_stored_warning_round_trips_through_its_dict():
    warning = check_text("Our policy is clear.", context=ACK)[0]

    assert CoachWarning.from_dict(warning.to_dict()) == warning


def test_every_warning_code_has_a_message():
    from playbook.coach import MESSAGES

    assert all(MESSAGES.get(code, "").strip() for code in WarningCode)
