"""Substance (RECIPE): a gate record needs three words, after invisible characters are removed. Found by an
audit: modifier letters that draw punctuation ("ʻʻ ʼʼ ʽʽ", "ꓸꓸ ꓹꓹ ꓻꓻ", tatweels) counted as words, a letter
doubled ("xx yy zz") passed where "x y z" is refused, and invisible marks (the combining grapheme joiner,
variation selectors) were kept in the record, splitting a word the phrase coach looks for."""
import pytest

from cases.errors import CaseRuleError
from cases.services.common import coach_warnings
from cases.text import is_copy, normalise, require_substance


def _has_substance(text):
    try:
        require_substance(text, field="text", message="Say more.")
    except CaseRuleError:
        return False
    return True


@pytest.mark.parametrize("text", [
    "ʻʻ ʼʼ ʽʽ", "ꓸꓸ ꓹꓹ ꓻꓻ", "ー ヽ ゝ", "\u0640\u0640 \u0640\u0640\u0640 \u0640\u0640\u0640\u0640",
    "xx yy zz", "aa aaa aaaa", "I II III", "pp ppp pppp",
])
def test_punctuation_letters_and_doubled_letters_are_no_words(text):
    assert not _has_substance(text)


@pytest.mark.parametrize("text", [
    "I hear you, the shop is down", "Hawaiʻi office is offline since noon", "サーバーが 止まって います",
    "Zoo opening delayed again", "We will call you at noon",
])
def test_real_sentences_still_have_substance(text):
    assert _has_substance(text)


def test_invisible_marks_are_removed_and_the_braille_blank_is_a_space():
    marked = "I hear\u034f you,\ufe0f it is\u180b serious\U000e0100 for you"
    assert normalise(marked) == "I hear you, it is serious for you"
    assert normalise("company\u2800policy") == "company policy"


@pytest.mark.parametrize("text", ["That is company\u034f policy", "That is com\ufe0fpany policy",
                                  "That is company\u2800policy"])
def test_the_coach_sees_through_invisible_marks(text):
    clean = normalise(text)
    assert [w["code"] for w in coach_warnings(clean, "acknowledgement")] == \
        [w["code"] for w in coach_warnings("That is company policy", "acknowledgement")] != []


@pytest.mark.parametrize("text", [
    "Down ꓓꓳꓪꓠ ꓓown",  # Lisu capitals that look like Latin ones: one word in three cases
    "down down-down down-down-down", "fine fine-fine fine.fine.fine", "ok-ok-ok okay-okay fine",
])
def test_one_word_in_look_alike_capitals_or_repeated_and_joined_is_one_word(text):
    """Found by an audit: look-alike capitals were compared with lower-case letters and never met them, and a
    word repeated and joined by punctuation counted as a new word each time."""
    assert not _has_substance(text)


CONCERN = "Website and business email have been down since the host's overnight upgrade"


@pytest.mark.parametrize("copy", [
    "ꓪebsite ꓮnd ꓐusiness ꓰmail ꓧave ꓐeen ꓓown ꓢince ꓔhe ꓧost's ꓳvernight ꓴpgrade",
    "Website-Website and-and business-business email-email have-have been-been down-down since-since the-the "
    "host's-host's overnight-overnight upgrade-upgrade",
])
def test_the_concern_in_look_alike_capitals_or_with_each_word_doubled_is_a_copy(copy):
    assert is_copy(copy, [CONCERN])
    assert not is_copy("I understand your shop lost its orders overnight and how worrying that is", [CONCERN])
