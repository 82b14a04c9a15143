"""Free text as the services accept it: normalised (Unicode NFKC, invisible and zero-width characters
removed, runs of spaces collapsed, at most one blank line between paragraphs), within its length limit,
and for the recipe's gate records, with substance (at least MIN_WORDS words: "ok", "x", "." and a lone
zero-width space are refused). Limits come from the model fields, so the form, the service and the
model agree."""
import re
import unicodedata

from .errors import CaseRuleError

# A typed phone number: digits, spaces and ( ) + - . / only (search and the intake's picker read it).
PHONE_QUERY = re.compile(r"^[\d\s()+\-./]+$")


def digits(value):
    """The digits of a phone number as typed or stored: '+44 (20) 7946-0958' -> '442079460958'."""
    return "".join(ch for ch in str(value or "") if ch.isdigit())


MIN_WORDS = 3
NAME = 200  # names
LINE = 300  # one-liners: summaries, short notes
SHORT_NOTE = 1000  # reasons, item descriptions, questions
NOTE = 4000  # what was said, answers, notes

_INVISIBLE_KEEP = {"\n", "\t"}
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: "_ _ _" is no words
# Letters that draw nothing (the Hangul fillers; NFKC folds U+3164 and U+FFA0 into U+1160): dropped like
# the zero-width characters, so three of them are not three words.
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}


def normalise(value):
    """NFKC, without format/control characters (zero-width spaces, joiners, BOMs, bidi marks) and letters
    that draw nothing (the Hangul fillers), with whitespace collapsed. Newlines survive; trailing space on
    each line does not."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    dropped = ("Cf", "Cc", "Co", "Cs")
    text = "".join(ch for ch in text if ch in _INVISIBLE_KEEP
                   or (unicodedata.category(ch) not in dropped and ch not in _BLANK_LETTERS))
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def word_count(text):
    return len(_WORD.findall(text or ""))


def limit_of(model, field_name, default=NOTE):
    return model._meta.get_field(field_name).max_length or default


def clean_text(value, *, field, limit, required=False, message="This field is required."):
    """Normalised text within `limit` characters; CaseRuleError on `field` otherwise."""
    text = normalise(value)
    if required and not text:
        raise CaseRuleError(message, field=field)
    if len(text) > limit:
        typed = len(str(value or "").strip())
        # Some characters are written out as several (NFKC: "ﷺ" is 18 letters): say so, or the count
        # would be one the person never typed.
        spelled = "" if len(text) <= typed else f", {len(text):,} once special characters are written out in full"
        raise CaseRuleError(f"Keep it under {limit:,} characters (this is {min(typed, len(text)):,}{spelled}).",
                            field=field)
    return text


def require_substance(value, *, field, message, limit=NOTE, min_words=MIN_WORDS):
    """A gate record: normalised, within its limit, and at least `min_words` words."""
    text = clean_text(value, field=field, limit=limit, required=True, message=message)
    if word_count(text) < min_words:
        raise CaseRuleError(f"{message} Write at least {min_words} words: a record the next person can act on.",
                            field=field)
    return text
