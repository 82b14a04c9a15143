#!/usr/bin/env python3
"""Write a new random Django secret key to PATH unless PATH already holds one (docker-compose.yml runs
this once per start, before web, worker and beat; the key lives in a volume, so it survives restarts
and rebuilds, and `docker compose down -v` replaces it). The file is created readable by its owner
only, and never overwritten."""
import os
import secrets
import sys
from pathlib import Path


def ensure(path):
    path = Path(path)
    if path.exists() and path.read_text().strip():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50) + "\n")
    return True


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: ensure_secret_key.py PATH")
    made = ensure(sys.argv[1])
    print(f"secret key {'generated in' if made else 'kept from'} {sys.argv[1]}")
