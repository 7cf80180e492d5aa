#!/bin/sh
# Point-in-time recovery into an empty data directory (docs/deployment.md, "Restoring"):
#   safecampus-restore-pitr BACKUP_DIR PGDATA 'YYYY-MM-DD HH:MM:SS+08'
# Unpacks the base backup, asks PostgreSQL to replay the archived WAL up to the given moment
# and then to open the database for writing. Start PostgreSQL on PGDATA afterwards; it
# replays, promotes, and logs "recovery stopping before commit ..." and "database system is
# ready to accept connections".
set -eu
backup="$1"
pgdata="$2"
target="$3"
WAL_ARCHIVE="${WAL_ARCHIVE:-/var/backups/safecampus/wal}"

if [ -n "$(ls -A "$pgdata" 2>/dev/null)" ]; then
  echo "restore-pitr: $pgdata is not empty; move the damaged cluster aside first" >&2
  exit 1
fi
mkdir -p "$pgdata"
chmod 700 "$pgdata"
tar -xzf "$backup/base.tar.gz" -C "$pgdata"
if [ -f "$backup/pg_wal.tar.gz" ]; then
  tar -xzf "$backup/pg_wal.tar.gz" -C "$pgdata/pg_wal"
fi
cat >>"$pgdata/postgresql.auto.conf" <<CONF
restore_command = 'cp $WAL_ARCHIVE/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
CONF
touch "$pgdata/recovery.signal"
echo "restore-pitr: $pgdata ready; start PostgreSQL on it to replay up to $target"
