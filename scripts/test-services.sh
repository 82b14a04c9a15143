#!/usr/bin/env bash
# Runs a command with throwaway PostgreSQL and Redis servers, then stops them (even on failure or Ctrl-C).
# Usage: scripts/test-services.sh COMMAND [ARGS...]      (used by `make test` and `make bench`)
#
# - PostgreSQL: unless DATABASE_URL is already a postgres URL, initdb -A trust into a fresh dir under /tmp,
#   started as the postgres user (pg_ctl refuses root) on 127.0.0.1, first free port from 55432.
# - Redis: unless CELERY_BROKER_URL or REDIS_URL is given, redis-server without persistence on 127.0.0.1,
#   first free port from 56379.
# - SERVICES_PG_DATA=DIR (make bench: var/bench-pg) keeps PostgreSQL's data in DIR across runs instead:
#   initdb only the first time, stopped cleanly (not discarded) at the end. SERVICES_PG_OPTIONS adds
#   server options (-c name=value ...).
# Exports DATABASE_URL=postgres://postgres@127.0.0.1:PORT/casetracker, CELERY_BROKER_URL and REDIS_URL
# (same redis://127.0.0.1:PORT/0), runs the command and exits with its exit code.
set -uo pipefail
cd "$(dirname "$0")/.."

PG_PORT_START=${TEST_PG_PORT:-55432}
REDIS_PORT_START=${TEST_REDIS_PORT:-56379}

log() { echo "[services] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

RUN_DIR=$(mktemp -d /tmp/casetracker-services.XXXXXX) || die "mktemp failed"
chmod 755 "$RUN_DIR"
PG_DATA=""
PG_KEEP=""
REDIS_PIDFILE=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m "$([ -n "$PG_KEEP" ] && echo fast || echo immediate)" -w -t 60 \
            stop >/dev/null 2>&1 ||
            kill -9 "$(head -1 "$PG_DATA/postmaster.pid")" 2>/dev/null
    fi
    if [ -n "$REDIS_PIDFILE" ] && [ -f "$REDIS_PIDFILE" ]; then
        local pid
        pid=$(cat "$REDIS_PIDFILE")
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    fi
    rm -rf "$RUN_DIR"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port nobody listens on and we can bind (a bind test, so ports in use by anything are skipped).
free_port() {
    local start=$1 p
    for p in $(seq "$start" $((start + 200))); do
        if python3 - "$p" 2>/dev/null <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
        then echo "$p"; return 0; fi
    done
    return 1
}

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$RUN_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$RUN_DIR" && "$@")
    fi
}

start_postgres() {
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$PG_BIN" ] || PG_BIN=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres || die "cannot create postgres user"
    fi
    local dir="$RUN_DIR/pg"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    PG_DATA="$dir/data"
    if [ -n "${SERVICES_PG_DATA:-}" ]; then
        mkdir -p "$SERVICES_PG_DATA" || die "cannot create $SERVICES_PG_DATA"
        PG_DATA="$(cd "$SERVICES_PG_DATA" && pwd)/data"
        PG_KEEP=1
        [ "$(id -u)" = 0 ] && chown postgres: "$SERVICES_PG_DATA"
    fi
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --no-sync >"$RUN_DIR/initdb.log" 2>&1 ||
            { cat "$RUN_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    local port attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port $((PG_PORT_START + (attempt - 1) * 7))) || die "no free port for PostgreSQL"
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/postgres.log" -w -t 60 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 ${SERVICES_PG_OPTIONS:-}" \
            start >/dev/null; then
            as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres casetracker 2>"$RUN_DIR/createdb.log" ||
                [ -n "$PG_KEEP" ] || { cat "$RUN_DIR/createdb.log" >&2; die "createdb failed"; }
            export DATABASE_URL="postgres://postgres@127.0.0.1:$port/casetracker"
            log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $PG_DATA)"
            return 0
        fi
        log "PostgreSQL did not start on port $port (attempt $attempt):"
        tail -5 "$dir/postgres.log" >&2 2>/dev/null
    done
    die "PostgreSQL would not start"
}

start_redis() {
    command -v redis-server >/dev/null 2>&1 || die "redis-server not found (apt-get install redis-server)"
    local dir="$RUN_DIR/redis" port attempt
    mkdir -p "$dir"
    REDIS_PIDFILE="$dir/redis.pid"
    for attempt in 1 2 3 4 5; do
        port=$(free_port $((REDIS_PORT_START + (attempt - 1) * 7))) || die "no free port for Redis"
        rm -f "$REDIS_PIDFILE"
        redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
            --dir "$dir" --pidfile "$REDIS_PIDFILE" --logfile "$dir/redis.log" >/dev/null
        for _ in $(seq 100); do
            if python3 - "$port" 2>/dev/null <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
PY
            then
                export CELERY_BROKER_URL="redis://127.0.0.1:$port/0"
                export REDIS_URL="$CELERY_BROKER_URL"
                log "Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port"
                return 0
            fi
            sleep 0.1
        done
        log "Redis did not start on port $port (attempt $attempt):"
        tail -5 "$dir/redis.log" >&2 2>/dev/null
        [ -f "$REDIS_PIDFILE" ] && kill "$(cat "$REDIS_PIDFILE")" 2>/dev/null
    done
    die "Redis would not start"
}

[ $# -gt 0 ] || die "usage: $0 COMMAND [ARGS...]"
command -v python3 >/dev/null 2>&1 || export PATH="$PWD/.venv/bin:$PATH"

case "${DATABASE_URL:-}" in
    postgres://* | postgresql://* | psql://* | pgsql://*) log "using the given DATABASE_URL" ;;
    *) start_postgres ;;
esac

if [ -n "${CELERY_BROKER_URL:-}" ]; then
    export REDIS_URL="${REDIS_URL:-$CELERY_BROKER_URL}"
    log "using the given CELERY_BROKER_URL"
elif [ -n "${REDIS_URL:-}" ]; then
    export CELERY_BROKER_URL="$REDIS_URL"
    log "using the given REDIS_URL"
else
    start_redis
fi

"$@"
