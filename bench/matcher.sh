#!/usr/bin/env bash
# The mock interview matcher before and after, on the same requests: for each size (default
# 10,000 open requests; see bench/matcher.py for the mix), the requests are made once in a
# template database, and each side gets a fresh copy of it and times one full matching pass at
# the same instant. "before" is mocks/matching.py as it was at BENCH_BEFORE (a git revision,
# copied into bench/results, never imported by the product); "after" is this tree's. The two
# must make the very same bookings: the script says whether they did.
#
#   bash bench/matcher.sh                   # 10,000 requests, before and after
#   MATCHER_SIZES="1000 2000 10000" BENCH_BEFORE_MAX=2000 bash bench/matcher.sh
#
# BENCH_BEFORE_MAX skips "before" above that size (the old pass grows with the square of the
# queue: at 10,000 it runs for many minutes); BENCH_SIDES="after" times this tree's only.
BENCH_DB="${BENCH_DB:-alphacode_matcher_bench}"
source "$(dirname "$0")/common.sh"
SIZES="${MATCHER_SIZES:-10000}"
BEFORE_REV="${BENCH_BEFORE:-2808edd}"
BEFORE_MAX="${BENCH_BEFORE_MAX:-1000000}"
SIDES="${BENCH_SIDES:-before after}"
NOW="${BENCH_NOW:-2027-01-11T09:05:00+00:00}"
SEED_DB="${BENCH_DB}_seed"
BEFORE="$OUT/matching-before.py"

# The old module with its relative imports made absolute, so it runs beside today's models.
git -C "$ROOT" show "$BEFORE_REV:mocks/matching.py" \
  | sed -E 's/^from \.([a-z_]+) import/from mocks.\1 import/' > "$BEFORE"

sql() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -U postgres -qtA "$@"; }

# side NAME MODULE SIZE: a fresh copy of the seeded database, one pass by MODULE.
side() {
  sql -c "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
  sql -c "CREATE DATABASE $BENCH_DB TEMPLATE $SEED_DB" >/dev/null
  read -r seconds choosing booking bookings matched < <("$PY" bench/matcher.py pass "$2" "$NOW" "$OUT/matcher-$1-$3.txt")
  printf '%-7s %6s requests: %8.2f s (%7.2f s choosing and committing, %7.2f s in _book) %6s bookings, %s requests matched\n' \
    "$1" "$3" "$seconds" "$choosing" "$booking" "$bookings" "$matched"
}

echo "matching pass at $NOW; before: mocks/matching.py at $(git -C "$ROOT" log -1 --format='%h' "$BEFORE_REV"); after: this tree ($(git -C "$ROOT" log -1 --format=%h)$(git -C "$ROOT" diff --quiet HEAD -- mocks || echo ', with uncommitted changes'))"
for size in $SIZES; do
  sql -c "DROP DATABASE IF EXISTS $SEED_DB" >/dev/null
  sql -c "CREATE DATABASE $SEED_DB" >/dev/null
  (
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$SEED_DB"
    "$PY" manage.py migrate --noinput -v0
    "$PY" manage.py import_problems content/problems >/dev/null
    "$PY" bench/matcher.py seed "$size" "$NOW"
  )
  sql -d "$SEED_DB" -c "VACUUM ANALYZE" >/dev/null
  run_before=$([ "$size" -le "$BEFORE_MAX" ] && [[ " $SIDES " == *" before "* ]] && echo 1 || true)
  run_after=$([[ " $SIDES " == *" after "* ]] && echo 1 || true)
  [ -n "$run_before" ] && side before "$BEFORE" "$size"
  [ -n "$run_after" ] && side after mocks.matching "$size"
  if [ -n "$run_before" ] && [ -n "$run_after" ]; then
    if cmp -s "$OUT/matcher-before-$size.txt" "$OUT/matcher-after-$size.txt"; then
      echo "        the same bookings before and after"
    else
      echo "        DIFFERENT bookings before and after: diff $OUT/matcher-{before,after}-$size.txt" >&2
      exit 1
    fi
  fi
done
sql -c "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
sql -c "DROP DATABASE IF EXISTS $SEED_DB" >/dev/null
