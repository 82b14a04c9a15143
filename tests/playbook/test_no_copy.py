"""The playbook must restate the source articles, never paste them: no run of 8 words from any
playbook or coach text may appear verbatim in a seed file (case, whitespace, punctuation and
apostrophe style ignored)."""
import dataclasses
import os
import re
from pathlib import Path


from playbook.coach import MESSAGES
from playbook.content import all_guidance, deescalation_script

WINDOW = 8
REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates" / "playbook"


def _seeds_dir():
    candidates = [os.environ.get("PLAYBOOK_SEEDS_DIR", ""), REPO / "seeds", REPO.parent / "shared" / "seeds"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir() and any(Path(candidate).glob("0*.txt")):
            return Path(candidate)
    return None


SEEDS = _seeds_dir()


def needs_seeds(test):
    """The seeds sit beside the repo (../shared/seeds) in every checkout and in CI; a missing folder
    is a failure, not a skip, so the no-copy rule is never silently unchecked."""
    return test


def test_the_seed_articles_are_found():
    assert SEEDS is not None, "seed articles not found: expected ../shared/seeds or PLAYBOOK_SEEDS_DIR"


def _words(text):
    text = text.lower().translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": " ", "\u2014": " "}))
    return re.findall(r"[a-z0-9']+", text)


def _windows(words):
    return {" ".join(words[i : i + WINDOW]) for i in range(len(words) - WINDOW + 1)}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _strings(item)


def _template_text(path):
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", " ", path.read_text(), flags=re.S)
    return re.sub(r"{[%{#].*?[%}#]}|<[^>]+>", " ", text, flags=re.S)


def _project_texts():
    yield from _strings(all_guidance())
    yield from _strings(deescalation_script())
    yield from MESSAGES.values()
    for path in sorted(TEMPLATES.glob("*.html")):
        yield _template_text(path)


def _copied_windows(texts, seeds_dir):
    seed_windows = set()
    for seed in seeds_dir.glob("*.txt"):
        seed_windows |= _windows(_words(seed.read_text(encoding="utf-8")))
    return sorted(w for text in texts for w in _windows(_words(text)) if w in seed_windows)


@needs_seeds
def test_no_eight_word_run_of_playbook_text_is_copied_from_a_seed():
    copied = _copied_windows(_project_texts(), SEEDS)

    assert copied == []


@needs_seeds
def test_the_copy_check_catches_a_pasted_seed_sentence():
    pasted = "Remember: A promise without a deadline isn't really a promise, but rather is just a dream."

    copied = _copied_windows([pasted], SEEDS)

    assert copied
