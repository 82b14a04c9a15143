"""The phrase coach: warns, never blocks, about wording that works against the recipe.

Invariant: `check_text` is pure (no database, no request) and its warnings are plain JSON values once
passed through `CoachWarning.to_dict`, so callers can store them on the record the text belongs to.
Codes are stable: stored warnings and templates rely on them. The text is read normalised as the
services store it (playbook.normal.normalise, which cases.text re-exports), so the live coach and the saved
record warn about the same words.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from enum import StrEnum

from .normal import normalise


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

# Curly, modifier and grave apostrophes are folded to ' before matching; each is one character, so match
# offsets still point into the text the excerpts are cut from.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"})
# NFKC writes the acute accent used as an apostrophe ("aren\u00b4t") as a space and a combining accent;
# it is put back as typed so it folds, and so the excerpt reads as written.
_NFKC_ACUTE = " \u0301"
_FLAGS = re.IGNORECASE


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), _FLAGS)


# "it's not", "that is not", "it isn't", "it wasn't"
_IS_NOT = r"(?:(?:that|it)(?:'s|\s+is|\s+was)\s+not|(?:that|it)\s+(?:isn't|wasn't))"
# A teammate or another team. "IT" only in capitals: "it broke" is about a thing, not a department.
# "your team", "you guys" are the client's people, not ours.
_TEAMS = (
    r"(?<!your\s)(?<!you\s)(?:(?-i:IT)|colleagues?|co-?workers?|teammates?|(?<!our\s)(?<!my\s)team|department"
    r"|guys|developers|devs|engineers|engineering|ops|techs?|technicians|support|warehouse|billing|admins?"
    r"|contractors?|installers?)"
)
_THIRD_PARTY = rf"(?:they|he|she|{_TEAMS})"
# What a team is said to have done wrong: "the developers caused this outage", "our warehouse lost it".
# Not "deleted" or "took down": "support deleted the duplicates" is often the fix itself.
_FAULT_VERB = r"(?:broke|caused|crashed|corrupted|misconfigured|botched|bungled|ruined|forgot|lost(?!\s+no\b))"
# A pronoun may be the client's own staff or a thing ("they crashed", "she lost a day's work"): only a
# fault done to something counts ("they broke your server").
_PRONOUN_FAULT = (
    r"(?:they|he|she)\s+(?:(?:have|has|had)\s+)?(?:broke|caused|corrupted|misconfigured|botched)"
    r"(?=\s+(?:it|this|that|the|your|our|everything)\b)"
)
_PROMISE_NEVER_AGAIN = r"(?:I\s+(?:promise|swear)\s+(?:you\s+)?)?"
_POLICY = r"polic(?:y|ies)"
_NOT_VERB = r"(?:doesn't|does\s+not|don't|do\s+not|won't|will\s+not)"

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        WarningCode.BLAME,
        _rx(
            # \s*: a zero-width space between the words is dropped by normalise, as in the stored record.
            r"\bwhose\s*fault\b",
            r"\bwho\s+(?:did|caused|broke|changed|touched|deleted)\s+(?:this|that|it)\b",
            r"\bwho\s+(?:messed|screwed|mucked|fouled)\s+(?:(?:this|that|it)\s+up|up)\b",
            r"\bwho(?:'s|\s+is|\s+was)\s+(?:to\s+blame|responsible)\b",
            r"\bwhy\s+(?:did|didn't|did\s+not|would|wouldn't)\s+you\b",
            # "it's not your fault" reassures; only the accusation counts.
            r"(?<!not\s)(?<!n't\s)\byour\s+(?:own\s+)?fault\b",
            r"\byour\s+accusation\b",
            r"\b(?:did|do|have|had)\s+you\s+(?:ever\s+)?even(?:\s+(?:read|check|try|look|bother))?\b",
            r"\b(?:didn't|haven't|don't)\s+you\s+(?:even\s+)?(?:read|check|see|look|follow|bother|know)\b",
            r"\bwhat\s+(?:did|have)\s+you\s+(?:do|done)\s+(?:to|with)\s+(?:it|this|that|them)\b",
            r"\bwhat\s+were\s+you\s+thinking\b",
        ),
    ),
    (
        WarningCode.DEFENSIVE,
        _rx(
            r"\bare\s+you\s+(?:sure|certain)\s+(?:that's|that\s+is|this\s+is|it's|it\s+is)\s+what\s+happened\b",
            r"\bare\s+you\s+(?:sure|certain)\s+you\s+(?:did|tried|followed|entered|typed|clicked|restarted|checked)\b",
            # Any other "are you sure": doubt, unless it confirms what the client asks for ("... you want").
            r"\bare\s+you\s+(?:really\s+|quite\s+|absolutely\s+)?(?:sure|certain|positive)\b"
            r"(?:\s+(?:about\s+(?:that|this|it)|(?:that|this|it)\s+(?:really\s+)?happened))?"
            r"(?!\s+you(?:'d|\s+would)?\s+(?:want|like|wish|prefer)\b)",
            r"\b(?:that|this)(?:'s|\s+is)\s+(?:not\s+possible|impossible)\b",
            # "that can't be easy" is empathy; only denial counts.
            r"\b(?:that|this)\s+(?:can't|cannot|can\s+not)\s+(?:happen|be\s+(?:right|true|possible|the\s+case))\b",
            # "That's not right, you should have heard from us" agrees with the client: only "not true" counts.
            r"\b(?:that|this)(?:'s|\s+is|\s+was)\s+(?:simply\s+|just\s+|actually\s+|absolutely\s+|totally\s+)?"
            r"(?:not\s+(?:true|what\s+happened)|untrue|false)\b",
            r"\b(?:that|this)\s+(?:simply\s+|just\s+)?(?:isn't|wasn't)\s+(?:true|what\s+happened)\b",
            r"\byou(?:'re|\s+are|\s+were)\s+(?:simply\s+|just\s+)?(?:wrong|mistaken)\b",
            r"\byou\s+(?:must\s+be\s+mistaken|misunderstood|misread)\b",
            # "you must have been worried" labels a feeling, which is good practice.
            r"\byou\s+must(?:'ve|\s+have)\b(?!\s+(?:been|felt)\b)",
            r"\b(?:has|had|have)\s+never\s+happened\s+(?:like\s+that\s+)?before\b",
            r"\bworks\s+(?:fine\s+)?for\s+everyone\s+else\b",
        ),
    ),
    (
        WarningCode.POLICY,
        _rx(
            rf"\b(?:our|company|the\s+company's|against)\s+{_POLICY}\b",
            rf"\b(?:per|by|under|according\s+to|due\s+to|because\s+of)\s+(?:(?:the|our|company|internal)\s+)?{_POLICY}\b",
            rf"\b{_POLICY}\s+(?:{_NOT_VERB}\s+(?:allow|let|permit)|says|states|requires|forbids|prohibits)\b",
            rf"\b(?:it's|it\s+is|that's|that\s+is)\s+(?:just\s+)?(?:the\s+)?{_POLICY}\b",
            rf"\b(?:the\s+)?(?:rules|procedures?|regulations)\s+{_NOT_VERB}\s+(?:allow|let|permit)\b",
            r"\bagainst\s+(?:the\s+|our\s+)?(?:rules|procedures?|regulations)\b",
            r"\bnothing\s+(?:more\s+)?(?:I|we)\s+can\s+do\b",
            r"\b(?:not|\w+n't)\s+(?:allowed|permitted)\s+to\b",
            r"\b(?:out\s+of\s+my\s+hands|my\s+hands\s+are\s+tied|rules\s+are\s+rules)\b",
            rf"\b{_IS_NOT}\s+my\s+(?:job|department|area)\b",
        ),
    ),
    (
        WarningCode.SCAPEGOAT,
        _rx(
            r"\bthe\s+other\s+(?:department|team|shift|office|guys)\b",
            rf"\b(?:(?:the|our|my)\s+)?{_THIRD_PARTY}\s+(?:really\s+|totally\s+|completely\s+)?"
            r"(?:messed|screwed|fouled|mucked|botched)(?:\s+(?:it|this|that|things))?\s+up\b",
            rf"\b(?:(?:the|our|my)\s+)?{_TEAMS}\s+(?:(?:have|has|had)\s+)?"
            rf"(?:really\s+|just\s+|accidentally\s+|completely\s+)?{_FAULT_VERB}\b",
            rf"\b{_PRONOUN_FAULT}",
            rf"\b{_THIRD_PARTY}\s+dropped\s+the\s+ball\b",
            rf"\b{_IS_NOT}\s+my\s+fault\b",
            r"\bnot\s+my\s+fault\b",
            r"\bthey\s+(?:always|never)\b",
            r"\b(?:tech|(?-i:IT)|dev|ops)\s+(?:guys|people|folks)\b",
            r"\bblame\s+(?:it\s+on\s+)?(?:the\s+)?(?:(?-i:IT)|tech|other|developers|engineers|warehouse)\b",
        ),
    ),
    (
        WarningCode.LIABILITY,
        _rx(
            r"\brefund(?:s|ed|ing)?\b",
            r"\breimburs(?:e|es|ed|ing|ement)\b",
            # "you can't get your money back" refuses; it takes nothing on.
            r"(?<!n't\sget\s)(?<!not\sget\s)(?<!n't\sgive\syou\s)(?<!not\sgive\syou\s)\b(?:your|the)\s+money\s+back\b",
            r"\bpay\s+you\s+back\b",
            # "I can't guarantee an exact time" is honest, not a new promise; nor is "we can't waive it".
            r"(?<!can't\s)(?<!cannot\s)(?<!not\s)\bguarantee(?:s|d)?\b",
            r"(?<!can't\s)(?<!cannot\s)(?<!not\s)\bwaiv(?:e|es|ed|ing)\b",
            r"\bcompensat(?:e|es|ed|ing|ion)\b",
            r"\bcredit(?:s|ed|ing)?\s+(?:(?:to|on|onto)\s+)?(?:your|the)\s+(?:account|invoice|bill)\b",
            r"\b(?:a|an)\s+(?:full\s+|partial\s+)?(?:account\s+|service\s+)?credit\b"
            r"(?!\s+(?:card|check|score|limit|rating))",
            r"\b(?:we|I)(?:'ll|\s+will|\s+shall)\s+(?:pay|cover\s+the\s+(?:cost|costs|bill))\b"
            r"(?!\s+(?:close\s+)?attention)",
            r"\bfree\s+of\s+charge\b",
            r"\bfor\s+free\b",
            r"\bat\s+no\s+(?:extra\s+|additional\s+)?(?:charge|cost)\b",
            r"\byou\s+(?:won't|will\s+not)\s+be\s+(?:charged|billed)\b",
            rf"\b{_PROMISE_NEVER_AGAIN}(?:(?:it|this|that)(?:'ll|\s+will)|will)\s+never\s+happen\s+again\b",
            rf"\b{_PROMISE_NEVER_AGAIN}(?:(?:it|this|that)\s+)?won't\s+(?:ever\s+)?happen\s+again\b",
        ),
    ),
)

# Words the rep gives back as the client's own ("You told us our engineers broke the server"): reflecting
# them is good practice, not the rep blaming or promising. The phrase must follow in the same clause with
# no "we"/"I" of the rep's own and no "and"/"but"/"so" starting a new thought.
_MIRROR = _rx(
    r"\byou(?:'ve|\s+have)?\s+(?:said|told\s+(?:us|me)|mentioned|explained|described|wrote|asked(?:\s+for)?"
    r"|feel|felt|were\s+told|were\s+promised|were\s+expecting|expected|reported|raised)\b",
    r"\byou(?:'re|\s+are)\s+(?:saying|telling\s+(?:us|me)|asking(?:\s+for)?|feeling)\b",
    r"\bin\s+your\s+(?:own\s+)?words\b",
)
_MIRROR_GAP = re.compile(r"[^.;:!?\n]{0,80}")
_OWN_VOICE = _rx(r"\b(?:we|I|and|but|so|then|because)\b")


def _mirrored(folded: str, start: int) -> bool:
    """Whether the phrase at `start` repeats the client's words (_MIRROR ends shortly before it)."""
    window = folded[max(0, start - 120) : start]
    return any(
        _MIRROR_GAP.fullmatch(window[m.end() :]) and not _OWN_VOICE.search(window[m.end() :])
        for m in _MIRROR.finditer(window)
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

# A time that looks back ("3 hours ago", "since 09:00", "has been down for 5 hours", "went down at 9am")
# says how long the client has waited, not when they can plan on the outcome: it is no estimate.
_WORD = r"[^\s,.;:!?\u2013\u2014]+"  # a word of the same clause
_ABOUT = r"(?:over\s+|about\s+|around\s+|nearly\s+|almost\s+|more\s+than\s+|at\s+least\s+|the\s+(?:past|last)\s+)?"
_LOOKS_BACK_BEFORE = _rx(
    rf"\bsince\s+(?:{_WORD}\s+)?$",  # "since 09:00", "since early this morning"
    r"\b(?:past|last|previous|earlier)\s+$",  # "in the past 2 hours", "last Monday", "earlier today"
    r"\b(?:started|began|begun|went\s+(?:down|offline|out)|happened|occurred|noticed|failed|crashed|stopped"
    rf"|broke)\s+(?:{_WORD}\s+){{0,2}}(?:at|around|about|on)\s+(?:about\s+|around\s+)?$",
)
# Only for a duration: "the fix has been scheduled for 14:00" still gives a time.
# "has been delayed for 2 hours" looks ahead.
_LOOKS_BACK_DURATION = _rx(
    r"(?:\b(?:has|have|had)|'s|'ve)\s+been\s+"
    r"(?!(?:delayed|postponed|pushed|moved|rescheduled|scheduled|planned|booked|extended|estimated|set)\b)"
    rf"(?:(?:{_WORD}\s+){{0,4}}for\s+)?{_ABOUT}$"
)
_LOOKS_BACK_AFTER = _rx(r"^\s+(?:or\s+so\s+)?ago\b")
_DURATION = _rx(rf"{_UNIT}|\b(?:hour|day|week)\b|\d\s*{_SHORT_UNIT}\b")


def _gives_a_time(folded: str) -> bool:
    """Whether any time or range in the text looks ahead (_TIME, without the ones that look back)."""
    for m in _TIME.finditer(folded):
        before, after = folded[max(0, m.start() - 80) : m.start()], folded[m.end() : m.end() + 20]
        looks_back = (
            _LOOKS_BACK_BEFORE.search(before)
            or _LOOKS_BACK_AFTER.search(after)
            or (_DURATION.search(m.group()) and _LOOKS_BACK_DURATION.search(before))
        )
        if not looks_back:
            return True
    return False


# An update that reports the outcome itself ("email is back up") needs no estimate. A done-word
# after "once", "when", "be", ... is still a future event, and one just after a negation ("not fixed
# yet", "nothing is resolved", "it isn't back up") is no outcome at all, so neither counts.
_DONE = _rx(r"\b(?:fixed|resolved|restored|back\s+(?:up|online|to\s+normal)|working\s+again|up\s+and\s+running)\b")
_FUTURE_BEFORE_DONE = _rx(
    r"\b(?:once|when|until|till|after|before|if|soon\s+as|get|gets|getting|be|being|to)\s+(?:\S+\s+){0,3}$"
)
_NEGATED_BEFORE_DONE = _rx(
    rf"(?:\b(?:not|no|never|nothing|none|nobody|neither|nor|yet|still|without|cannot|hardly)\b|n't)"
    rf"\s+(?:{_WORD}\s+){{0,2}}$"
)


def _reports_outcome(folded: str) -> bool:
    for m in _DONE.finditer(folded):
        before = folded[max(0, m.start() - 40) : m.start()]
        if not _FUTURE_BEFORE_DONE.search(before) and not _NEGATED_BEFORE_DONE.search(before):
            return True
    return False


_CONTEXT_VALUES = frozenset(c.value for c in CoachContext)
# A bounded list: a long text full of trigger words must not bury the field under warnings.
MAX_WARNINGS = 8
MAX_EXCERPT = 60


def _short(excerpt: str) -> str:
    return excerpt if len(excerpt) <= MAX_EXCERPT else excerpt[: MAX_EXCERPT - 1].rstrip() + "\u2026"


def check_text(text: str, *, context: str) -> list[CoachWarning]:
    """Warnings for `text` written in `context` (a CoachContext value), in the order they occur.

    The text is read normalised, as the services store it, so the live coach and the saved record agree;
    excerpts are cut from that text. Each phrase is reported once per code (case and spacing ignored), each
    excerpt is at most MAX_EXCERPT characters, and at most MAX_WARNINGS are returned (the missing-time
    warning, which is about the whole text, is kept). Words that mirror the client's own (_MIRROR) are not
    the rep's and do not warn. Raises ValueError for an unknown context.
    """
    if str(context) not in _CONTEXT_VALUES:
        raise ValueError(f"Unknown coach context {context!r}; expected one of {sorted(_CONTEXT_VALUES)}")
    text = normalise(text).replace(_NFKC_ACUTE, "\u00b4")
    if not text:
        return []
    folded = text.translate(_APOSTROPHES)

    found: list[tuple[int, CoachWarning]] = []
    seen: set[tuple[str, str]] = set()
    for code, pattern in _RULES:
        for match in pattern.finditer(folded):
            excerpt = _short(" ".join(text[match.start() : match.end()].split()))
            key = (code, excerpt.lower())
            if key in seen or _mirrored(folded, match.start()):
                continue
            seen.add(key)
            found.append((match.start(), CoachWarning(code=code.value, message=MESSAGES[code], excerpt=excerpt)))
    found.sort(key=lambda pair: pair[0])
    warnings = [w for _, w in found]

    if context == CoachContext.STATUS_UPDATE and not _gives_a_time(folded) and not _reports_outcome(folded):
        no_time = WarningCode.NO_TIME
        return warnings[: MAX_WARNINGS - 1] + [CoachWarning(code=no_time.value, message=MESSAGES[no_time], excerpt="")]
    return warnings[:MAX_WARNINGS]


def check_text_as_dicts(text: str, *, context: str) -> list[dict[str, str]]:
    """`check_text`, ready to store in a JSONField."""
    return [w.to_dict() for w in check_text(text, context=context)]
