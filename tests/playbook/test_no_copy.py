"""The product restates the source articles, never pastes them: no run of 8 words of product text (the
playbook and its coach, every template: pages, help and emails; the demo's stories; the README) may
appear verbatim in an article (case, whitespace, punctuation and apostrophe style ignored).

The articles are not in the repository: the check runs against playbook/seed_fingerprint.txt, salted
hashes of their 8-word runs (playbook/fingerprint.py). Where the articles are at hand (../shared/seeds,
./seeds or $PLAYBOOK_SEEDS_DIR), the fingerprint must be the one they give."""
import dataclasses
import re
from pathlib import Path

from django.core.management import call_command

from playbook.coach import MESSAGES
from playbook.content import all_guidance, deescalation_script
from playbook.fingerprint import FINGERPRINT_PATH, HASH_CHARS, Fingerprint, article_texts, fingerprint_of, render
from playbook.management.commands.playbook_fingerprint import find_seeds

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
DEMO_TEXTS = REPO / "cases" / "management" / "commands" / "_demo" / "texts.py"


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


def _product_texts():
    yield from _strings(all_guidance())
    yield from _strings(deescalation_script())
    yield from MESSAGES.values()
    for path in sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt")):
        yield _template_text(path)
    yield DEMO_TEXTS.read_text()
    yield (REPO / "README.md").read_text()


def test_the_committed_fingerprint_is_intact_and_stores_no_words():
    fingerprint = Fingerprint.load()

    assert fingerprint.intact, "seed_fingerprint.txt was edited or truncated: run manage.py playbook_fingerprint"
    assert len(fingerprint.hashes) > 1000
    assert all(re.fullmatch(f"[0-9a-f]{{{HASH_CHARS}}}", h) for h in fingerprint.hashes)


def test_no_eight_word_run_of_product_text_is_copied_from_an_article():
    copied = Fingerprint.load().copied_runs(_product_texts())

    assert copied == []


def test_the_check_catches_a_pasted_article_sentence():
    pasted = "Remember: A promise without a deadline isn't really a promise, but rather is just a dream."

    copied = Fingerprint.load().copied_runs([pasted])

    assert "a promise but rather is just a dream" in copied


def test_the_check_lets_a_restatement_through():
    restated = "A promise needs a date and time; without one it is only a wish, and clients can tell."

    assert Fingerprint.load().copied_runs([restated]) == []


def test_the_fingerprint_is_the_one_the_articles_give_where_they_are_at_hand():
    """On a checkout with the articles beside it, the committed file equals a fresh one; without them the
    file must at least be consistent with itself (checked above), and the command says it cannot check."""
    seeds = find_seeds()
    if seeds is not None:
        assert FINGERPRINT_PATH.read_text(encoding="ascii") == render(fingerprint_of(article_texts(seeds))), (
            "the articles changed: run manage.py playbook_fingerprint and commit seed_fingerprint.txt")
    else:
        assert Fingerprint.load().intact


def test_the_command_rewrites_the_fingerprint_from_a_folder_of_articles(tmp_path, monkeypatch):
    articles = tmp_path / "seeds"
    articles.mkdir()
    (articles / "000_a.txt").write_text("one two three four five six seven eight nine ten")
    target = tmp_path / "fingerprint.txt"
    monkeypatch.setattr("playbook.management.commands.playbook_fingerprint.FINGERPRINT_PATH", target)

    call_command("playbook_fingerprint", seeds=str(articles))

    written = Fingerprint(target.read_text())
    assert written.intact and len(written.hashes) == 3
    assert written.copied_runs(["so: two three four five six seven eight nine!"]) == [
        "two three four five six seven eight nine"]
