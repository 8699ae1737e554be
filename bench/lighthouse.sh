#!/usr/bin/env bash
# Lighthouse 12.2.3 (npm, Debian's Chromium) on the seed guide, a guide with every kind of block
# (bench/guides), the home page and a free practice problem (its editor and runner load, Python
# after the page is usable), served by
# gunicorn with production settings. Prints the four category scores for each page.
# Targets: performance >= 95, accessibility 100, best practices 100, SEO 100.
source "$(dirname "$0")/common.sh"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
LIGHTHOUSE="npx --yes lighthouse@12.2.3"

make -s static/build/.stamp
bench_prepare_database
bench_start_server

printf '%-44s %11s %13s %14s %5s\n' page performance accessibility best-practices seo
for path in /guides/fine-tuning-vs-prompting/ /guides/bench-every-block/ / /problems/pair-with-target-sum/; do
  name=$(echo "$path" | tr '/' '_' | sed 's/^_*$/home/; s/^_//; s/_$//')
  $LIGHTHOUSE "$BASE$path" --quiet --output=json --output-path="$OUT/lighthouse-$name.json" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync" \
    >/dev/null 2>&1 || { echo "lighthouse failed on $path" >&2; exit 1; }
  "$PY" - "$OUT/lighthouse-$name.json" "$path" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
scores = [round(report["categories"][c]["score"] * 100) for c in
          ("performance", "accessibility", "best-practices", "seo")]
print(f"{sys.argv[2]:<44} {scores[0]:>11} {scores[1]:>13} {scores[2]:>14} {scores[3]:>5}")
for c in ("performance", "accessibility", "best-practices", "seo"):
    for ref in report["categories"][c]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            print(f"    {c}: {audit['id']} ({audit['score']}) {audit['title']}")
PY
done
