#!/usr/bin/env bash
# A throwaway PostgreSQL 15 + PostGIS primary and a streaming replica on loopback, for the cluster
# tests (cluster/, `npm run test:cluster`). Separate from .ci/postgres.sh: its own folder and ports.
#   .ci/postgres-cluster.sh start [primary port] [replica port]  → prints the primary's URL, then the replica's
#   .ci/postgres-cluster.sh stop                                  → stops both (the folder stays for the logs)
#   .ci/postgres-cluster.sh restart-primary                       → pg_ctl restart -m fast of the primary
#   .ci/postgres-cluster.sh stop-replica | start-replica
# The replica is a pg_basebackup -R of the primary with a physical replication slot, so it catches
# up after a restart of either side. PostgreSQL refuses to run as root, so both clusters belong to
# the `postgres` system user.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
DIR=${GRIDWORK_PG_CLUSTER_DIR:-/tmp/gridwork-ci-pg-cluster}
PRIMARY_PORT=${2:-${GRIDWORK_CLUSTER_PG_PORT:-54350}}
REPLICA_PORT=${3:-$((PRIMARY_PORT + 1))}
# The later commands take the ports the cluster was started with.
if [ "${1:-}" != start ] && [ -f "$DIR/ports" ]; then read -r PRIMARY_PORT REPLICA_PORT <"$DIR/ports"; fi
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_ctl_of() { as_postgres "$PGBIN/pg_ctl" -D "$DIR/$1" "${@:2}"; }
# Test settings: no fsync (a crash of the machine loses the throwaway data, a crash of a server
# does not), quick checkpoints, a short wal_receiver retry so the replica reconnects at once.
OPTIONS="-k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c wal_retrieve_retry_interval=200ms"

case "${1:-}" in
  start)
    for node in primary replica; do
      if [ -f "$DIR/$node/postmaster.pid" ]; then pg_ctl_of "$node" -m immediate stop >/dev/null 2>&1 || true; fi
    done
    rm -rf "$DIR" && mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    echo "$PRIMARY_PORT $REPLICA_PORT" >"$DIR/ports"
    as_postgres "$PGBIN/initdb" -D "$DIR/primary" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log"
    pg_ctl_of primary -l "$DIR/primary.log" -w -o "-p $PRIMARY_PORT $OPTIONS -c synchronous_commit=off" start >/dev/null
    as_postgres "$PGBIN/createdb" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres gridwork
    psql -q -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d gridwork -c 'CREATE EXTENSION postgis' >/dev/null
    # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1.
    as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DIR/replica" \
      -R -X stream -C -S gridwork_replica --checkpoint=fast >"$DIR/basebackup.log" 2>&1
    pg_ctl_of replica -l "$DIR/replica.log" -w -o "-p $REPLICA_PORT $OPTIONS" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$PRIMARY_PORT/gridwork"
    echo "postgres://postgres@127.0.0.1:$REPLICA_PORT/gridwork"
    ;;
  stop)
    for node in replica primary; do
      if [ -d "$DIR/$node" ]; then pg_ctl_of "$node" -m fast stop >/dev/null 2>&1 || true; fi
    done
    ;;
  restart-primary)
    # pg_ctl restart reuses the options of the last start (postmaster.opts).
    pg_ctl_of primary -l "$DIR/primary.log" -w -m fast restart >/dev/null
    ;;
  stop-replica)
    pg_ctl_of replica -w -m fast stop >/dev/null
    ;;
  start-replica)
    # pg_ctl start, unlike restart, does not reuse the last options: without them the replica
    # would come back on the default port 5432 and socket directory.
    pg_ctl_of replica -l "$DIR/replica.log" -w -o "-p $REPLICA_PORT $OPTIONS" start >/dev/null
    ;;
  *)
    echo "usage: $0 start [primary port] [replica port] | stop | restart-primary | stop-replica | start-replica" >&2
    exit 2
    ;;
esac
