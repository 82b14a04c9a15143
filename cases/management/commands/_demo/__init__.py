"""The demo's past for `seed_demo --history DAYS` (a package the command finder skips): history.py places
and inserts the cases, story.py and ledger.py simulate each one, texts.py holds what the people say."""
from .history import MARK, demo_email, history_exists, marked, seed_history, team_usernames

__all__ = ["MARK", "demo_email", "history_exists", "marked", "seed_history", "team_usernames"]
