#!/usr/bin/env bash
# Back up frontdoor's PostgreSQL database: pg_dump's custom format, restored with restore.sh.
#
#   deploy/backup.sh [FILE]        FILE: default ./frontdoor-<UTC time>.dump; never overwritten
#
# The database: FRONTDOOR_DATABASE_URL, else the env file's, else the PG* variables (database.sh).
# The dump holds residents' personal data: it is written readable by its owner only.
set -euo pipefail

# shellcheck source=deploy/database.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/database.sh"

[[ $# -le 1 ]] || die "usage: ${0##*/} [FILE]"
out=${1:-frontdoor-$(date -u +%Y%m%dT%H%M%SZ).dump}
[[ ! -e $out ]] || die "$out exists: choose another file"
resolve_database

umask 077
partial="$out.partial"
trap 'rm -f -- "$partial"' EXIT
pg_dump "${DATABASE_ARGS[@]}" --format=custom --lock-wait-timeout=60s --file="$partial"
pg_restore --list "$partial" >/dev/null  # a readable archive, or no backup at all
mv -- "$partial" "$out"
trap - EXIT
echo "backup written to $out ($(du -h -- "$out" | cut -f1))"
