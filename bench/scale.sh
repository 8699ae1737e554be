#!/usr/bin/env bash
# Scale: the library, a track page, search and the guide page with 100 guides, then with
# 10,000 guides and 100,000 users with subscriptions. Each time is the median server time of 25
# requests signed in as a subscriber, cold (caches cleared before each: what the database pays)
# and warm (as served); the target is that every page stays within 1.5x of its time at 100
# guides.
BENCH_DB="${BENCH_DB:-alphacode_scale}"
source "$(dirname "$0")/common.sh"
GUIDES="${SCALE_GUIDES:-10000}"
USERS="${SCALE_USERS:-100000}"

psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
bench_prepare_database
"$PY" bench/prepare.py subscriber >/dev/null
"$PY" bench/prepare.py seed 100 1000
psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -qc "VACUUM ANALYZE" >/dev/null
"$PY" bench/prepare.py timings small > "$OUT/scale.txt"
"$PY" bench/prepare.py seed "$GUIDES" "$USERS"
psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -qc "VACUUM ANALYZE" >/dev/null
"$PY" bench/prepare.py timings large >> "$OUT/scale.txt"

small=$(awk -F'\t' '$1=="small" {print $4; exit}' "$OUT/scale.txt")
large=$(awk -F'\t' '$1=="large" {print $4; exit}' "$OUT/scale.txt")
echo "cold: caches cleared before each request (the database's cost); warm: as served"
printf '%-16s %11s %11s %7s   %11s %11s %7s\n' page "cold small" "cold large" ratio \
  "warm small" "warm large" ratio
awk -F'\t' '$1=="small" {s[$2]=$3; ws[$2]=$5} $1=="large" {l[$2]=$3; wl[$2]=$5; order[++n]=$2}
  END {for (i=1; i<=n; i++) {k=order[i]; r=l[k]/s[k]; w=wl[k]/ws[k];
       printf "%-16s %11.2f %11.2f %6.2fx   %11.2f %11.2f %6.2fx\n", k, s[k], l[k], r,
              ws[k], wl[k], w}}' "$OUT/scale.txt"
echo "small: $small; large: $large"
