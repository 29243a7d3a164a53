#!/usr/bin/env bash
# Start the whole site for local use: web, Celery worker and beat.
# One Ctrl-C stops everything. Called by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-8000}
export DEBUG=${DEBUG:-1}
export NEWSROOM_VAR_DIR=${NEWSROOM_VAR_DIR:-$PWD/.var}
mkdir -p "$NEWSROOM_VAR_DIR"

redis_answers() {
  "$BIN/python" - "$1" <<'PY'
import sys, redis
try:
    redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()
except Exception:
    sys.exit(1)
PY
}

if [ -n "${DATABASE_URL:-}" ]; then
  echo "Database: DATABASE_URL (${DATABASE_URL%%://*})"
else
  echo "Database: embedded SQLite at $NEWSROOM_VAR_DIR/db.sqlite3 (set DATABASE_URL for PostgreSQL)"
fi
if [ -n "${REDIS_URL:-}" ]; then
  echo "Broker and cache: REDIS_URL"
elif redis_answers redis://127.0.0.1:6379/0; then
  export REDIS_URL=redis://127.0.0.1:6379/0
  echo "Broker and cache: Redis on 127.0.0.1:6379 (it answered)"
else
  echo "Broker and cache: no Redis answered on 127.0.0.1:6379; using the file-system"
  echo "  Celery transport and file cache in $NEWSROOM_VAR_DIR (set REDIS_URL for Redis)"
fi

# Leave the choices in a git-ignored .env, so that manage.py commands copied
# from the docs (score_comments, createsuperuser, ...) work in this checkout.
# Settings read it only for variables the real environment does not set.
env_pairs=(
  "DEBUG=$DEBUG"
  "NEWSROOM_VAR_DIR=$NEWSROOM_VAR_DIR"
  "DATABASE_URL=${DATABASE_URL:-sqlite:///$NEWSROOM_VAR_DIR/db.sqlite3}"
  "REDIS_URL=${REDIS_URL:-}"
)
[ -z "${CELERY_BROKER_URL:-}" ] || env_pairs+=("CELERY_BROKER_URL=$CELERY_BROKER_URL")
[ -z "${SECRET_KEY:-}" ] || env_pairs+=("SECRET_KEY=$SECRET_KEY")
"$BIN/python" scripts/write_env.py .env "${env_pairs[@]}"
echo "Settings for manage.py commands in this checkout: .env (git-ignored)"

"$BIN/python" manage.py migrate --no-input -v0
echo "Seed article loaded (data migration)."
pwfile="$NEWSROOM_VAR_DIR/editor-password"
[ -s "$pwfile" ] || "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(12))' > "$pwfile"
# The demo account is a desk chief: it can reach everything the docs describe
# but API keys, webhooks and users (docs/moderation-desk.md, "Roles").
"$BIN/python" manage.py create_editor --username editor --role chief --token --password "$(cat "$pwfile")"

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

"$BIN/celery" -A newsroom worker --loglevel=INFO --concurrency=2 &
pids+=($!)
"$BIN/celery" -A newsroom beat --loglevel=INFO \
  --schedule "$NEWSROOM_VAR_DIR/celerybeat-schedule" &
pids+=($!)
"$BIN/python" manage.py runserver "127.0.0.1:$PORT" &
pids+=($!)

cat <<MSG

  newsroom is starting on http://127.0.0.1:$PORT/
  Editors' admin:  http://127.0.0.1:$PORT/admin/  (login printed above)
  API docs:        http://127.0.0.1:$PORT/api/docs/
  Press Ctrl-C to stop the web server, the worker and beat.

MSG
# Exit (and stop the rest) as soon as any one of them dies.
wait -n "${pids[@]}"
