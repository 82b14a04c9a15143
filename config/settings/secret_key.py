"""The production secret key: read from DJANGO_SECRET_KEY, or from the file DJANGO_SECRET_KEY_FILE
names (docker-compose.yml generates one into a volume on first start: scripts/ensure_secret_key.py),
and refused unless it looks like a generated key. Everything signed (sessions, CSRF tokens, the
clients' status links) is only as safe as this value, and a published one lets anyone sign a status
link for any case."""
import math
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 50
MIN_DISTINCT = 12  # a 64-digit hex key has 16; "x" * 50 or a repeated word has a handful
MIN_BITS = 200  # length × log2(distinct characters): a rough entropy estimate
# Development, benchmark and build defaults of this project, and a previously published compose
# default: never acceptable, whole or as part of a longer key; nor a placeholder word.
KNOWN_WEAK_PARTS = (
    "dev-only-insecure-key-change-me", "compose-dev-secret-change-me", "bench-only-secret-key",
    "build-only", "change-me", "changeme", "insecure", "example", "secret-key", "secretkey",
)
HOW = "Generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key_problem(key):
    """Why `key` is not a strong secret key, or None."""
    if not key:
        return "DJANGO_SECRET_KEY is not set (nor a DJANGO_SECRET_KEY_FILE to read it from)"
    if len(key) < MIN_LENGTH:
        return f"DJANGO_SECRET_KEY is {len(key)} characters long; it must have at least {MIN_LENGTH}"
    lowered = key.lower()
    if lowered.startswith("django-insecure") or any(part in lowered for part in KNOWN_WEAK_PARTS):
        return "DJANGO_SECRET_KEY is a published, development or placeholder value"
    distinct = len(set(key))
    if distinct < MIN_DISTINCT or len(key) * math.log2(distinct) < MIN_BITS:
        return "DJANGO_SECRET_KEY is too regular to be a random key (too few different characters)"
    return None


def read_secret_key(env_value, file_path):
    """The key from the environment, else from the key file; raises ImproperlyConfigured if weak."""
    key = (env_value or "").strip()
    if not key and file_path:
        try:
            key = Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"DJANGO_SECRET_KEY_FILE {file_path} cannot be read: {exc}") from exc
    problem = secret_key_problem(key)
    if problem:
        raise ImproperlyConfigured(f"{problem}. {HOW}")
    return key
