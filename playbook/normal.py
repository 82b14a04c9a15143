"""The one normaliser of free text (RECIPE, "Substance"): Unicode NFKC, invisible and zero-width characters
removed, whitespace collapsed. The services store every text through it (cases.text re-exports it) and the
phrase coach reads a text through it (playbook.coach), so the live coach and the saved record see the same
words. It lives here because `playbook` imports nothing from `cases`, and `cases` may read `playbook`."""
import re
import unicodedata

_INVISIBLE_KEEP = {"\n", "\t"}
# Marks that draw nothing on their own (found by an audit: kept in a record, they split a word the phrase coach
# looks for, "company\u034f policy"): the combining grapheme joiner, the variation selectors; and the braille
# blank, which looks like a space and is read as one.
_INVISIBLE_MARKS = re.compile("[\u034f\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Letters that draw nothing (the Hangul fillers; NFKC folds U+3164 and U+FFA0 into U+1160): dropped like
# the zero-width characters, so three of them are not three words.
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
_DROPPED_CATEGORIES = ("Cf", "Cc", "Co", "Cs")  # format and control characters: zero-width, joiners, BOMs, bidi


def normalise(value):
    """NFKC, without format/control characters (zero-width spaces, joiners, BOMs, bidi marks) and letters
    that draw nothing (the Hangul fillers), with whitespace collapsed. Newlines survive; trailing space on
    each line does not."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = _INVISIBLE_MARKS.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2800", " "))
    text = "".join(ch for ch in text if ch in _INVISIBLE_KEEP
                   or (unicodedata.category(ch) not in _DROPPED_CATEGORIES and ch not in _BLANK_LETTERS))
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()
