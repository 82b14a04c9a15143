"""The originality check's reference: a fingerprint of the source articles, committed with the code so
the check runs anywhere (a fresh clone, CI) without the articles themselves.

The product restates the articles and never pastes them: no run of WINDOW consecutive words of product
text (playbook, coach, templates, emails) may equal a run of the articles. The fingerprint holds one
salted hash per distinct WINDOW-word run of the articles, after normalising (lower case, words only,
apostrophes and dashes unified), so it stores no sentence and cannot be read back into one.

`manage.py playbook_fingerprint` rewrites it from the articles (`--check` says whether it is current);
tests/playbook/test_no_copy.py checks the product texts against it."""
import hashlib
import re
from pathlib import Path

WINDOW = 8
FINGERPRINT_PATH = Path(__file__).resolve().parent / "seed_fingerprint.txt"
# Hashes are truncated to 64 bits: with ~10^4 runs on each side, a false match is ~10^-11 likely.
HASH_CHARS = 16
# A fixed prefix: the hashes are useless as a lookup table for any other text collection.
SALT = b"complaint-tracker/playbook/originality/v1\x00"
HEADER = "# playbook seed fingerprint v1"

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": " ", "\u2014": " "})


def words(text):
    """The text as comparable words: case, punctuation, whitespace and apostrophe style ignored."""
    return re.findall(r"[a-z0-9']+", text.lower().translate(_QUOTES))


def runs(text, size=WINDOW):
    """Every run of `size` consecutive words of the text, as one space-joined string."""
    w = words(text)
    return {" ".join(w[i : i + size]) for i in range(len(w) - size + 1)}


def run_hash(run):
    return hashlib.sha256(SALT + run.encode("utf-8")).hexdigest()[:HASH_CHARS]


def fingerprint_of(texts):
    """The sorted hashes of every WINDOW-word run of the texts."""
    return sorted({run_hash(r) for text in texts for r in runs(text)})


def article_texts(seeds_dir):
    """The articles' text, in file-name order (the folder's README is a description, not an article)."""
    return [p.read_text(encoding="utf-8") for p in sorted(Path(seeds_dir).glob("*.txt"))]


def render(hashes):
    """The file's content: a header, a digest of the hashes (so a truncated or hand-edited file is
    noticed), then one hash a line."""
    return "\n".join([HEADER, f"# window={WINDOW} runs={len(hashes)} digest={digest(hashes)}", *hashes]) + "\n"


def digest(hashes):
    return hashlib.sha256("\n".join(hashes).encode("ascii")).hexdigest()[:HASH_CHARS]


class Fingerprint:
    """The committed fingerprint, parsed."""

    def __init__(self, text):
        lines = text.splitlines()
        self.header = lines[:2]
        meta = dict(part.split("=", 1) for part in lines[1].lstrip("# ").split()) if len(lines) > 1 else {}
        self.window = int(meta.get("window", 0))
        self.declared_runs = int(meta.get("runs", -1))
        self.declared_digest = meta.get("digest", "")
        self.hashes = lines[2:]

    @classmethod
    def load(cls, path=FINGERPRINT_PATH):
        return cls(Path(path).read_text(encoding="ascii"))

    @property
    def intact(self):
        """The header matches the body: nothing truncated, added or edited by hand."""
        return (self.header[:1] == [HEADER] and self.window == WINDOW and self.declared_runs == len(self.hashes)
                and self.declared_digest == digest(self.hashes) and self.hashes == sorted(set(self.hashes)))

    def copied_runs(self, texts):
        """The WINDOW-word runs of `texts` that also occur in the articles, sorted."""
        known = set(self.hashes)
        return sorted({r for text in texts for r in runs(text) if run_hash(r) in known})
