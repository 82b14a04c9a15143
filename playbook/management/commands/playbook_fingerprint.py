"""Rewrite playbook/seed_fingerprint.txt from the source articles (see playbook/fingerprint.py), or with
--check say whether the committed one is current. The articles are looked for in --seeds, then
$PLAYBOOK_SEEDS_DIR, then ./seeds and ../shared/seeds beside the repository."""
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from playbook.fingerprint import FINGERPRINT_PATH, article_texts, fingerprint_of, render


def find_seeds(explicit=""):
    base = Path(settings.BASE_DIR)
    candidates = (explicit, os.environ.get("PLAYBOOK_SEEDS_DIR", ""), base / "seeds", base.parent / "shared" / "seeds")
    for candidate in candidates:
        if candidate and Path(candidate).is_dir() and any(Path(candidate).glob("*.txt")):
            return Path(candidate)
    return None


class Command(BaseCommand):
    help = "Rewrite the playbook's seed fingerprint from the source articles (--check: only compare)."
    requires_system_checks = []  # reads files only

    def add_arguments(self, parser):
        parser.add_argument("--seeds", default="", help="folder holding the articles (*.txt)")
        parser.add_argument("--check", action="store_true", help="exit 1 if the committed fingerprint is stale")

    def handle(self, *args, seeds="", check=False, **options):
        folder = find_seeds(seeds)
        if folder is None:
            raise CommandError("The source articles were not found: pass --seeds DIR or set PLAYBOOK_SEEDS_DIR.")
        content = render(fingerprint_of(article_texts(folder)))
        current = FINGERPRINT_PATH.read_text(encoding="ascii") if FINGERPRINT_PATH.exists() else ""
        if check:
            if content != current:
                raise CommandError(f"{FINGERPRINT_PATH.name} is stale: run `manage.py playbook_fingerprint`.")
            self.stdout.write(f"{FINGERPRINT_PATH.name} is current ({folder}).")
            return
        FINGERPRINT_PATH.write_text(content, encoding="ascii")
        self.stdout.write(f"Wrote {FINGERPRINT_PATH} from {folder}: {len(content.splitlines()) - 2} runs.")
