"""cases.text: what free text looks like once a service accepts it (NFKC, no invisible characters,
whitespace collapsed), and when a gate record has substance."""
import pytest

from cases.errors import CaseRuleError
from cases.text import clean_text, normalise, require_substance, word_count


def test_normalise_applies_nfkc():
    assert normalise("ｆｕｌｌ\u00a0width ﬁx") == "full width fix"


def test_normalise_removes_zero_width_and_invisible_characters():
    assert normalise("\ufeffre\u200bstore\u200d the\u2060 mail\u200e") == "restore the mail"


def test_normalise_collapses_runs_of_spaces_and_trims_each_line():
    assert normalise("  Mail   is\t\tback  \n  and   the site too  ") == "Mail is back\nand the site too"


def test_normalise_keeps_at_most_one_blank_line_between_paragraphs():
    assert normalise("First call.\r\n\r\n\r\n   \n\nSecond call.") == "First call.\n\nSecond call."


def test_normalise_turns_nothing_into_an_empty_string():
    assert normalise(None) == "" and normalise("\u200b \u200c\n\t") == ""


def test_words_are_counted_as_runs_of_letters_or_digits():
    assert word_count("Back by 5pm, promise.") == 4 and word_count(". - !") == 0


def test_normalise_drops_letters_that_draw_nothing():
    assert normalise("\u3164 \u3164 \u3164") == ""
    assert normalise("re\u1160store \uffa0the\u115f mail") == "restore the mail"


def test_words_are_told_apart_by_spaces_and_counted_once():
    assert word_count("x.x.x") == 1 and word_count("go go GO") == 1 and word_count("I hear you") == 3
    assert word_count("ok ok OK") == 0  # a filler says nothing (text.FILLERS)


def test_underscores_are_not_words():
    assert word_count("_ _ _") == 0 and word_count("__init__ works") == 2


@pytest.mark.parametrize("junk", ["ok", "x", ".", "\u200b", "ok ok", "   ", "—!?", "\u3164 \u3164 \u3164",
                                  "\uffa0 \u1160 \u115f", "_ _ _", "x.x.x", "a-b-c", "ok,ok,ok", "ok ok ok",
                                  "OK ok Ok!", "x y z", "a b cd",
                                  # found by a padding review: markup, numbers and look-alike letters
                                  "<b>ok</b> <i>ok</i> <u>ok</u>", "&nbsp;ok &amp; ok", "11 22 33", "x1 x2 x3",
                                  "1.1 1.2 1.3", "\u043e\u043a ok \u043ek", "\u03bfk ok \u043ek"])
def test_a_gate_record_without_three_words_is_refused_in_plain_words(junk):
    with pytest.raises(CaseRuleError) as exc:
        require_substance(junk, field="text", message="Write what you said.")

    assert exc.value.field == "text"
    assert exc.value.message.startswith("Write what you said.")


def test_a_short_record_is_told_how_much_to_write():
    with pytest.raises(CaseRuleError, match="at least 3 words"):
        require_substance("ok", field="text", message="Write what you said.")


def test_a_gate_record_with_three_words_is_accepted_normalised():
    assert require_substance(" I\u200b hear  you ", field="text", message="Write it.") == "I hear you"


def test_text_over_its_limit_is_refused_with_the_limit_in_the_message():
    with pytest.raises(CaseRuleError, match="Keep it under 1,000 characters") as exc:
        clean_text("a" * 1001, field="reason", limit=1000)

    assert exc.value.field == "reason"


def test_the_limit_counts_the_normalised_text():
    assert clean_text("a" + "\u200b" * 50 + "b", field="note", limit=2) == "ab"


def test_the_length_refusal_counts_what_was_typed_and_says_when_characters_spell_out_longer():
    with pytest.raises(CaseRuleError) as typed_long:
        clean_text("x" * 501, field="text", limit=500)
    with pytest.raises(CaseRuleError) as spelled_long:
        clean_text("\ufdfa" * 300, field="text", limit=500)  # each one is 18 letters once normalised

    assert str(typed_long.value) == "Keep it under 500 characters (this is 501)."
    assert str(spelled_long.value) == ("Keep it under 500 characters (this is 300, 5,400 once special characters are "
                                       "written out in full).")


@pytest.mark.parametrize("record", ["Refund of 500 sent on 3 May", "Engineer on site at 14:00",
                                    "Мы вернём деньги завтра", "Told her <Enter> saves the form"])
def test_records_with_numbers_markup_like_text_or_another_script_still_count_their_words(record):
    assert require_substance(record, field="text", message="Write it.") == record
