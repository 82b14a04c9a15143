#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing: PostgreSQL server binaries,
# redis-server, chromium (for Playwright, which cannot download its own browser here) and dovecot-imapd
# (a real IMAP server for the client-mail tests).
# Only as root with apt-get; otherwise it says what is missing and leaves it to the caller.
# apt never starts services on these machines; scripts/test-services.sh starts throwaway ones.
set -euo pipefail

missing=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
    missing+=(postgresql)
fi
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# A throwaway IMAP server for the client-mail tests (tests/mailin/imap_server.py).
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "[system] missing: ${missing[*]} (not root or no apt-get: install them yourself)" >&2
    exit 0
fi

echo "[system] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for any apt/dpkg already running instead of failing on its lock.
apt_opts=(-o DPkg::Lock::Timeout=900 -o Acquire::Retries=3)
apt-get "${apt_opts[@]}" update -q
apt-get "${apt_opts[@]}" install -y -q "${missing[@]}"
