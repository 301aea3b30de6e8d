#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL 15 + PostGIS cluster on a local port for tests.
#   .ci/postgres.sh start [port]   → prints the DATABASE_URL to use
#   .ci/postgres.sh stop
# PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` system user.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
DIR=${GRIDWORK_PG_DIR:-/tmp/gridwork-ci-pg}
PORT=${2:-${GRIDWORK_PG_PORT:-54329}}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    if [ -f "$DIR/data/postmaster.pid" ]; then as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$DIR" && mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    as_postgres "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
    as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
    as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres gridwork
    psql -q -h 127.0.0.1 -p "$PORT" -U postgres -d gridwork -c 'CREATE EXTENSION postgis' >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/gridwork"
    ;;
  stop)
    as_postgres "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start [port] | stop" >&2
    exit 2
    ;;
esac
