#!/bin/sh
# archive_command of the primary: safecampus-archive-wal %p %f
# Copies one finished WAL segment into the archive, never over an existing one (PostgreSQL
# retries a failed archive_command, and keeps the segment until it succeeds). Point
# WAL_ARCHIVE at storage that is not the database's own disk (NFS, or a mounted bucket).
set -eu
WAL_ARCHIVE="${WAL_ARCHIVE:-/var/backups/safecampus/wal}"
src="$1"
name="$2"
if [ -f "$WAL_ARCHIVE/$name" ]; then
  # Already archived (a retry after a crash): fine if it is the same segment.
  cmp -s "$src" "$WAL_ARCHIVE/$name" && exit 0
  echo "archive-wal: $name already archived with other content" >&2
  exit 1
fi
cp "$src" "$WAL_ARCHIVE/$name.part"
sync "$WAL_ARCHIVE/$name.part" 2>/dev/null || sync
mv "$WAL_ARCHIVE/$name.part" "$WAL_ARCHIVE/$name"
