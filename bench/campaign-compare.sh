#!/usr/bin/env bash
# Before and after in one run, for members' email: bench/campaign.sh of an earlier revision and
# of this working tree, N members each (default 20,000), in alternating rounds (the order swapped
# every round), each side in a database of its own (one per N). Prints every run's emails per
# second and each side's median.
#
#   bash bench/campaign-compare.sh REV [N]      e.g. bench/campaign-compare.sh 8e324a4 20000
#
# The earlier revision is checked out in a temporary git worktree (bench/.before) that uses this
# tree's .venv; the worktree is removed at the end.
source "$(dirname "$0")/common.sh"
REV="${1:?usage: bash bench/campaign-compare.sh REV [N] (an earlier commit to compare against)}"
MEMBERS="${2:-20000}"
ROUNDS="${BENCH_ROUNDS:-2}"
BEFORE_DIR="$ROOT/bench/.before"

cleanup() { git -C "$ROOT" worktree remove --force "$BEFORE_DIR" 2>/dev/null || true; }
trap cleanup EXIT
cleanup
git -C "$ROOT" worktree add --detach --force "$BEFORE_DIR" "$REV" >/dev/null
ln -s "$ROOT/.venv" "$BEFORE_DIR/.venv"
echo "before: $(git -C "$BEFORE_DIR" log -1 --format='%h %s' | cut -c1-70)"
echo "after:  this working tree ($(git -C "$ROOT" log -1 --format=%h)$(git -C "$ROOT" diff --quiet HEAD || echo ', with uncommitted changes'))"
echo "$MEMBERS members, $ROUNDS rounds"

# run SIDE: one campaign of this side; prints its emails per second.
run() {
  local side=$1 dir="$ROOT"
  [ "$side" = before ] && dir="$BEFORE_DIR"
  BENCH_DB="alphacode_bench_campaign_${side}_$MEMBERS" bash "$dir/bench/campaign.sh" "$MEMBERS" \
    > "$OUT/campaign-$side.log" 2>&1
  awk '/^total/ {print $4}' "$OUT/campaign-$side.log"
}

declare -A RATES=([before]="" [after]="")
for round in $(seq 1 "$ROUNDS"); do
  order="before after"
  [ $((round % 2)) -eq 0 ] && order="after before"
  for side in $order; do
    rate=$(run "$side")
    [ -n "$rate" ] || { echo "the $side run failed: see $OUT/campaign-$side.log" >&2; exit 1; }
    echo "round $round  $side  $rate emails/s"
    RATES[$side]="${RATES[$side]} $rate"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
before=$(echo "${RATES[before]}" | median)
after=$(echo "${RATES[after]}" | median)
awk -v b="$before" -v a="$after" 'BEGIN {printf "median emails/s: before %.0f, after %.0f (%+.0f %%)\n", b, a, (a - b) * 100 / b}'
