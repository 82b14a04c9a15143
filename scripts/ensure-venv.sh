#!/usr/bin/env bash
# Creates .venv (if missing) and installs a requirements file into it. Idempotent and fast: a stamp
# holding the hash of the requirements files makes a second run a no-op.
# Usage: scripts/ensure-venv.sh [requirements-dev.txt|requirements.txt]
# Prefers uv (installed into the venv with pip when it is not on PATH); falls back to plain pip.
set -euo pipefail
cd "$(dirname "$0")/.."

REQ=${1:-requirements-dev.txt}
VENV=${VENV:-.venv}
PY="$VENV/bin/python"
STAMP="$VENV/.installed-$(basename "$REQ" .txt)"

log() { echo "[venv] $*" >&2; }

find_python() {
    local cand
    for cand in ${PYTHON:-} python3.13 python3.12 python3.11 python3; do
        if command -v "$cand" >/dev/null 2>&1 &&
            "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$cand"
            return 0
        fi
    done
    return 1
}

# Hash of the file and of every file it pulls in with -r (requirements-dev.txt includes requirements.txt).
req_hash() {
    local files=("$REQ") inc
    while read -r inc; do files+=("$inc"); done < <(sed -n 's/^-r[[:space:]]*//p' "$REQ")
    cat "${files[@]}" | sha256sum | cut -d' ' -f1
}

want=$(req_hash)
if [ -x "$PY" ] && "$PY" -c 'import sys' 2>/dev/null && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

if [ ! -x "$PY" ] || ! "$PY" -c 'import sys' 2>/dev/null; then
    base_py=$(find_python) || { log "Python 3.11+ not found (set PYTHON=/path/to/python3.11)"; exit 1; }
    rm -rf "$VENV"
    if command -v uv >/dev/null 2>&1; then
        log "creating $VENV with uv ($base_py)"
        uv venv -q "$VENV" -p "$base_py"
    else
        log "creating $VENV with $base_py -m venv"
        if ! "$base_py" -m venv "$VENV"; then
            # Debian's python3 ships venv/ensurepip separately.
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
                export DEBIAN_FRONTEND=noninteractive
                apt-get -o DPkg::Lock::Timeout=900 update -q
                apt-get -o DPkg::Lock::Timeout=900 install -y -q python3-venv
                rm -rf "$VENV"
                "$base_py" -m venv "$VENV"
            else
                log "python -m venv failed: install python3-venv"; exit 1
            fi
        fi
    fi
fi

log "installing $REQ into $VENV"
if command -v uv >/dev/null 2>&1; then
    uv pip install -q -p "$PY" -r "$REQ"
else
    # uv is ~10x faster than pip; get it into the venv itself so nothing outside the project changes.
    if ! "$PY" -m uv --version >/dev/null 2>&1; then
        "$PY" -m ensurepip -q >/dev/null 2>&1 || true
        "$PY" -m pip install -q uv || log "could not install uv; falling back to pip"
    fi
    if "$PY" -m uv --version >/dev/null 2>&1; then
        "$PY" -m uv pip install -q -p "$PY" -r "$REQ"
    else
        "$PY" -m pip install -q -r "$REQ"
    fi
fi
echo "$want" >"$STAMP"
