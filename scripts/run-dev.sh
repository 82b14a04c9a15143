#!/usr/bin/env bash
# `make run`: migrate, seed the demo data, collect static files, then serve the app on HOST:PORT together
# with a Celery worker with beat embedded, until Ctrl-C (scripts/supervise.py stops all of them).
# Defaults are the embedded ones (SQLite file + Celery filesystem broker under var/); set DATABASE_URL and
# CELERY_BROKER_URL to use PostgreSQL and Redis instead.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-pass-123}
VAR_DIR=${CASETRACKER_VAR_DIR:-var}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.base}

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
log "seeding demo data"
if ! "$PY" manage.py seed_demo --password "$DEMO_PASSWORD"; then
    log "ERROR: 'manage.py seed_demo --password ...' failed; not starting."
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
    fran, alex  (reps)
    sam         (supervisor)
  Worker + beat run alongside. Press Ctrl-C once to stop everything.

MSG

exec "$PY" scripts/supervise.py \
    --proc web "$PY manage.py runserver $HOST:$PORT" \
    --proc worker "$PY -m celery -A config worker -B -l info --concurrency 2 -s $(printf %q "$VAR_DIR/celerybeat-schedule")"
