#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database (create it first: createdb -O frontdoor NAME).
#
#   deploy/restore.sh FILE
#
# The database: FRONTDOOR_DATABASE_URL, else the env file's, else the PG* variables (database.sh).
# A database holding any table, sequence, view or type is refused: restore never merges or overwrites.
# All or nothing: one transaction, stopped at the first error.
set -euo pipefail

# shellcheck source=deploy/database.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/database.sh"

[[ $# -eq 1 ]] || die "usage: ${0##*/} FILE"
dump=$1
[[ -r $dump ]] || die "cannot read $dump"
pg_restore --list "$dump" >/dev/null || die "$dump is not a pg_dump custom-format archive"
resolve_database

psql_value() {
    psql "${DATABASE_ARGS[@]}" --no-psqlrc --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 --command="$1"
}

user_objects="
  SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_')
       + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE t.typtype IN ('e', 'd', 'r') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_')"
database=$(psql_value "SELECT current_database()")
found=$(psql_value "$user_objects")
[[ $found == 0 ]] || die "database $database is not empty ($found tables, sequences, views or types): restore only into a new, empty database"

pg_restore "${DATABASE_ARGS[@]}" --no-owner --no-privileges --single-transaction --exit-on-error "$dump"
psql_value "ANALYZE" >/dev/null  # fresh planner statistics: pg_restore copies none
echo "restored $dump into $database"
