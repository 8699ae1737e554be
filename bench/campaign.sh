#!/usr/bin/env bash
# One new-guide announcement to N members (default 100,000) through a real Celery worker (two
# processes, as compose runs it) to a local SMTP server that accepts and discards (aiosmtpd's Sink), on Postgres and
# Redis with production settings. Prints emails per second, the total time, and the worker's
# memory (RSS of its processes) every 15 seconds, which should stay flat.
# Target on this 2-core machine: 100,000 emails in at most 10 minutes (>= 170 emails/s).
source "$(dirname "$0")/common.sh"
MEMBERS="${1:-100000}"
SMTP_PORT="${BENCH_SMTP_PORT:-8025}"
export EMAIL_URL="smtp://127.0.0.1:$SMTP_PORT"
export MAILINGS_RATE_PER_MINUTE="${MAILINGS_RATE_PER_MINUTE:-12000}"

bench_prepare_database
redis-cli -n "$BENCH_REDIS_DB" flushdb >/dev/null
echo "making $MEMBERS members..."
SLUG=$("$PY" bench/prepare.py members "$MEMBERS" | tail -1)

"$PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Sink &
SMTP_PID=$!
# Two worker processes, as docker compose runs them (MAILINGS_SENDERS: two batches at once).
"$PY" -m celery -A alphacode worker --concurrency 2 --loglevel WARNING \
  --without-gossip --without-mingle --without-heartbeat &
WORKER_PID=$!
trap 'kill $SMTP_PID $WORKER_PID 2>/dev/null; wait 2>/dev/null' EXIT
sleep 5

sent() {
  psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -tAc \
    "SELECT count(*) FROM mailings_recipient WHERE status <> 'queued'"
}
START=$(date +%s.%N)
"$PY" manage.py announce_guide "$SLUG" --to members
# Every member the database has (an earlier, larger run may have left more than asked for).
MEMBERS=$(psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -tAc "SELECT count(*) FROM mailings_recipient")
TICK=0
while :; do
  DONE=$(sent)
  if [ $((TICK % 15)) -eq 0 ] || [ "$DONE" -ge "$MEMBERS" ]; then
    NOW=$(date +%s.%N)
    # The worker's processes together (the main one and its two children).
    RSS=$(ps -o rss= --ppid "$WORKER_PID" -p "$WORKER_PID" | awk '{s += $1} END {print s}')
    awk -v t="$(awk -v a="$NOW" -v b="$START" 'BEGIN {print a - b}')" -v d="$DONE" -v r="$RSS" \
      'BEGIN {printf "%6.0f s  %7d sent  worker RSS %6d kB\n", t, d, r}'
  fi
  [ "$DONE" -ge "$MEMBERS" ] && break
  sleep 1
  TICK=$((TICK + 1))
done
END=$(date +%s.%N)
echo "members: $MEMBERS; rate limit: $MAILINGS_RATE_PER_MINUTE/min; batch: ${MAILINGS_BATCH:-100}"
awk -v a="$END" -v b="$START" -v n="$MEMBERS" \
  'BEGIN {printf "total %.0f s, %.0f emails/s\n", a - b, n / (a - b)}'
psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -tAc \
  "SELECT status, count(*) FROM mailings_recipient GROUP BY status ORDER BY status"
