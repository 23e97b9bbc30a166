#!/bin/sh
# Restore drill: restore the newest backup (deploy/backup.sh) into a scratch database and folder, and check it.
#
#   DATABASE_URL=postgresql+psycopg://postgres@db:5432/jeugdkennis BACKUP_DIR=/var/backups/jeugdkennis \
#   deploy/restore-drill.sh [--keep]
#
# DATABASE_URL only says which PostgreSQL server to use: the drill creates jk_restore_drill_<stamp> next to
# the live database (never touching it), restores the dump there with pg_restore, copies the documents mirror
# into a temporary DOCUMENTS_DIR, then runs, against the restored copy:
#   - `flask db current` must name the newest migration (`flask db heads`), i.e. the schema is whole;
#   - row counts of the main tables (printed, and compared with the live database when the dump is fresh);
#   - `flask documents check`: every document row has its file, with the right SHA-256.
# The scratch database and folder are dropped at the end unless --keep is given. Exit status 0: the backup
# restores. The real restore is the same commands with the live database's name (see docs/deploy.md).
set -eu

: "${DATABASE_URL:?set DATABASE_URL (the server to restore on; the live database is not touched)}"
: "${BACKUP_DIR:?set BACKUP_DIR}"
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1

dump=$(ls -1 "$BACKUP_DIR"/db/jeugdkennis-*.dump 2>/dev/null | sort | tail -n 1)
[ -n "$dump" ] || { echo "restore drill: no dump in $BACKUP_DIR/db" >&2; exit 1; }

PG_URL=$(printf '%s' "$DATABASE_URL" | sed -e 's|^postgresql+[a-z0-9]*://|postgresql://|')
# The server part of the URL (everything before the last /database[?options]).
SERVER_URL=$(printf '%s' "$PG_URL" | sed -e 's|/[^/?]*\(?.*\)\{0,1\}$||')
scratch="jk_restore_drill_$(date -u +%Y%m%d%H%M%S)"
work=$(mktemp -d)
started=$(date +%s)

cleanup() {
    if [ "$KEEP" = 0 ]; then
        psql -q "$SERVER_URL/postgres" -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null || true
        rm -rf "$work"
    else
        echo "kept: database $scratch, documents $work/documents"
    fi
}
trap cleanup EXIT

echo "restore drill: $dump -> database $scratch"
psql -q "$SERVER_URL/postgres" -c "CREATE DATABASE \"$scratch\""
pg_restore --no-owner --no-privileges --exit-on-error --jobs=2 --dbname="$SERVER_URL/$scratch" "$dump"
mkdir -p "$work/documents/files"
if [ -d "$BACKUP_DIR/documents" ]; then
    rsync -a "$BACKUP_DIR/documents/" "$work/documents/files/"
fi

export FLASK_APP=wsgi.py
export EXCHANGE_CONFIG="${EXCHANGE_CONFIG:-config.Config}"
export SECRET_KEY="${SECRET_KEY:-restore-drill-$(python -c 'import secrets; print(secrets.token_urlsafe(32))')}"
export DATABASE_URL="postgresql+psycopg://${SERVER_URL#postgresql://}/$scratch"
export DOCUMENTS_DIR="$work/documents"
export SEARCH_INDEX_DIR="$work/search-index"
export MAIL_FOLDER="$work/mail"

current=$(flask db current 2>/dev/null | awk '{print $1}' | tail -n 1)
head=$(flask db heads 2>/dev/null | awk '{print $1}' | tail -n 1)
echo "schema: restored at $current, code expects $head"
[ -n "$current" ] && [ "$current" = "$head" ] || { echo "restore drill: FAILED (schema)" >&2; exit 1; }

for table in practice practice_revision result document region user subscriber delivery outgoing_mail audit_event; do
    restored=$(psql -At "$SERVER_URL/$scratch" -c "SELECT count(*) FROM \"$table\"" 2>/dev/null || echo "-")
    live=$(psql -At "$PG_URL" -c "SELECT count(*) FROM \"$table\"" 2>/dev/null || echo "-")
    echo "  $table: $restored rows restored ($live live now)"
done

flask documents check || { echo "restore drill: FAILED (documents)" >&2; exit 1; }
echo "restore drill: OK in $(($(date +%s) - started)) s"
