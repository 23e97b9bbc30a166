#!/bin/sh
# Back up Jeugdkennis: the PostgreSQL database (pg_dump, custom format) and the documents folder.
#
#   DATABASE_URL=postgresql+psycopg://... DOCUMENTS_DIR=/var/lib/jeugdkennis/documents \
#   BACKUP_DIR=/var/backups/jeugdkennis deploy/backup.sh
#
# Writes BACKUP_DIR/db/jeugdkennis-<UTC stamp>.dump and keeps BACKUP_DIR/documents/ as a mirror of
# DOCUMENTS_DIR/files. Document files are named by their SHA-256 and never change, so the mirror only grows
# (nothing in it is overwritten or deleted): a dump always finds the files its rows name, even a file deleted
# on the server after the dump was taken. The mirror is copied once before and once after the dump, so a file
# committed while the dump ran is there too. Dumps older than BACKUP_KEEP_DAYS (default 14) are deleted.
# Run it from the jeugdkennis-backup timer on ONE machine (or anywhere the database and DOCUMENTS_DIR can be
# read); copy BACKUP_DIR off the machine (restic, borg, rsync to another site): a backup on the same disk is no
# backup. deploy/restore-drill.sh proves that a backup restores.
set -eu

: "${DATABASE_URL:?set DATABASE_URL (the same as the app)}"
: "${DOCUMENTS_DIR:?set DOCUMENTS_DIR (the same as the app)}"
: "${BACKUP_DIR:?set BACKUP_DIR}"
KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"

# pg_dump speaks libpq URLs, not SQLAlchemy's "postgresql+psycopg://".
PG_URL=$(printf '%s' "$DATABASE_URL" | sed -e 's|^postgresql+[a-z0-9]*://|postgresql://|')
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR/db" "$BACKUP_DIR/documents"

mirror_documents() {
    if [ -d "$DOCUMENTS_DIR/files" ]; then
        # -a keeps times and modes; --ignore-existing never rewrites a file the mirror has (names are checksums).
        rsync -a --ignore-existing "$DOCUMENTS_DIR/files/" "$BACKUP_DIR/documents/"
    fi
}

started=$(date +%s)
mirror_documents
# A consistent snapshot (one transaction); custom format restores table by table and in parallel.
pg_dump --format=custom --no-owner --no-privileges --file="$BACKUP_DIR/db/jeugdkennis-$stamp.dump.part" "$PG_URL"
mv "$BACKUP_DIR/db/jeugdkennis-$stamp.dump.part" "$BACKUP_DIR/db/jeugdkennis-$stamp.dump"
mirror_documents
find "$BACKUP_DIR/db" -name 'jeugdkennis-*.dump' -mtime +"$KEEP_DAYS" -delete
size=$(du -sh "$BACKUP_DIR/db/jeugdkennis-$stamp.dump" | cut -f1)
files=$(find "$BACKUP_DIR/documents" -type f | wc -l)
echo "backup $stamp: database $size, documents mirror $files file(s), $(($(date +%s) - started)) s"
