# shellcheck shell=bash
# Which PostgreSQL database backup.sh and restore.sh work on; sourced by both, not run.
#
# FRONTDOOR_DATABASE_URL from the environment, else its line in the env file (FRONTDOOR_ENV_FILE,
# default /etc/frontdoor/frontdoor.env), else libpq's own PGHOST, PGPORT, PGUSER, PGDATABASE,
# PGPASSWORD or ~/.pgpass (PGDATABASE required). Sets DATABASE_ARGS for pg_dump, pg_restore and psql.

die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

# shellcheck disable=SC2034  # DATABASE_ARGS is read by the scripts that source this file
resolve_database() {
    local url=${FRONTDOOR_DATABASE_URL:-}
    local env_file=${FRONTDOOR_ENV_FILE:-/etc/frontdoor/frontdoor.env}
    if [[ -z $url && -r $env_file ]]; then
        url=$(sed -n 's/^[[:space:]]*FRONTDOOR_DATABASE_URL=//p' "$env_file" | tail -n 1)
        url=${url#[\"\']}
        url=${url%[\"\']}
    fi
    if [[ -z $url ]]; then
        [[ -n ${PGDATABASE:-} ]] || die "set FRONTDOOR_DATABASE_URL (or PGDATABASE and the other PG* variables)"
        DATABASE_ARGS=("--dbname=$PGDATABASE")
        return 0
    fi
    case $url in
        postgresql://* | postgresql+*://* | postgres://*) ;;
        *) die "FRONTDOOR_DATABASE_URL is not PostgreSQL (${url%%:*}): these scripts handle PostgreSQL only" ;;
    esac
    url="postgresql://${url#*://}"  # SQLAlchemy's driver (postgresql+psycopg://) means nothing to libpq
    # The password goes to PGPASSWORD (percent-decoded), not onto a command line any local user can read.
    if [[ $url =~ ^postgresql://([^:@/]*):([^@/]*)@(.*)$ ]]; then
        PGPASSWORD=$(printf '%b' "${BASH_REMATCH[2]//%/\\x}")
        export PGPASSWORD
        url="postgresql://${BASH_REMATCH[1]}@${BASH_REMATCH[3]}"
    fi
    DATABASE_ARGS=("--dbname=$url")
}
