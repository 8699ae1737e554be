#!/usr/bin/env bash
# The owner's view and the paywall's access answer at scale, before and after: for each size
# (default 10,000 members; see bench/owner.py for the mix), a database of its own is seeded once
# and this tree times the members export streamed whole, the dashboard's figures, and one
# reader's access answer uncached for each source of access (each the median of 25 runs).
# BENCH_BEFORE (a git revision, default the one before issue 24's teams) times its access answer
# on the same members, from a worktree, side by side: a figure that grows is a regression.
#
#   bash bench/owner.sh                 # 10,000 members
#   OWNER_SIZES="10000 50000" bash bench/owner.sh
BENCH_DB="${BENCH_DB:-alphacode_owner_bench}"
source "$(dirname "$0")/common.sh"
SIZES="${OWNER_SIZES:-10000}"
BEFORE_REV="${BENCH_BEFORE:-58dc9dc}"
BEFORE_DIR="$ROOT/bench/.before-owner"
trap 'git -C "$ROOT" worktree remove --force "$BEFORE_DIR" 2>/dev/null || true' EXIT

sql() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -U postgres -qtA "$@"; }

git -C "$ROOT" worktree remove --force "$BEFORE_DIR" 2>/dev/null || true
git -C "$ROOT" worktree add --detach "$BEFORE_DIR" "$BEFORE_REV" >/dev/null 2>&1

echo "this tree: $(git -C "$ROOT" log -1 --format=%h); before: $(git -C "$ROOT" log -1 --format=%h "$BEFORE_REV")"
for size in $SIZES; do
  sql -c "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
  sql -c "CREATE DATABASE $BENCH_DB" >/dev/null
  "$PY" manage.py migrate --noinput -v0
  "$PY" bench/owner.py seed "$size"
  sql -d "$BENCH_DB" -c "VACUUM ANALYZE" >/dev/null
  echo "--- after (this tree)"
  "$PY" bench/owner.py time
  echo "--- before ($BEFORE_REV): the access answer on the same members (it knew no teams or gifts)"
  (cd "$BEFORE_DIR" && "$PY" - <<'PY'
import os, statistics, sys, time
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alphacode.settings")
import django
django.setup()
from accounts.models import User
from billing import entitlements
from billing.models import ComplimentaryAccess, Subscription

def median_ms(user):
    times = []
    for _ in range(25):
        start = time.perf_counter()
        entitlements._access(user)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)

own = Subscription.objects.filter(status="active").order_by("pk").values_list("user", flat=True).first()
gift = ComplimentaryAccess.objects.order_by("pk").values_list("user", flat=True).first()
nothing = User.objects.filter(subscriptions__isnull=True, complimentary_access__isnull=True).order_by("pk").values_list("pk", flat=True).first()
for label, pk in (("paying for themselves", own), ("with a gift", gift), ("with nothing", nothing)):
    user = User.objects.get(pk=pk)
    print(f"access answer uncached, a member {label + ':':24} {median_ms(user):6.2f} ms")
PY
  )
done
sql -c "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null
