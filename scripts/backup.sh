#!/bin/sh
# Postgres backups: what docker compose's `backup` service runs (in the postgres image, which
# has pg_dump and pg_restore). The connection comes from libpq's variables: PGHOST, PGPORT,
# PGUSER, PGPASSWORD and PGDATABASE (the database to back up).
#
#   backup.sh                          every day at BACKUP_HOUR (UTC, default 3): one dump
#   backup.sh now                      one dump now; prints its path
#   backup.sh restore FILE DATABASE    create DATABASE (it must not exist) and restore FILE into it
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

seconds_until_next_run() {
  now=$(date -u +%s)
  next=$((now / 86400 * 86400 + BACKUP_HOUR * 3600))
  [ "$next" -gt "$now" ] || next=$((next + 86400))
  echo $((next - now))
}

case "${1:-daily}" in
  daily)
    mkdir -p "$BACKUP_DIR"
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
  *)
    echo "usage: backup.sh [daily | now | restore FILE DATABASE]" >&2
    exit 2
    ;;
esac
