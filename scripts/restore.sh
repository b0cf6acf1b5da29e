#!/bin/sh
# Restore a backup of scripts/backup.sh: REPLACES the database at DATABASE_URL and the
# files in MEDIA_ROOT with the backup's. Stop the web replicas first (docs/operations.md,
# "Restore"), then run migrate: a backup of an older release is brought up to this one.
#
#   DATABASE_URL=postgres://... MEDIA_ROOT=/app/media scripts/restore.sh /backups/<time> --yes
#   docker compose run --rm --entrypoint /scripts/restore.sh backup /backups/<time> --yes
#
# The checksums are verified first; the database is restored in one transaction (all or
# nothing), then the uploads.
set -eu

src="${1:?usage: restore.sh BACKUP_DIR --yes}"
: "${DATABASE_URL:?set DATABASE_URL}"
if [ "${2:-}" != "--yes" ]; then
    echo "restore.sh replaces the database and the uploads: add --yes to go on" >&2
    exit 2
fi
(cd "$src" && sha256sum --check --quiet SHA256SUMS) || {
    echo "restore.sh: $src does not match its SHA256SUMS: not restored" >&2
    exit 1
}
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error --dbname="$DATABASE_URL" "$src/db.dump"
if [ -f "$src/media.tar.gz" ]; then
    : "${MEDIA_ROOT:?set MEDIA_ROOT: the backup has uploads}"
    mkdir -p "$MEDIA_ROOT"
    find "$MEDIA_ROOT" -mindepth 1 -delete
    tar -C "$MEDIA_ROOT" -xzf "$src/media.tar.gz"
fi
echo "restored $src"
