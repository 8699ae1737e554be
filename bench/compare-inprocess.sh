#!/usr/bin/env bash
# The guide page before and after, without the network: an earlier revision and this tree each
# serve the seed guide to a visitor and to a subscriber through Django's test client in their own
# process (production settings, each on its own database and Redis db), in alternating rounds.
# Each round's figure is the best of three runs of 2,000 pages; the report gives every round and
# the median. Far steadier than wrk on this machine, where loopback and gunicorn add +-15 %.
#
#   bash bench/compare-inprocess.sh REV
source "$(dirname "$0")/common.sh"
REV="${1:?usage: bash bench/compare-inprocess.sh REV}"
ROUNDS="${BENCH_ROUNDS:-8}"
BEFORE_DIR="$ROOT/bench/.before-inprocess"
trap 'git -C "$ROOT" worktree remove --force "$BEFORE_DIR" 2>/dev/null || true' EXIT
worktree_at "$REV" "$BEFORE_DIR"

# side NAME DIR DATABASE REDIS_DB [prepare]: prepare DIR's database (and keep a subscriber's
# session in $OUT/inprocess-NAME.session), or time the seed guide's page in DIR's code.
side() {
  local name=$1 dir=$2 db=$3 redis_db=$4 session="$OUT/inprocess-$1.session"
  (
    use_revision "$dir" "$db" "$redis_db"
    if [ "${5:-}" = prepare ]; then
      prepare_revision > "$session"
      return
    fi
    "$PY" - "$(cat "$session")" <<'PY'
import sys
import timeit

import django

django.setup()
from django.conf import settings
from django.test import Client

settings.ALLOWED_HOSTS = ["*"]
guide = "/guides/fine-tuning-vs-prompting/"
visitor, subscriber = Client(), Client()
subscriber.cookies["sessionid"] = sys.argv[1]
for _ in range(300):
    visitor.get(guide)
    subscriber.get(guide)
assert b'id="paywall"' in visitor.get(guide).content
assert b'id="paywall"' not in subscriber.get(guide).content
n = 2000
for client in (visitor, subscriber):
    print(f"{min(timeit.repeat(lambda: client.get(guide), number=n, repeat=3)) / n * 1e6:.0f}", end=" ")
PY
  )
}

side before "$BEFORE_DIR" alphacode_bench_before 4 prepare
side after "$ROOT" alphacode_bench 3 prepare
ROWS="$OUT/compare-inprocess.txt"
: > "$ROWS"
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then
    before=$(side before "$BEFORE_DIR" alphacode_bench_before 4)
    after=$(side after "$ROOT" alphacode_bench 3)
  else
    after=$(side after "$ROOT" alphacode_bench 3)
    before=$(side before "$BEFORE_DIR" alphacode_bench_before 4)
  fi
  echo "$before $after" >> "$ROWS"
  echo "round $round of $ROUNDS: before (visitor, subscriber) $before µs; after $after µs" >&2
done
"$PY" - "$ROWS" <<'PY'
import sys
from statistics import median

rounds = [list(map(float, line.split())) for line in open(sys.argv[1])]
print(f"{'guide page':<12} {'before µs':>10} {'after µs':>9} {'change':>7}")
for i, name in enumerate(["visitor", "subscriber"]):
    before, after = median(r[i] for r in rounds), median(r[i + 2] for r in rounds)
    print(f"{name:<12} {before:>10.0f} {after:>9.0f} {100 * (after - before) / before:>+6.1f}%")
PY
