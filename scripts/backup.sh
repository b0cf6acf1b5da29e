#!/bin/sh
# Back up the chat server: its PostgreSQL database and its uploads.
#
#   DATABASE_URL=postgres://chat:...@db:5432/chat MEDIA_ROOT=/app/media scripts/backup.sh /backups
#   docker compose run --rm backup              # the same, in the compose `backup` tool
#
# Writes DEST/<UTC time>/ with db.dump (pg_dump's custom format: compressed, restored
# with pg_restore, table by table), media.tar.gz (MEDIA_ROOT; skipped when unset — uploads
# in S3 are backed up by the bucket's own versioning) and SHA256SUMS; a backup that did
# not finish stays hidden as .<time>.partial. The database is dumped first: files
# uploaded meanwhile are in the archive too, never a row without its file. Keeps the
# newest BACKUP_KEEP (14) backups in DEST. Restore with scripts/restore.sh.
set -eu

dest_root="${1:?usage: backup.sh DEST_DIR}"
: "${DATABASE_URL:?set DATABASE_URL}"
keep="${BACKUP_KEEP:-14}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
partial="$dest_root/.$stamp.partial"

mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" \
    --file="$partial/db.dump"
if [ -n "${MEDIA_ROOT:-}" ]; then
    tar -C "$MEDIA_ROOT" -czf "$partial/media.tar.gz" .
fi
(cd "$partial" && sha256sum db.dump $( [ -f media.tar.gz ] && echo media.tar.gz ) > SHA256SUMS)
mv "$partial" "$dest_root/$stamp"
trap - EXIT

# Retention: the newest $keep backups stay.
ls -1d "$dest_root"/*Z 2>/dev/null | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
    rm -rf "$old"
done
echo "$dest_root/$stamp"
