#!/usr/bin/env bash
# Are the dashboard's guide view counters exact under load? wrk reads the seed guide as a visitor
# (a view and a paywall view each) against gunicorn with production settings; gunicorn is then
# stopped as a deploy stops it (SIGTERM: each worker flushes its tally at exit), the counts
# waiting in Redis are folded into Postgres as beat's task does, and the folded rows are set
# beside wrk's count of the pages it was served. wrk gives up on the requests still in flight
# when its time is up (at most one per connection), which the server may still serve and count.
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
GUIDE=/guides/fine-tuning-vs-prompting/

bench_prepare_database
psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -qc "DELETE FROM stats_guideday; DELETE FROM stats_foldedbatch"
bench_start_server
served=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$BASE$GUIDE" | tee "$OUT/counters-wrk.txt" \
  | awk '/requests in/ {print $1}')
grep -q "Non-2xx" "$OUT/counters-wrk.txt" && { echo "some pages failed" >&2; exit 1; }
bench_stop_server
"$PY" manage.py shell -v0 -c "from stats.counting import fold; fold()"
read -r views paywalls < <(psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -tAF' ' -c \
  "SELECT coalesce(sum(views), 0), coalesce(sum(paywall_views), 0) FROM stats_guideday")
echo "gunicorn: $WORKERS workers x $THREADS threads; wrk: $CONNECTIONS connections, $DURATION"
echo "pages wrk was served:        $served"
echo "views folded into Postgres:  $views (paywall views: $paywalls)"
echo "difference:                  $((views - served)) (requests in flight when wrk stopped: 0 to $CONNECTIONS)"
