"""The phrase coach: warns, never blocks, about wording that works against the recipe.

Invariant: `check_text` is pure (no database, no request) and its warnings are plain JSON values once
passed through `CoachWarning.to_dict`, so callers can store them on the record the text belongs to.
Codes are stable: stored warnings and templates rely on them.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import StrEnum


class CoachContext(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    RECOMMITMENT = "recommitment"
    STATUS_UPDATE = "status_update"


class WarningCode(StrEnum):
    BLAME = "blame"
    DEFENSIVE = "defensive"
    POLICY = "policy"
    SCAPEGOAT = "scapegoat"
    LIABILITY = "liability"
    NO_TIME = "no_time"


@dataclass(frozen=True)
class CoachWarning:
    code: str
    message: str
    excerpt: str  # the words that triggered it, as typed; "" for no_time (it warns about an absence)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> CoachWarning:
        return cls(code=data["code"], message=data["message"], excerpt=data.get("excerpt", ""))


MESSAGES: dict[str, str] = {
    WarningCode.BLAME: (
        "Sounds like hunting for a culprit. Blame questions feel like an interrogation and undo the "
        "acknowledgement; ask what happened instead."
    ),
    WarningCode.DEFENSIVE: (
        "Sounds defensive, as if you doubt the client. Acknowledging isn't agreeing: recognise their "
        "experience now and check the facts later."
    ),
    WarningCode.POLICY: (
        "Sounds like hiding behind the rules. Tell the client what you can do, and escalate if you really "
        "cannot help."
    ),
    WarningCode.SCAPEGOAT: (
        "Puts the blame on a teammate or another team. The client hears a divided company; speak for the "
        "whole team."
    ),
    WarningCode.LIABILITY: (
        "May take on liability nobody has approved (money, guarantees). Check with your supervisor, or "
        "escalate as a liability question, before offering it."
    ),
    WarningCode.NO_TIME: (
        "No time or range in this update. Give the client an outcome they can plan around, e.g. "
        "\"between 1 and 3 hours\" or \"by 14:00\", not only a description of the work."
    ),
}

# Curly and modifier apostrophes are folded to ' before matching; each is one character, so match
# offsets still point into the original text.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'"})
_FLAGS = re.IGNORECASE


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), _FLAGS)


# "it's not", "that is not", "it isn't", "it wasn't"
_IS_NOT = r"(?:(?:that|it)(?:'s|\s+is|\s+was)\s+not|(?:that|it)\s+(?:isn't|wasn't))"
_THIRD_PARTY = (
    r"(?:they|he|she|IT|colleagues?|co-?workers?|teammates?|(?<!our\s)(?<!my\s)team|department|guys|developers"
    r"|devs|engineers|engineering|ops|techs?|technicians|support|warehouse|billing)"
)
_PROMISE_NEVER_AGAIN = r"(?:I\s+(?:promise|swear)\s+(?:you\s+)?)?"

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        WarningCode.BLAME,
        _rx(
            r"\bwhose\s+fault\b",
            r"\bwho\s+(?:did|caused|broke|changed)\s+(?:this|that|it)\b",
            r"\bwho(?:'s|\s+is|\s+was)\s+(?:to\s+blame|responsible)\b",
            r"\bwhy\s+(?:did|didn't|did\s+not|would|wouldn't)\s+you\b",
            # "it's not your fault" reassures; only the accusation counts.
            r"(?<!not\s)(?<!n't\s)\byour\s+(?:own\s+)?fault\b",
            r"\byour\s+accusation\b",
        ),
    ),
    (
        WarningCode.DEFENSIVE,
        _rx(
            r"\bare\s+you\s+(?:sure|certain)\s+(?:that's|that\s+is|this\s+is|it's|it\s+is)\s+what\s+happened\b",
            r"\bare\s+you\s+(?:sure|certain)\s+you\s+(?:did|tried|followed|entered|typed|clicked|restarted|checked)\b",
            r"\b(?:that|this)(?:'s|\s+is)\s+(?:not\s+possible|impossible)\b",
            # "that can't be easy" is empathy; only denial counts.
            r"\b(?:that|this)\s+(?:can't|cannot|can\s+not)\s+(?:happen|be\s+(?:right|true|possible|the\s+case))\b",
            # "you must have been worried" labels a feeling, which is good practice.
            r"\byou\s+must(?:'ve|\s+have)\b(?!\s+(?:been|felt)\b)",
            r"\b(?:has|had|have)\s+never\s+happened\s+(?:like\s+that\s+)?before\b",
            r"\bworks\s+(?:fine\s+)?for\s+everyone\s+else\b",
        ),
    ),
    (
        WarningCode.POLICY,
        _rx(
            r"\b(?:our|company|the\s+company's|against)\s+polic(?:y|ies)\b",
            r"\bnothing\s+(?:more\s+)?(?:I|we)\s+can\s+do\b",
            r"\b(?:not|\w+n't)\s+allowed\s+to\b",
            r"\b(?:out\s+of\s+my\s+hands|my\s+hands\s+are\s+tied|rules\s+are\s+rules)\b",
            rf"\b{_IS_NOT}\s+my\s+(?:job|department|area)\b",
        ),
    ),
    (
        WarningCode.SCAPEGOAT,
        _rx(
            r"\bthe\s+other\s+(?:department|team|shift|office|guys)\b",
            rf"\b{_THIRD_PARTY}\s+(?:really\s+|totally\s+|completely\s+)?"
            r"(?:messed|screwed|fouled|mucked|botched)(?:\s+(?:it|this|that|things))?\s+up\b",
            rf"\b{_THIRD_PARTY}\s+dropped\s+the\s+ball\b",
            rf"\b{_IS_NOT}\s+my\s+fault\b",
            r"\bnot\s+my\s+fault\b",
            r"\bthey\s+(?:always|never)\b",
            r"\b(?:tech|IT|dev|ops)\s+(?:guys|people|folks)\b",
            r"\bblame\s+(?:it\s+on\s+)?(?:the\s+)?(?:IT|tech|other|developers|engineers|warehouse)\b",
        ),
    ),
    (
        WarningCode.LIABILITY,
        _rx(
            r"\brefund(?:s|ed|ing)?\b",
            # "I can't guarantee an exact time" is honest, not a new promise.
            r"(?<!can't\s)(?<!cannot\s)(?<!not\s)\bguarantee(?:s|d)?\b",
            r"\bcompensat(?:e|es|ed|ing|ion)\b",
            r"\bwe(?:'ll|\s+will|\s+shall)\s+(?:pay|cover\s+the\s+(?:cost|costs|bill))\b"
            r"(?!\s+(?:close\s+)?attention)",
            r"\bfree\s+of\s+charge\b",
            rf"\b{_PROMISE_NEVER_AGAIN}(?:(?:it|this|that)(?:'ll|\s+will)|will)\s+never\s+happen\s+again\b",
            rf"\b{_PROMISE_NEVER_AGAIN}(?:(?:it|this|that)\s+)?won't\s+(?:ever\s+)?happen\s+again\b",
        ),
    ),
)

_NUM_WORD = (
    r"(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty"
    r"|forty-five|fifty|sixty|ninety|half\s+an?|a\s+couple\s+of|a\s+few|few|several)"
)
_NUM = r"\d+(?:[.,]\d+)?"
_RANGE_JOIN = r"(?:-|\u2013|to|or|and)"
_UNIT = r"(?:minutes?|hours?|days?|business\s+days?|working\s+days?|weeks?|months?)"
_SHORT_UNIT = r"(?:mins?|h|hrs?)"  # only after a digit: "2h", "15 min"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend)"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)

# Any of these counts as "a time or range" for a status update. Generous on purpose: the coach
# should let a vague update through rather than nag about a good one.
_TIME = _rx(
    r"\b(?:[01]?\d|2[0-3])[:.][0-5]\d\b",  # 14:00, 9.30
    r"\b(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s*(?:am|pm|a\.m\.|p\.m\.)",  # 2pm, 10:30 am
    rf"\b{_NUM}(?:\s*{_RANGE_JOIN}\s*{_NUM})?\s*(?:more\s+|extra\s+)?(?:{_UNIT}|{_SHORT_UNIT})\b",  # 1-3 hours
    rf"\b{_NUM_WORD}(?:\s+{_RANGE_JOIN}\s+{_NUM_WORD})?\s+(?:more\s+|extra\s+)?{_UNIT}\b",  # two or three days
    r"\b(?:within|in|under|about|around|over|by)\s+(?:the|an|the\s+next)\s+(?:hour|day|week)\b",
    r"\bnext\s+(?:hour|week|month)\b",
    r"\b(?:today|tonight|tomorrow|noon|midday|midnight|this\s+(?:morning|afternoon|evening|week))\b",
    r"\b(?:end|close)\s+of\s+(?:the\s+)?(?:day|business|play|week|month)\b",
    r"\b(?:EOD|COB)\b",
    rf"\b{_WEEKDAY}s?\b",
    r"\b\d{4}-\d{2}-\d{2}\b",  # 2026-11-23
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",  # 23/11
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b",  # Nov 23
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?!\w)",  # 23rd of November
)

# An update that reports the outcome itself ("email is back up") needs no estimate. A done-word
# after "once", "when", "be", ... is still a future event, so it does not count.
_DONE = _rx(r"\b(?:fixed|resolved|restored|back\s+(?:up|online|to\s+normal)|working\s+again|up\s+and\s+running)\b")
_FUTURE_BEFORE_DONE = _rx(
    r"\b(?:once|when|until|till|after|before|if|soon\s+as|get|gets|getting|be|being|to)\s+(?:\S+\s+){0,3}$"
)


def _reports_outcome(folded: str) -> bool:
    return any(
        not _FUTURE_BEFORE_DONE.search(folded[max(0, m.start() - 30) : m.start()])
        for m in _DONE.finditer(folded)
    )


_CONTEXT_VALUES = frozenset(c.value for c in CoachContext)
# A bounded list: a long text full of trigger words must not bury the field under warnings.
MAX_WARNINGS = 8
MAX_EXCERPT = 60


def _short(excerpt: str) -> str:
    return excerpt if len(excerpt) <= MAX_EXCERPT else excerpt[: MAX_EXCERPT - 1].rstrip() + "\u2026"


def check_text(text: str, *, context: str) -> list[CoachWarning]:
    """Warnings for `text` written in `context` (a CoachContext value), in the order they occur.

    Each phrase is reported once per code (case and spacing ignored), each excerpt is at most
    MAX_EXCERPT characters, and at most MAX_WARNINGS are returned (the missing-time warning, which
    is about the whole text, is kept). Raises ValueError for an unknown context.
    """
    if str(context) not in _CONTEXT_VALUES:
        raise ValueError(f"Unknown coach context {context!r}; expected one of {sorted(_CONTEXT_VALUES)}")
    if not text or not text.strip():
        return []
    folded = text.translate(_APOSTROPHES)

    found: list[tuple[int, CoachWarning]] = []
    seen: set[tuple[str, str]] = set()
    for code, pattern in _RULES:
        for match in pattern.finditer(folded):
            excerpt = _short(" ".join(text[match.start() : match.end()].split()))
            key = (code, excerpt.lower())
            if key in seen:
                continue
            seen.add(key)
            found.append((match.start(), CoachWarning(code=code.value, message=MESSAGES[code], excerpt=excerpt)))
    found.sort(key=lambda pair: pair[0])
    warnings = [w for _, w in found]

    if context == CoachContext.STATUS_UPDATE and not _TIME.search(folded) and not _reports_outcome(folded):
        no_time = WarningCode.NO_TIME
        return warnings[: MAX_WARNINGS - 1] + [CoachWarning(code=no_time.value, message=MESSAGES[no_time], excerpt="")]
    return warnings[:MAX_WARNINGS]


def check_text_as_dicts(text: str, *, context: str) -> list[dict[str, str]]:
    """`check_text`, ready to store in a JSONField."""
    return [w.to_dict() for w in check_text(text, context=context)]
