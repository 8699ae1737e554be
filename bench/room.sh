#!/usr/bin/env bash
# The mock room's websocket round trip: daphne with production settings (one process, as
# compose's `asgi` service runs it) on Postgres and the Redis channel layer, ROOMS rooms (default
# 50) open at once with both members connected; in each, one member types and the time from a
# push to the other member receiving it is measured (bench/room.py). Prints the median and p95.
#
#   bash bench/room.sh [ROOMS]      BENCH_PUSHES (40 per room), BENCH_INTERVAL_MS (200)
source "$(dirname "$0")/common.sh"
ROOMS="${1:-50}"

psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='$BENCH_DB'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $BENCH_DB"
"$PY" manage.py migrate --noinput -v0
redis-cli -n "$BENCH_REDIS_DB" flushdb >/dev/null
"$PY" bench/room.py prepare "$ROOMS" "$OUT/rooms.json"

"$PY" -m daphne -b 127.0.0.1 -p "$PORT" alphacode.asgi:application >"$OUT/daphne.log" 2>&1 &
SERVER_PID=$!
trap bench_stop_server EXIT
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "$BASE/healthz" || { echo "daphne did not start" >&2; cat "$OUT/daphne.log" >&2; exit 1; }

echo "$(date -u +%F), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), daphne $("$PY" -c 'import daphne; print(daphne.__version__)'), channels-redis $("$PY" -c 'from importlib.metadata import version; print(version("channels-redis"))')"
"$PY" bench/room.py measure "$BASE" "$OUT/rooms.json"
