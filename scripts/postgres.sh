#!/usr/bin/env bash
# Installs (if needed) and starts a throwaway PostgreSQL for the test suite on 127.0.0.1:${KL_PG_PORT:-54329}.
# Prints the server URL the tests use (KL_TEST_POSTGRES_URL). Idempotent: a running server is reused.
set -euo pipefail

PORT="${KL_PG_PORT:-54329}"
DATA="${KL_PG_DATA:-/tmp/kompetenslyft-pg-$PORT}"
URL="postgresql+psycopg://kl:kl@127.0.0.1:$PORT/postgres"

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(bin_dir)" ]; then
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL is not installed; run as root or apt-get install postgresql" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi
BIN="$(bin_dir)"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

if ! as_postgres "'$BIN/pg_isready' -q -h 127.0.0.1 -p $PORT"; then
  if [ ! -s "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DATA"
    as_postgres "'$BIN/initdb' -D '$DATA' -U postgres --auth=trust -E UTF8 >/dev/null"
  fi
  as_postgres "'$BIN/pg_ctl' -D '$DATA' -l '$DATA/server.log' -w -o \"-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start >/dev/null"
fi
as_postgres "'$BIN/psql' -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_roles WHERE rolname='kl'\" | grep -q 1 || '$BIN/psql' -q -h 127.0.0.1 -p $PORT -U postgres -c \"CREATE ROLE kl LOGIN SUPERUSER PASSWORD 'kl'\""
echo "$URL"
