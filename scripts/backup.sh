#!/bin/sh
# Postgres backups: what docker compose's `backup` service runs (in the postgres image, which
# has pg_dump and pg_restore). The connection comes from libpq's variables: PGHOST, PGPORT,
# PGUSER, PGPASSWORD and PGDATABASE (the database to back up).
#
#   backup.sh                          every day at BACKUP_HOUR (UTC, default 3): one dump
#   backup.sh now                      one dump now; prints its path
#   backup.sh restore FILE DATABASE    create DATABASE (it must not exist) and restore FILE into it
#   backup.sh health                   the service's health check (see health below)
#
# A dump is `pg_dump --format=custom` to BACKUP_DIR (default /backups), named
# <database>-<UTC time>.dump; after each dump only the newest BACKUP_KEEP (default 14) are kept.
set -eu

BACKUP_DIR="${BACKUP_DIR:-/backups}"
BACKUP_KEEP="${BACKUP_KEEP:-14}"
BACKUP_HOUR="${BACKUP_HOUR:-3}"

dump() {
  : "${PGDATABASE:?set PGDATABASE to the database to back up}"
  file="$BACKUP_DIR/$PGDATABASE-$(date -u +%Y-%m-%dT%H%M%SZ).dump"
  # Written under another name first, so a dump that fails half-way is never taken for a
  # backup, and never pushes a good one out of the last BACKUP_KEEP.
  if ! pg_dump --format=custom --file="$file.partial" "$PGDATABASE"; then
    rm -f "$file.partial"
    echo "backup of $PGDATABASE failed" >&2
    return 1
  fi
  mv "$file.partial" "$file"
  prune
  echo "$file"
}

prune() {
  # The UTC time in the names sorts them oldest first.
  find "$BACKUP_DIR" -maxdepth 1 -name "$PGDATABASE-*.dump" | sort -r \
    | tail -n "+$((BACKUP_KEEP + 1))" | while read -r old; do rm -f "$old"; done
}

restore() {
  file="$1"
  database="$2"
  [ -f "$file" ] || { echo "no such dump: $file" >&2; return 1; }
  createdb "$database"
  # One transaction that stops at the first error: the new database holds all of the dump
  # or, if anything fails, none of it.
  pg_restore --dbname="$database" --no-owner --exit-on-error --single-transaction "$file"
  echo "restored $file into $database"
}

# A day and an hour, in minutes: a nightly dump is at most a day old when the next one starts,
# and gets an hour to finish.
LATE_MINUTES=1500

health() {
  # Healthy: the database answers (tonight's dump can be taken) and a dump finished in the last
  # 25 hours, or the daily loop started less than 25 hours ago (its first night has not come).
  # A failed night, or a loop stuck on a dump, turns the service unhealthy.
  : "${PGDATABASE:?set PGDATABASE to the database to back up}"
  if ! pg_isready --quiet; then
    echo "the database does not answer" >&2
    return 1
  fi
  recent=$(find "$BACKUP_DIR" -maxdepth 1 \( -name "$PGDATABASE-*.dump" -o -name .daily-started \) \
    -mmin "-$LATE_MINUTES" | head -n 1)
  if [ -z "$recent" ]; then
    echo "no dump of $PGDATABASE finished in the last 25 hours" >&2
    return 1
  fi
}

seconds_until_next_run() {
  now=$(date -u +%s)
  next=$((now / 86400 * 86400 + BACKUP_HOUR * 3600))
  [ "$next" -gt "$now" ] || next=$((next + 86400))
  echo $((next - now))
}

case "${1:-daily}" in
  daily)
    mkdir -p "$BACKUP_DIR"
    # When the loop started, for the health check: no dump is due before the first night.
    touch "$BACKUP_DIR/.daily-started"
    echo "backing up $PGDATABASE to $BACKUP_DIR daily at $BACKUP_HOUR:00 UTC, keeping $BACKUP_KEEP"
    while :; do
      sleep "$(seconds_until_next_run)"
      # A failed night is reported and retried the next night; the service keeps running.
      dump || true
    done
    ;;
  now)
    mkdir -p "$BACKUP_DIR"
    dump
    ;;
  restore)
    [ $# -eq 3 ] || { echo "usage: backup.sh restore FILE DATABASE" >&2; exit 2; }
    restore "$2" "$3"
    ;;
  health)
    health
    ;;
  *)
    echo "usage: backup.sh [daily | now | restore FILE DATABASE | health]" >&2
    exit 2
    ;;
esac
