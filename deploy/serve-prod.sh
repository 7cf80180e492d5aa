#!/usr/bin/env bash
# Level 2 of docs/deployment.md ("one server") on this machine: PostgreSQL and Redis as they
# run here, gunicorn with two workers, one RQ worker for the task queue and the periodic job
# runner. `make serve-prod` runs it; tests/deploy/test_serve_prod.py runs it too, so what
# the test proves is what the target starts. Ctrl-C (or TERM) stops all three together.
#
# Environment (defaults in brackets): PORT [8000], DATABASE_URL
# [postgres://postgres@127.0.0.1:5432/safecampus_prod, created if missing], REDIS_URL
# [redis://127.0.0.1:6379/0], WEB_WORKERS [2], WEB_THREADS [4], SITE_URL
# [http://127.0.0.1:$PORT], SAFECAMPUS_VAR_DIR [var]: logs, pid files, static files, media.
# DEMO_SCHOOLS: when set, load the demo (that many schools) into an empty database first.
# nginx is not installed here: gunicorn answers on 127.0.0.1 only; deploy/nginx/ is the
# front that a real server puts before it.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${BIN:-.venv/bin}"
PORT="${PORT:-8000}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/safecampus_prod}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export TASKS_BACKEND=rq
export DEBUG=0
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
VAR="${SAFECAMPUS_VAR_DIR:-var}"
RUN="$VAR/run"
mkdir -p "$RUN"

"$BIN/python" -m safecampus.config.preflight
"$BIN/safecampus" migrate --noinput -v 0
if [ -n "${DEMO_SCHOOLS:-}" ]; then
  "$BIN/safecampus" seed-demo --schools "$DEMO_SCHOOLS"
fi
"$BIN/safecampus" collectstatic --noinput -v 0

pids=()
stop() {
  trap - INT TERM EXIT
  if [ "${#pids[@]}" -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
  rm -f "$RUN"/*.pid
  echo "serve-prod: stopped"
}
trap stop INT TERM EXIT

# The task queue: notifications leave through here, never from a web request. A short
# worker TTL keeps its wait for a job to 15 s (RQ waits TTL - 15 s): a stop signal that the
# kernel hands to RQ's pub/sub thread is acted on when that wait ends, not 6 minutes later.
"$BIN/safecampus" rqworker default --job-class django_tasks_rq.Job --worker-ttl 30 \
  --pid "$RUN/rqworker.pid" >>"$VAR/rqworker.log" 2>&1 &
pids+=("$!")
# Delivery retries, escalations and the daily digest (notify.schedule).
"$BIN/safecampus" run-periodic >>"$VAR/periodic.log" 2>&1 &
pids+=("$!")
echo "$!" >"$RUN/periodic.pid"
"$BIN/gunicorn" safecampus.config.wsgi:application \
  --bind "127.0.0.1:$PORT" --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-4}" \
  --pid "$RUN/gunicorn.pid" --access-logfile - --log-level warning &
pids+=("$!")

echo "serve-prod: http://127.0.0.1:$PORT/ on $DATABASE_URL, tasks on $REDIS_URL"
echo "serve-prod: worker log $VAR/rqworker.log, periodic jobs $VAR/periodic.log; Ctrl-C stops all"
# When any of the three ends, stop the others: a half-running server is worse than none.
wait -n
