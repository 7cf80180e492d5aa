#!/bin/sh
# Nightly base backup (cron, as postgres): safecampus-base-backup
# A compressed pg_basebackup with the WAL it needs, then the backups beyond KEEP and the WAL
# archived before the oldest kept backup are removed. Together with the WAL archive this
# allows recovery to any moment since the oldest kept backup (docs/deployment.md).
set -eu
BACKUPS="${BACKUPS:-/var/backups/safecampus/base}"
WAL_ARCHIVE="${WAL_ARCHIVE:-/var/backups/safecampus/wal}"
KEEP="${KEEP:-7}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER

target="$BACKUPS/$(date +%Y-%m-%dT%H%M%S)"
mkdir -p "$BACKUPS"
pg_basebackup -D "$target.part" -Ft -z -X stream --checkpoint=fast --label="safecampus $(date -Iseconds)"
mv "$target.part" "$target"
echo "base-backup: $target"

# Keep the newest KEEP backups, and the WAL from the oldest of them on.
backups() { ls -1d "$BACKUPS"/*/ 2>/dev/null | grep -v '\.part/$' | sort; }
backups | head -n "-$KEEP" | while read -r old; do
  rm -rf "$old"
done
oldest="$(backups | head -n 1)"
label="$(tar -xzOf "$oldest/base.tar.gz" backup_label | sed -n 's/^START WAL LOCATION: .* (file \(.*\))$/\1/p')"
if [ -n "$label" ]; then
  pg_archivecleanup "$WAL_ARCHIVE" "$label"
fi
