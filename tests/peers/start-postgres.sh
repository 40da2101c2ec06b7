#!/usr/bin/env bash
# Start a private PostgreSQL server (Debian's postgresql package) on
# 127.0.0.1:PORT, in the background, as an unprivileged user: `nobody` when run
# as root (PostgreSQL refuses to run as root), the caller otherwise.
# usage: start-postgres.sh PORT STATE_DIR
# The cluster lives in a fresh /tmp/cloudsync-pg.XXXXXX (the state directory
# may not be reachable by `nobody`); it is made with a random superuser
# password, password (SCRAM) authentication over TCP, and fsync off (a test
# server: the tests kill clients, never the server).
# Writes STATE_DIR/postgres.pid (a keeper: on SIGTERM it stops the server at
# once and deletes the cluster), postgres.log (initdb's output) and postgres.env (PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE, POSTGRES_CONNINFO without the password,
# POSTGRES_BIN). Prints the keeper's PID.
set -euo pipefail
PORT=${1:?port}; DIR=${2:?state dir}
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then echo "port $PORT is already in use" >&2; exit 1; fi
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$BIN/postgres" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
DATA=$(mktemp -d /tmp/cloudsync-pg.XXXXXX)
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  chown nobody:nogroup "$DATA"
  as_server=(runuser -u nobody --)
fi
PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$PASSWORD" >"$DATA/pwfile"
[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$DATA/pwfile"
# initdb's output goes to the state directory (written by this shell); the
# server's own log stays in the cluster's folder, which the server's user can
# reach, and is copied here when the server does not start.
LOG="$DIR/postgres.log"; : >"$LOG"
SERVER_LOG="$DATA/server.log"
"${as_server[@]}" "$BIN/initdb" -D "$DATA/cluster" -U cloudsync --pwfile="$DATA/pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 -N >>"$LOG" 2>&1 \
  || { echo "initdb failed:" >&2; tail -20 "$LOG" >&2; rm -rf "$DATA"; exit 1; }
rm -f "$DATA/pwfile"
"${as_server[@]}" "$BIN/pg_ctl" -D "$DATA/cluster" -l "$SERVER_LOG" -w -t 60 start -o \
  "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DATA -c fsync=off \
   -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=32MB" >/dev/null \
  || { cat "$SERVER_LOG" >>"$LOG" 2>/dev/null; echo "postgres did not start:" >&2; tail -20 "$LOG" >&2;
       rm -rf "$DATA"; exit 1; }
# The keeper: the process the state directory's pid file names. Stopping it
# (SIGTERM from stop-peers.sh or the C++ PeerServer) stops the server with
# fast shutdown and removes the cluster; it also goes when the server dies.
KEEPER_SCRIPT='
  stop() { '"${as_server[*]:-}"' "$1/pg_ctl" -D "$2/cluster" stop -m immediate >/dev/null 2>&1; rm -rf "$2"; exit 0; }
  trap "stop \"$0\" \"$1\"" TERM INT
  while [ -f "$1/cluster/postmaster.pid" ]; do sleep 1 & wait $!; done
  rm -rf "$1"'
nohup bash -c "$KEEPER_SCRIPT" "$BIN" "$DATA" >/dev/null 2>&1 &
KEEPER=$!; echo "$KEEPER" >"$DIR/postgres.pid"
cat >"$DIR/postgres.env" <<ENV
PGHOST=127.0.0.1
PGPORT=$PORT
PGUSER=cloudsync
PGPASSWORD=$PASSWORD
PGDATABASE=postgres
POSTGRES_CONNINFO=host=127.0.0.1 port=$PORT user=cloudsync dbname=postgres
POSTGRES_BIN=$BIN
ENV
echo "$KEEPER"
