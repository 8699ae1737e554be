#!/bin/sh
# What `make test` needs from the machine, set up when it can be and explained when it cannot:
# Postgres and Redis answering on 127.0.0.1 (started when installed but down), Debian's
# Chromium for the browser tests, a Java runtime for the W3C HTML checker, Node's npm for
# axe-core and dclint, and the Postgres client tools for the backup test. Missing packages are
# installed with apt-get when we run as root; otherwise the exact command is printed.
# Idempotent: on a machine that has everything it only checks. `test-setup.sh packages` does
# the packages only (what `make lint` needs).
set -eu

PG_HOST=127.0.0.1
PG_PORT=5432
REDIS_PORT=6379

say() { echo "make test: $*" >&2; }
fail() { say "$*"; exit 1; }

# --- Debian packages ---------------------------------------------------------------------------
missing=""
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v java >/dev/null 2>&1 || missing="$missing default-jre-headless"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v pg_dump >/dev/null 2>&1 || missing="$missing postgresql-client"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"

if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing$missing with apt-get"
    apt-get update -qq
    # shellcheck disable=SC2086 # the list is meant to split into package names
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    fail "the test suite needs$missing. Install them with: sudo apt-get install -y$missing"
  fi
fi

[ "${1:-}" = packages ] && exit 0

# --- Postgres ----------------------------------------------------------------------------------
if ! pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null; then
  cluster=$(ls /etc/postgresql 2>/dev/null | head -n 1)
  if [ -n "$cluster" ] && command -v pg_ctlcluster >/dev/null 2>&1; then
    say "starting Postgres $cluster"
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main start ||
      fail "Postgres would not start. Try: pg_ctlcluster --skip-systemctl-redirect $cluster main start"
  else
    fail "Postgres is not answering on $PG_HOST:$PG_PORT and is not installed here. Install it with: sudo apt-get install -y postgresql (trust auth for user postgres on 127.0.0.1), or point DATABASE_URL at one."
  fi
fi

# --- Redis -------------------------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null ||
    fail "Redis would not start. Try: redis-server --daemonize yes --bind 127.0.0.1 --port $REDIS_PORT --save '' --appendonly no"
fi

for _ in $(seq 1 30); do
  if pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    exit 0
  fi
  sleep 1
done
pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null ||
  fail "Postgres did not answer on $PG_HOST:$PG_PORT within 30 s"
fail "Redis did not answer on 127.0.0.1:$REDIS_PORT within 30 s"
