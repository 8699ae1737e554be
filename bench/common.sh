# Shared set-up for the benchmarks: a production-settings gunicorn on Postgres and Redis.
# Sourced by the bench/*.sh scripts; not run on its own.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/bench/results"   # raw outputs and reports
mkdir -p "$OUT"
[ -x "$PY" ] || { echo "run 'make test' or 'make run' once first (it creates .venv)" >&2; exit 1; }

BENCH_DB="${BENCH_DB:-alphacode_bench}"
PORT="${BENCH_PORT:-8765}"
BASE="http://127.0.0.1:$PORT"
WORKERS="${BENCH_WORKERS:-2}"
THREADS="${BENCH_THREADS:-4}"

export DJANGO_SETTINGS_MODULE=alphacode.settings
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
export DJANGO_SECURE_SSL_REDIRECT=0   # plain http on loopback
export DJANGO_STATIC_ROOT="$ROOT/bench/.static"
export DJANGO_MEDIA_ROOT="$ROOT/bench/.media"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$BENCH_DB"
export DATABASE_POOL_MIN="${THREADS}"
export DATABASE_POOL_MAX="$((THREADS + 2))"
BENCH_REDIS_DB="${BENCH_REDIS_DB:-3}"   # a Redis db of its own: the bench flushes it
export REDIS_URL="redis://127.0.0.1:6379/$BENCH_REDIS_DB"
export EMAIL_URL="smtp://127.0.0.1:1"
export SITE_URL="$BASE"
export STRIPE_WEBHOOK_SECRET="whsec_bench_secret"
export LOG_LEVEL=WARNING

bench_prepare_database() {
  psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='$BENCH_DB'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $BENCH_DB"
  "$PY" manage.py migrate --noinput -v0
  "$PY" manage.py collectstatic --noinput -v0
  # The demo guides and bench/guides (a guide with every kind of block, ten code blocks and
  # three diagrams); --force, since the bench database is its own.
  "$PY" manage.py import_guides --force content/guides bench/guides >/dev/null
  "$PY" manage.py import_problems content/problems >/dev/null
}

bench_start_server() {
  redis-cli -n "$BENCH_REDIS_DB" flushdb >/dev/null
  "$PY" -m gunicorn alphacode.wsgi:application --bind "127.0.0.1:$PORT" \
    --workers "$WORKERS" --threads "$THREADS" --worker-class gthread \
    --log-level warning --pid "$ROOT/bench/.gunicorn.pid" &
  SERVER_PID=$!
  trap bench_stop_server EXIT
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server did not start" >&2
  exit 1
}

bench_stop_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

# For the before-and-after scripts (compare.sh, compare-inprocess.sh).
# worktree_at REV DIR: REV checked out in a temporary worktree at DIR, using this tree's .venv.
worktree_at() {
  git -C "$ROOT" worktree remove --force "$2" 2>/dev/null || true
  git -C "$ROOT" worktree add --detach --force "$2" "$1" >/dev/null
  ln -s "$ROOT/.venv" "$2/.venv"
  echo "before: $(git -C "$2" log -1 --format='%h %s' | cut -c1-70)"
  echo "after:  this working tree ($(git -C "$ROOT" log -1 --format=%h)$(git -C "$ROOT" diff --quiet HEAD || echo ', with uncommitted changes'))"
}

# use_revision DIR DATABASE REDIS_DB: in the current (sub)shell, point the settings at this
# revision's own database, Redis db and static files, and work in DIR.
use_revision() {
  cd "$1"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$2" REDIS_URL="redis://127.0.0.1:6379/$3"
  export DJANGO_STATIC_ROOT="$1/bench/.static" DJANGO_MEDIA_ROOT="$1/bench/.media" PYTHONPATH="$1"
}

# prepare_revision: after use_revision, make its database (migrated, with the demo guides), its
# static files and an empty Redis db; print a subscriber's session key.
prepare_revision() {
  psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='${DATABASE_URL##*/}'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE ${DATABASE_URL##*/}"
  "$PY" manage.py migrate --noinput -v0
  "$PY" manage.py collectstatic --noinput -v0
  # An earlier revision may have no bench/guides, and may not know --force.
  if [ -d bench/guides ]; then
    "$PY" manage.py import_guides --force content/guides bench/guides >/dev/null
  else
    "$PY" manage.py import_guides --force content/guides >/dev/null 2>&1 \
      || "$PY" manage.py import_guides content/guides >/dev/null
  fi
  # An earlier revision may have no practice problems.
  if [ -d content/problems ]; then
    "$PY" manage.py import_problems content/problems >/dev/null
  fi
  redis-cli -n "${REDIS_URL##*/}" flushdb >/dev/null
  "$PY" bench/prepare.py subscriber
}
