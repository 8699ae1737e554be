#!/usr/bin/env bash
# Throughput and latency with wrk from a second process, against gunicorn with production
# settings on Postgres and Redis. Each figure: requests/s, p50, p99, and the ratio to a trivial
# view (/robots.txt: the same stack, no database) measured in the same run.
# The guide page is measured twice: the seed guide, and bench/guides' guide with every kind of
# block (ten code blocks, three diagrams), which should cost no more.
# Targets: every reader page (home, library, a track page, search, the subscriber guide page)
# >= 50% of the trivial rate, the anonymous guide preview >= 65%; webhook ingest >= 30%;
# p99 < 25 ms at 16 connections for the reader pages.
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
DURATION="${BENCH_DURATION:-6s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"

bench_prepare_database
COOKIE="sessionid=$("$PY" bench/prepare.py subscriber)"
"$PY" bench/prepare.py webhooks 60000 "$OUT/webhooks.txt"
cat bench/wrk-webhooks.lua bench/wrk-report.lua > "$OUT/wrk-webhooks-report.lua"
bench_start_server

GUIDE=/guides/fine-tuning-vs-prompting/
RICH=/guides/bench-every-block/   # every kind of block, ten code blocks, three diagrams
TRACK=/tracks/ml-ai-engineering/
PROBLEM=/problems/group-anagrams/   # a premium problem: its preview, or the whole with the runner
# A browser keeps the cookies the site sets: the first signed-in response sets the user hint
# and the CSRF cookie (the page has forms).
SET_COOKIES=$(curl -fsS -D - -o /dev/null -H "Cookie: $COOKIE" "$BASE$GUIDE" | tr -d '\r' \
  | sed -n 's/^[Ss]et-[Cc]ookie: \([a-z_]*=[^;]*\).*/\1/p')
echo "$SET_COOKIES" | grep -q '^ac_uid=' \
  || { echo "the signed-in response set no user hint cookie" >&2; exit 1; }
COOKIE="$COOKIE; $(echo "$SET_COOKIES" | paste -sd';' | sed 's/;/; /g')"
echo "subscriber cookies: $(echo "$COOKIE" | sed 's/=[^;]*/=…/g')"
# Warm every worker process (database pool, templates, caches) on every page before measuring,
# so no figure pays for start-up.
for path in /robots.txt / "$GUIDE" "$RICH" /guides/ "$TRACK" "/search/?q=latency+budget" "$PROBLEM"; do
  wrk -t2 -c"$CONNECTIONS" -d3s "$BASE$path" >/dev/null
done
wrk -t2 -c"$CONNECTIONS" -d3s -H "Cookie: $COOKIE" "$BASE$GUIDE" >/dev/null
wrk -t2 -c"$CONNECTIONS" -d3s -H "Cookie: $COOKIE" "$BASE$RICH" >/dev/null
wrk -t2 -c"$CONNECTIONS" -d3s -H "Cookie: $COOKIE" "$BASE$PROBLEM" >/dev/null

run() {  # name, path, extra wrk args...
  local name=$1 path=$2
  shift 2
  curl -fsS -o /dev/null "$@" "$BASE$path" 2>/dev/null || true   # warm caches
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/wrk-report.lua "$@" "$BASE$path" \
    | awk -v name="$name" '/^RESULT/ {print name, $2, $3, $4, $5, $6}'
}

ROUNDS="${BENCH_ROUNDS:-3}"
# Endpoints are measured in interleaved rounds and each figure is the median round, so a burst
# of other work on the machine does not decide a ratio.
: > "$OUT/load-rounds.txt"
for round in $(seq 1 "$ROUNDS"); do
  {
    run trivial /robots.txt
    run guide-anonymous "$GUIDE"
    run guide-subscriber "$GUIDE" -H "Cookie: $COOKIE"
    run rich-anonymous "$RICH"
    run rich-subscriber "$RICH" -H "Cookie: $COOKIE"
    run home /
    run library /guides/
    run track "$TRACK"
    run search "/search/?q=latency+budget"
    run problem-anonymous "$PROBLEM"
    run problem-subscriber "$PROBLEM" -H "Cookie: $COOKIE"
    WEBHOOKS_FILE="$OUT/webhooks.txt" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency \
      -s "$OUT/wrk-webhooks-report.lua" "$BASE/billing/webhook/" \
      | awk '/^RESULT/ {print "webhook-ingest", $2, $3, $4, $5, $6}'
  } | awk -v r="$round" '{print r, $0}' >> "$OUT/load-rounds.txt"
done
# Median round per endpoint (by requests/s).
"$PY" - "$OUT/load-rounds.txt" > "$OUT/load.txt" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    _, name, rate, p50, p99, errors, total = line.split()
    rows.setdefault(name, []).append((float(rate), float(p50), float(p99), int(errors)))
for name, values in rows.items():
    values.sort()
    rate, p50, p99, errors = values[len(values) // 2]
    print(name, rate, p50, p99, sum(v[3] for v in values))
PY

echo "gunicorn: $WORKERS workers x $THREADS threads; wrk: 2 threads, $CONNECTIONS connections, $DURATION each, median of $ROUNDS rounds"
printf '%-18s %10s %9s %9s %8s %7s\n' endpoint "req/s" "p50 ms" "p99 ms" "vs trivial" errors
awk 'NR==1 {trivial=$2} {printf "%-18s %10.0f %9.1f %9.1f %9.0f%% %7d\n", $1, $2, $3, $4, 100*$2/trivial, $5}' "$OUT/load.txt"
# Check that the subscriber really read the whole guide (not the preview).
curl -fsS -H "Cookie: $COOKIE" "$BASE$GUIDE" | grep -q 'id="paywall"' && { echo "subscriber got the paywall!" >&2; exit 1; }
echo "subscriber page checked: full guide, no paywall"
curl -fsS -H "Cookie: $COOKIE" "$BASE$PROBLEM" | grep -q 'id="runner"' \
  || { echo "the subscriber's problem page has no runner!" >&2; exit 1; }
curl -fsS "$BASE$PROBLEM" | grep -q 'id="runner"' && { echo "a visitor got the runner!" >&2; exit 1; }
echo "problem pages checked: the runner for the subscriber, the paywall for a visitor"
