#!/usr/bin/env bash
# Start a local PostgreSQL server for the storage tests and print its URL (idempotent; Debian, run as root).
#
# Installs Debian's `postgresql` if it is missing, creates and starts a cluster listening on
# 127.0.0.1:5432, creates the role and database `candid_test` (password: $CANDID_TEST_POSTGRES_PASSWORD,
# default `candid_test`) and prints the SQLAlchemy URL on stdout; everything else goes to stderr:
#
#   export CANDID_TEST_POSTGRES_URL="$(bash scripts/start_postgres.sh)"
set -euo pipefail

PORT="${CANDID_TEST_POSTGRES_PORT:-5432}"
NAME=candid_test
PASSWORD="${CANDID_TEST_POSTGRES_PASSWORD:-candid_test}"

log() { echo "start_postgres: $*" >&2; }

if [[ "$(id -u)" != 0 ]]; then
    log "must run as root (it installs packages and starts the server as the postgres user)"
    exit 1
fi

if ! command -v pg_lsclusters >/dev/null || [[ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]]; then
    log "installing postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    log "creating cluster $VERSION/main on port $PORT"
    pg_createcluster "$VERSION" main --port "$PORT" >&2
fi
CLUSTER_PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')"
if [[ "$CLUSTER_PORT" != "$PORT" ]]; then
    log "cluster $VERSION/main is configured for port $CLUSTER_PORT, not $PORT; set CANDID_TEST_POSTGRES_PORT"
    exit 1
fi

if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    log "starting cluster $VERSION/main"
    pg_ctlcluster "$VERSION" main start >&2
fi

for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 1
done
if ! pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    log "PostgreSQL did not accept connections on 127.0.0.1:$PORT within 30 s (see /var/log/postgresql/)"
    exit 1
fi

psql_admin() { runuser -u postgres -- psql -p "$PORT" -X -q -v ON_ERROR_STOP=1 "$@"; }

# The password is a fixed test credential, so passing it on the command line is fine here.
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$NAME'")" != 1 ]]; then
    log "creating role $NAME"
    psql_admin -c "CREATE ROLE $NAME LOGIN PASSWORD '$PASSWORD'" >&2
else
    psql_admin -c "ALTER ROLE $NAME LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$NAME'")" != 1 ]]; then
    log "creating database $NAME"
    psql_admin -c "CREATE DATABASE $NAME OWNER $NAME" >&2
fi

echo "postgresql+psycopg://$NAME:$PASSWORD@127.0.0.1:$PORT/$NAME"
