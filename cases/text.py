"""Free text as the services accept it: normalised (Unicode NFKC, invisible and zero-width characters
removed, runs of spaces collapsed, at most one blank line between paragraphs), within its length limit,
and for the recipe's gate records, with substance (at least MIN_WORDS different words, two of them longer
than a letter: "ok", "x", ".", "ok ok ok", "x.x.x", "x y z", "11 22 33", "<b>ok</b> <i>ok</i> <u>ok</u>",
look-alike letters of other scripts or accents, fillers such as "um uh ok" and a lone zero-width space are
refused), and in the writer's own words where it must not merely repeat another record (is_copy; an answer
must not be the question again, is_question_again). Limits come from the model fields, so the form, the
service and the model agree."""
import functools
import re
import unicodedata

from playbook.normal import normalise  # the one normaliser: every record is stored through it

from .errors import CaseRuleError

# A typed phone number: digits, spaces and ( ) + - . / only (search and the intake's picker read it).
PHONE_QUERY = re.compile(r"^[\d\s()+\-./]+$")


_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")


def clipped(text, limit):
    """`text` whole when it fits in `limit` characters, else cut to fit with an ellipsis: the one way the
    services and models shorten a text they quote (notes, refusals, the gate's lists)."""
    return text if len(text) <= limit else text[:max(limit - 1, 0)] + "…"


def whole_number(value):
    """The int an id, a count or a length sent by a browser (or a key we wrote) spells: ASCII digits only, at
    most 18 (it fits a bigint); None for anything else. str.isdigit() is no test for this: "²" and "٣" are
    digits to it that int() refuses or reads (found by an audit: a forged `shown=²` answered 500)."""
    value = str(value)
    return int(value) if _WHOLE_NUMBER.fullmatch(value) else None


def digits(value):
    """The digits of a phone number as typed or stored: '+44 (20) 7946-0958' -> '442079460958'."""
    return "".join(ch for ch in str(value or "") if ch.isdigit())


MIN_WORDS = 3
NAME = 200  # names
LINE = 300  # one-liners: summaries, short notes
SHORT_NOTE = 1000  # reasons, item descriptions, questions
NOTE = 4000  # what was said, answers, notes

_WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: "_ _ _" is no words


# Markup and character references are not words: "<b>ok</b>" is "ok", "&nbsp;" nothing.
_MARKUP = re.compile(r"<[^<>]{0,200}>|&#?\w{1,12};")


@functools.cache
def _look_alikes():
    """Each letter that Unicode lists as confusable with another (Latin "o", Cyrillic "о", Greek "ο"),
    mapped to the lowest of its group, so look-alikes spell one word (confusable_homoglyphs' table, the
    one django-registration checks user names with). Its table (~70 ms to load) is read on the first record
    checked, not when every process starts."""
    from confusable_homoglyphs.confusables import confusables_data

    parent = {}

    def root(ch):
        while parent.get(ch, ch) != ch:
            ch = parent[ch]
        return ch

    for ch, glyphs in confusables_data.items():
        for glyph in glyphs:
            other = glyph["c"]
            if len(ch) == len(other) == 1 and ch.isalpha() and other.isalpha():
                a, b = root(ch), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)

    def final(ch):  # a group's lowest may be a capital ("W" for Lisu "ꓪ"): words are compared casefolded
        low = root(ch).casefold()
        return root(low) if len(low) == 1 else low

    return {ch: final(ch) for ch in parent}


# Scripts written without spaces between words (Chinese, Japanese kana): each character is a word of its
# own, so a sentence in them is not one long "word" (found by a review: every such sentence was refused).
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Alphabets written without spaces between words (Thai, Lao, Myanmar, Khmer; found by a review: a sentence in
# them was one word). Their letters stand for sounds, not syllables, so a word is each pair of neighbouring
# letters, about the syllable a kana is; vowel signs and tone marks are marks, not letters, and are dropped. A
# letter alone would be too small a word: a long concern in Thai holds most of the alphabet, so every note
# beside it would be "a copy" (is_copy), and a word of three letters would be three words.
_UNSPACED_LETTERS = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")
# Words that say nothing on their own: sounds, "ok", placeholders. They never count as a record's words,
# nor as the writer's own words beside what they repeat ("um" every third word of a pasted concern).
FILLERS = frozenset({"um", "umm", "uh", "uhm", "er", "erm", "hmm", "hm", "ah", "oh", "eh", "ok", "okay", "mm", "mhm",
                     "yeah", "yep", "so", "na", "tbd", "tbc", "tba", "nil", "etc", "blah", "asdf"})


def _cores(text):
    """The words of `text` in order: runs of text between spaces (markup dropped), each told by its
    letters alone, whatever their case, accents or script of look-alike letters ("x.x.x" is "xxx", "x1" is
    "x", "ок" and "ók" are "ok"); a run without a letter ("11", "1.5") is no word; a character of a script
    written without spaces (_UNSPACED) is a word, and so is each pair of neighbouring letters (a lone one
    between spaces) of an alphabet written without them (_UNSPACED_LETTERS)."""
    alike = _look_alikes()
    cores = []
    for token in _MARKUP.sub(" ", text or "").split():
        run, letters = [], []  # letters: a run of _UNSPACED_LETTERS, paired when it ends
        for ch in unicodedata.normalize("NFD", token.casefold()):  # accents apart, then dropped (not letters)
            # A modifier letter ("ʻ", "ꓸ", "ー", the tatweel) shapes or marks a word; alone it draws punctuation
            # (found by an audit: "ʻʻ ʼʼ ʽʽ" was three words).
            if not ch.isalpha() or unicodedata.category(ch) == "Lm":
                continue
            if _UNSPACED_LETTERS.match(ch):
                cores.append("".join(run))
                run = []
                letters.append(alike.get(ch, ch))
                continue
            cores.extend(_pairs(letters))
            letters = []
            if _UNSPACED.match(ch):
                cores.extend(["".join(run), ch])
                run = []
            else:
                run.append(alike.get(ch, ch))
        cores.extend([*_pairs(letters), "".join(run)])
    # A word that is one shorter run repeated is that run: "xx yy zz" says what "x y z" says, and "down-down-down"
    # what "down" says (found by audits: the letter first, then whole words joined by punctuation).
    return [_REPEATED.sub(r"\1", core) for core in cores if core]


_REPEATED = re.compile(r"^(.+?)\1+$", re.DOTALL)


def _pairs(letters):
    """The words of a run of letters of an alphabet written without spaces: each pair of neighbours."""
    return ["".join(letters[i:i + 2]) for i in range(max(len(letters) - 1, 1 if letters else 0))]


def _words(text):
    """The different words of `text` (_cores) that say something: "ok ok ok" is one, "um uh ok" none."""
    return set(_cores(text)) - FILLERS


def _says_something(words, min_words=MIN_WORDS):
    """Whether these different words make a record: `min_words` of them, two longer than a letter ("x y z"
    says nothing; a character of an unspaced script is a word, not a letter)."""
    return (len(words) >= min_words
            and sum(len(w) > 1 or bool(_UNSPACED.match(w)) for w in words) >= min(2, min_words))


def word_count(text):
    """How many different words `text` holds (_words)."""
    return len(_words(text))


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
    if not _says_something(_words(text), min_words):
        raise CaseRuleError(f"{message} Write at least {min_words} words: a record the next person can act on.",
                            field=field)
    return text


REASON_WORDS = 2  # a reason the timeline audits ("Client withdrew", "Down again"), where a record needs MIN_WORDS


TYPO_EDITS = 2  # at most this many letters added, removed or changed is a correction, not a new wording


def _edits_within(a, b, limit):
    """Whether `a` becomes `b` in at most `limit` single-character edits (Levenshtein, computed only in
    the band of width `limit` around the diagonal, so a long text costs little)."""
    if abs(len(a) - len(b)) > limit:
        return False
    far = limit + 1
    row = {j: j for j in range(min(len(b), limit) + 1)}
    for i in range(1, len(a) + 1):
        lo, hi = max(0, i - limit), min(len(b), i + limit)
        new = {}
        for j in range(lo, hi + 1):
            if j == 0:
                new[j] = i
                continue
            new[j] = min(row.get(j, far) + 1, new.get(j - 1, far) + 1,
                         row.get(j - 1, far) + (a[i - 1] != b[j - 1]))
        if min(new.values()) > limit:
            return False
        row = new
    return row.get(len(b), far) <= limit


# Words that turn a sentence around: "We can refund" -> "We can't refund" is two letters, not a typo.
_NEGATION = re.compile(r"n['’]t\b|\b(?:not|no|never|none|nothing|nobody|without|cannot|cant|wont|dont|didnt|"
                       r"doesnt|isnt|arent|wasnt|werent|shouldnt|wouldnt|couldnt|havent|hasnt)\b")


def same_wording(old, new):
    """Whether `new` says what `old` said: the same words but for case, punctuation and spacing, or a
    typo fixed (at most TYPO_EDITS letters, no number and no negation changed). "Refund 50" -> "Refund
    500" is not, nor "can" -> "can't"."""
    old, new = normalise(old), normalise(new)
    if _WORD.findall(old.casefold()) == _WORD.findall(new.casefold()):
        return True
    if re.findall(r"\d+", old) != re.findall(r"\d+", new):
        return False
    if _NEGATION.findall(old.casefold()) != _NEGATION.findall(new.casefold()):
        return False
    return _edits_within(old.casefold(), new.casefold(), TYPO_EDITS)


def is_copy(text, sources):
    """Whether `text` only repeats `sources` (the client's concern, the acknowledgement): one of them as it
    is or with a typo fixed (same_wording), or what it says beyond their words would not pass as a record.
    Beyond them is every word no source has (in any order: a paste with a filler every third word, reversed
    or with words dropped, found by a review, adds nothing of its own), a filler (FILLERS) and a word retyped
    with a typo beside a copied one counting as theirs: "Ok. " before the pasted concern, the concern twice,
    in markup or in look-alike letters, is a copy; "I told Dennis his shop has been cut off since the
    upgrade" beside a concern that says "since the upgrade" is not."""
    sources = [source for source in sources if source]
    if any(same_wording(source, text) for source in sources):
        return True
    words, own = _own_words(text, sources)
    return not _says_something({word for word, mine in zip(words, own) if mine})


def is_question_again(answer, question):
    """Whether `answer` only asks `question` again instead of answering it. An answer may reuse the
    question's words, since it picks among them ("It fails for every employee, not only some" answers "Does
    the export fail for every employee or only some?"; "Yes, the invoice should go to accounts" answers
    "Should the invoice go to accounts?"), so it is the question again only when it is the question as it is
    or with a typo fixed (same_wording), when it has no word of its own (every word the question's, retyped
    with a typo or a filler, as is_copy counts them: the question pasted with "um" between its words,
    reversed or cut short), or when it holds the whole question in the question's order with fewer words of
    its own than a record needs ("Yes ok. " before the question pasted). Found by a review: the rule for
    notes (is_copy) refused an answer that picked one side of an either/or question."""
    if same_wording(question, answer):
        return True
    words, own = _own_words(answer, [question])
    mine = {word for word, is_own in zip(words, own) if is_own}
    if not mine:
        return True
    return not _says_something(mine) and _holds_in_order(words, [w for w in _cores(normalise(question))
                                                                 if w not in FILLERS])


def _own_words(text, sources):
    """The words of `text` (_cores, in order) and, for each, whether it is the writer's own: a word no source
    has, not a filler, nor a source's word retyped with a typo beside a copied one (_widen_over_typos)."""
    said = set()
    for source in sources:
        said.update(_cores(normalise(source)))
    words = _cores(normalise(text))
    covered = [word in said or word in FILLERS for word in words]
    if said and any(covered):
        _widen_over_typos(words, covered, said)
    return words, [not copied for copied in covered]


def _holds_in_order(words, wanted):
    """Whether `wanted` appear in `words` in their order, other words between them or not, each as it is or
    retyped with a typo (_retyped_as), or one letter off in a word of three letters or more ("evry"): in a
    whole question held in order, a letter off is a slip, not a word of the writer's."""
    at = 0
    for word in words:
        if at < len(wanted) and (_retyped_as(word, wanted[at]) or (
                min(len(word), len(wanted[at])) >= 3 and _edits_within(word, wanted[at], 1))):
            at += 1
    return bool(wanted) and at == len(wanted)


def _retyped_as(word, other):
    """Whether `word` is `other`, or `other` retyped with a typo: in a word of five letters or more, one
    letter added, removed or changed; in one of eight or more, two, its length changed by one at most. A short
    word one letter from another ("most", "host") and another form of a word ("started", "start") are not."""
    if word == other:
        return True
    edits = 0 if len(word) < 5 else 1 if len(word) < 8 else TYPO_EDITS
    return abs(len(word) - len(other)) <= min(edits, 1) and _edits_within(word, other, edits)


def _widen_over_typos(words, covered, said):
    """Mark as copied each word beside a copied one that is a word of the sources, as it is or retyped with a
    typo (_retyped_as: "overnigth" in a pasted concern that says "overnight"). One sweep each way, each word
    compared once, and only with the source's words of about its length: a long note costs little."""
    by_length = {}
    for other in said:
        by_length.setdefault(len(other), []).append(other)

    def retyped(word):
        return word in said or any(_retyped_as(word, other) for n in range(len(word) - 1, len(word) + 2)
                                   for other in by_length.get(n, ()))

    seen = {}
    for order in (range(1, len(words)), range(len(words) - 2, -1, -1)):
        for i in order:
            neighbour = i - 1 if order.step == 1 else i + 1
            if covered[neighbour] and not covered[i]:
                if words[i] not in seen:
                    seen[words[i]] = retyped(words[i])
                covered[i] = seen[words[i]]


def mailbox_of(address):
    """The mailbox an address delivers to, for comparing: lowercase, without quotes around the local part,
    the backslash escapes inside them (RFC 5321: '"r\\ep"' is the mailbox rep; found by a review) or a +tag
    ('"Rep+client"@Example.com' is rep@example.com); "" when it is not an address."""
    local, at, domain = (address or "").strip().rpartition("@")
    local = local.strip()
    if len(local) >= 2 and local[0] == local[-1] == '"':
        local = re.sub(r"\\(.)", r"\1", local[1:-1], flags=re.DOTALL)
    local, domain = local.split("+", 1)[0], domain.strip().rstrip(".")
    return f"{local}@{domain}".lower() if at and local and domain else ""
