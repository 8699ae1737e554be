#!/usr/bin/env bash
# Before and after in one run: the reader pages of an earlier revision and of this working tree,
# each served by its own gunicorn (production settings, its own database and Redis db), measured
# in the same rounds, one after the other, swapping which goes first every round. On a noisy
# machine two separate runs of bench/load.sh can differ by 15 %; a pair measured seconds apart
# cannot drift that way. Each figure is the median round. BENCH_WORKER_CLASS=sync BENCH_THREADS=1
# serves the pages as the outside measurement of issue 21 did (gunicorn sync x2).
#
#   bash bench/compare.sh REV          e.g. bench/compare.sh HEAD~3, bench/compare.sh a79c448
#
# The earlier revision is checked out in a temporary git worktree (bench/.before) that uses this
# tree's .venv; the worktree is removed at the end.
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
REV="${1:?usage: bash bench/compare.sh REV (an earlier commit to compare this tree against)}"
DURATION="${BENCH_DURATION:-5s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
ROUNDS="${BENCH_ROUNDS:-5}"
BEFORE_DIR="$ROOT/bench/.before"
GUIDE="${BENCH_GUIDE:-/guides/fine-tuning-vs-prompting/}"
TRACK=/tracks/ml-ai-engineering/

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  git -C "$ROOT" worktree remove --force "$BEFORE_DIR" 2>/dev/null || true
}
trap cleanup EXIT

worktree_at "$REV" "$BEFORE_DIR"

# target NAME DIR PORT DATABASE REDIS_DB: migrate, import the demo guides, collect static files,
# start gunicorn, and keep a subscriber's cookies (session, CSRF, user hint) in $OUT/NAME.cookie.
target() {
  local name=$1 dir=$2 port=$3 db=$4 redis_db=$5
  (
    use_revision "$dir" "$db" "$redis_db"
    export SITE_URL="http://127.0.0.1:$port"
    prepare_revision > "$OUT/$name.session"
    exec "$PY" -m gunicorn alphacode.wsgi:application --bind "127.0.0.1:$port" \
      --workers "$WORKERS" --threads "$THREADS" --worker-class "${BENCH_WORKER_CLASS:-gthread}" --log-level warning
  ) &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
    sleep 0.2
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "$name did not start" >&2; exit 1; }
  local cookie="sessionid=$(cat "$OUT/$name.session")"
  local set_cookies
  set_cookies=$(curl -fsS -D - -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$port$GUIDE" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([a-z_]*=[^;]*\).*/\1/p' | paste -sd';' | sed 's/;/; /g')
  echo "$cookie${set_cookies:+; $set_cookies}" > "$OUT/$name.cookie"
  for path in /robots.txt / "$GUIDE" /guides/ "$TRACK" "/search/?q=latency+budget"; do
    wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$port$path" >/dev/null
  done
  wrk -t2 -c"$CONNECTIONS" -d2s -H "Cookie: $(cat "$OUT/$name.cookie")" "http://127.0.0.1:$port$GUIDE" >/dev/null
}

target before "$BEFORE_DIR" 8766 alphacode_bench_before 4
target after "$ROOT" 8765 alphacode_bench 3

measure() {  # target port endpoint path [cookie]
  local name=$1 port=$2 endpoint=$3 path=$4 args=()
  [ "${5:-}" = cookie ] && args=(-H "Cookie: $(cat "$OUT/$name.cookie")")
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/wrk-report.lua "${args[@]}" \
    "http://127.0.0.1:$port$path" | awk -v n="$name" -v e="$endpoint" '/^RESULT/ {print n, e, $2, $3, $4, $5}'
}

ROWS="$OUT/compare-rounds.txt"
: > "$ROWS"
for round in $(seq 1 "$ROUNDS"); do
  order=("before 8766" "after 8765")
  [ $((round % 2)) -eq 0 ] && order=("after 8765" "before 8766")
  while read -r endpoint path cookie; do
    for pair in "${order[@]}"; do
      # shellcheck disable=SC2086
      measure $pair "$endpoint" "$path" "$cookie" >> "$ROWS"
    done
  done <<EOF
trivial /robots.txt
guide-anonymous $GUIDE
guide-subscriber $GUIDE cookie
home /
library /guides/
track $TRACK
search /search/?q=latency+budget
problem-anonymous /problems/group-anagrams/
problem-subscriber /problems/group-anagrams/ cookie
EOF
  echo "round $round of $ROUNDS done" >&2
done

echo "gunicorn: $WORKERS ${BENCH_WORKER_CLASS:-gthread} workers x $THREADS threads each; wrk: 2 threads, $CONNECTIONS connections, $DURATION each; median of $ROUNDS rounds"
"$PY" - "$ROWS" <<'PY'
import sys
from statistics import median

rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
for line in open(sys.argv[1]):
    name, endpoint, rate, _p50, p99, _errors = line.split()
    rows.setdefault((endpoint, name), []).append((float(rate), float(p99)))
endpoints = list(dict.fromkeys(endpoint for endpoint, _ in rows))
rate = {key: median(r for r, _ in values) for key, values in rows.items()}
p99 = {key: median(p for _, p in values) for key, values in rows.items()}
print(f"{'endpoint':<18} {'before req/s':>12} {'after req/s':>12} {'change':>7}"
      f" {'before/trivial':>15} {'after/trivial':>14} {'p99 before':>11} {'p99 after':>10}")
for e in endpoints:
    b, a = rate[e, "before"], rate[e, "after"]
    print(f"{e:<18} {b:>12.0f} {a:>12.0f} {100 * (a - b) / b:>+6.1f}%"
          f" {100 * b / rate['trivial', 'before']:>14.0f}% {100 * a / rate['trivial', 'after']:>13.0f}%"
          f" {p99[e, 'before']:>9.1f}ms {p99[e, 'after']:>8.1f}ms")
PY
