#!/usr/bin/env bash
# `make run`: migrate, seed the demo data (with DEMO_HISTORY_DAYS days of a team's past, the first time),
# collect static files, then serve the app on HOST:PORT together with a Celery worker with beat embedded,
# until Ctrl-C (scripts/supervise.py stops all of them). Email links point at SITE_URL, by default the
# address served here.
# Defaults are the embedded ones (SQLite file + Celery filesystem broker under var/); set DATABASE_URL and
# CELERY_BROKER_URL to use PostgreSQL and Redis instead.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-pass-123}
DEMO_HISTORY_DAYS=${DEMO_HISTORY_DAYS:-60}
VAR_DIR=${CASETRACKER_VAR_DIR:-var}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.base}
# The settings default DEBUG to off; this development server is the one place it is on by default.
export DJANGO_DEBUG=${DJANGO_DEBUG:-true}
# Links in emails (and the client status links) must reach this server; 0.0.0.0 is not an address to visit.
LINK_HOST=$HOST
if [ "$HOST" = "0.0.0.0" ] || [ "$HOST" = "::" ]; then LINK_HOST=127.0.0.1; fi
export SITE_URL=${SITE_URL:-http://$LINK_HOST:$PORT}

log() { echo "[run] $*" >&2; }

# The filesystem broker needs its folders to exist before the worker or the web process touch it.
mkdir -p "$VAR_DIR/broker/queue" "$VAR_DIR/broker/processed" "$VAR_DIR/broker/control"

if ! "$PY" - "$HOST" "$PORT" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind((sys.argv[1], int(sys.argv[2])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
then
    log "ERROR: $HOST:$PORT is already in use (another make run?). Use: make run PORT=8001"
    exit 1
fi

log "migrating ($("$PY" -c 'import django; from django.conf import settings; django.setup(); print(settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1])'))"
"$PY" manage.py migrate --noinput
log "seeding demo data (with $DEMO_HISTORY_DAYS days of history the first time)"
if ! "$PY" manage.py seed_demo --password "$DEMO_PASSWORD" --history "$DEMO_HISTORY_DAYS"; then
    log "ERROR: 'manage.py seed_demo --password ... --history $DEMO_HISTORY_DAYS' failed; not starting."
    exit 1
fi
"$PY" manage.py collectstatic --noinput -v 0
# One pass of every sweep now (beat's first tick is a minute away), so the heartbeats exist and the
# supervisors' health banner starts quiet.
log "running every sweep once"
"$PY" manage.py run_sweeps

cat <<MSG

  Case tracker: http://$HOST:$PORT/   (login page: http://$HOST:$PORT/login/)
  Demo logins, password "$DEMO_PASSWORD":
    fran, alex  (reps; with the history also kim, ravi, noor, leo)
    sam         (supervisor; with the history also dana)
    ops         (the admin only: http://$HOST:$PORT/admin/ for the outbox and sweep heartbeats)
  Email links point at $SITE_URL.
  Worker + beat run alongside. Press Ctrl-C once to stop everything.

MSG

exec "$PY" scripts/supervise.py \
    --proc web "$PY manage.py runserver $HOST:$PORT" \
    --proc worker "$PY -m celery -A config worker -B -l info --concurrency 2 -s $(printf %q "$VAR_DIR/celerybeat-schedule")"
