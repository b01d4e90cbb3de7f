#!/usr/bin/env bash
# Runs DeskAdmin on the embedded defaults (SQLite, a file cache, the sandbox with demo data) at
# http://127.0.0.1:8000, with a task worker beside the web server. Prints the demo logins.
set -euo pipefail
source "$(dirname "$0")/setup.sh" runtime

export DESKADMIN_PROFILE="${DESKADMIN_PROFILE:-embedded}"
BIND="${BIND:-127.0.0.1:8000}"

# Metrics: the web process and the task worker each write their counters to memory-mapped files in one folder
# and /metrics adds them up (prometheus-client's multiprocess mode, docs/operations.md). Like production's
# volume it starts empty: files left by an earlier run would count its requests again.
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/metrics}"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -type f -name '*.db' -delete

python manage.py migrate --noinput -v 0
python manage.py collectstatic --noinput -v 0
python manage.py demo_setup
export SANDBOX_ACTIVITY="${SANDBOX_ACTIVITY:-true}"
if [ "${DESK_SANDBOX:-true}" = "true" ]; then
  python manage.py sandbox_seed   # keeps the demo orgs it made before; --reset rebuilds them
fi

python manage.py db_worker >var/worker.log 2>&1 &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null || true' EXIT INT TERM
if [ "${DESK_SANDBOX:-true}" = "true" ]; then
  # Simulated customers: new tickets and replies every few seconds, so the demo is alive.
  python manage.py sandbox_activity --if-enabled >var/activity.log 2>&1 &
  ACTIVITY_PID=$!
  trap 'kill "$WORKER_PID" "$ACTIVITY_PID" 2>/dev/null || true' EXIT INT TERM
fi

echo
echo "DeskAdmin is starting at http://${BIND}/  (Ctrl+C stops it; the task worker logs to var/worker.log)"
# One process with threads: the console calls its own sandbox over HTTP, so a request must find a
# free thread. The API-credit counters live in the file cache under var/cache, shared with the worker.
gunicorn deskadmin.wsgi:application --bind "$BIND" --workers 1 --threads "${WEB_THREADS:-16}" \
  --worker-class gthread --timeout 60 -c deskadmin/gunicorn_conf.py &
WEB_PID=$!
trap 'kill "$WORKER_PID" "$WEB_PID" ${ACTIVITY_PID:-} 2>/dev/null || true' EXIT INT TERM
wait "$WEB_PID"
