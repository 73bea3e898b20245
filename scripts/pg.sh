#!/usr/bin/env bash
# A private PostgreSQL server for the relayer's PostgreSQL store (tests, the main job with
# --store postgres, the benchmarks), started and stopped like the wasmd node: Debian's
# `postgresql` package (installed with apt-get when missing), one cluster per name in the ignored
# folder .chain/pg/NAME, listening on 127.0.0.1 only, with a database `diachain` owned by the
# role `diachain`.
#
#   scripts/pg.sh start   [--name N] [--port P] [--db D]   starts it (initdb on first use),
#                                                  creates database D (default diachain) if
#                                                  missing; prints D's URL
#   scripts/pg.sh stop    [--name N] [--mode fast|immediate]
#   scripts/pg.sh restart [--name N] [--mode fast|immediate]
#   scripts/pg.sh url     [--name N] [--db D]     the URL of a cluster started before
#   scripts/pg.sh status  [--name N]
#   scripts/pg.sh psql    [--name N] [-- ARGS...]
#   scripts/pg.sh install                         installs the server package if missing
#
# Defaults: --name dev --port 28432. Authentication is `trust` on loopback: this cluster is for
# one machine's tests and demos; a custodian points the relayer at its own server with a
# password or a certificate in the URL (docs/relayer.md). initdb refuses to run as root, so as
# root the server runs as the `postgres` user the package creates.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

CMD=${1:-}
[ -n "$CMD" ] || DIE_STATUS=2 die "usage: scripts/pg.sh start|stop|restart|url|status|psql [--name N] [--port P]"
shift
NAME=dev PORT="" MODE=fast DB=diachain
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --mode) MODE=$2; shift 2 ;;
    --db) DB=$2; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) DIE_STATUS=2 die "unknown option $1" ;;
  esac
done
[[ "$NAME" =~ ^[A-Za-z0-9_-]+$ ]] || DIE_STATUS=2 die "--name: letters, digits, - and _ only"
[[ "$DB" =~ ^[a-z][a-z0-9_]*$ ]] || DIE_STATUS=2 die "--db: lower-case letters, digits and _ only"
DIR="$ROOT/.chain/pg/$NAME"
DATA="$DIR/data"

pg_bin() {
  local d
  d=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

install_pg() {
  pg_bin >/dev/null && return 0
  log "installing PostgreSQL (Debian package postgresql)"
  local s=""; [ "$(id -u)" = 0 ] || s="sudo -n"
  $s apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $s apt-get -o DPkg::Lock::Timeout=600 install -y -qq postgresql >/dev/null
  pg_bin >/dev/null || die "the postgresql package installed no server"
}

# Runs a server program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() { echo "postgres://diachain@127.0.0.1:$(cat "$DIR/port")/$DB"; }

running() { [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  install_pg
  BIN=$(pg_bin)
  mkdir -p "$DIR"
  if [ -n "$PORT" ] && [ "$PORT" != "$(cat "$DIR/port" 2>/dev/null)" ]; then
    running && die "cluster $NAME already runs on port $(cat "$DIR/port"), not $PORT (scripts/pg.sh stop --name $NAME first)"
    echo "$PORT" > "$DIR/port"
  fi
  [ -f "$DIR/port" ] || echo 28432 > "$DIR/port"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"; mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    chmod 700 "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -A trust -U diachain -E UTF8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  if ! running; then
    # The log lives beside the data, where the server's user may write.
    as_owner "$BIN/pg_ctl" -D "$DATA" -w -t 60 -l "$DATA/server.log" \
      -o "-p $(cat "$DIR/port") -k $DATA -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
      || { tail -20 "$DATA/server.log" >&2; die "the server did not start (log: $DATA/server.log)"; }
  fi
  if ! "$BIN/psql" -h 127.0.0.1 -p "$(cat "$DIR/port")" -U diachain -d postgres -tAc \
       "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    "$BIN/createdb" -h 127.0.0.1 -p "$(cat "$DIR/port")" -U diachain "$DB"
  fi
  url
}

stop() {
  BIN=$(pg_bin) || return 0
  if running; then
    as_owner "$BIN/pg_ctl" -D "$DATA" -m "$MODE" -w -t 60 stop >/dev/null
    log "stopped $NAME ($MODE)"
  fi
}

case "$CMD" in
  install) install_pg; echo "postgresql: $("$(pg_bin)/postgres" --version)" ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  url) [ -f "$DIR/port" ] || die "no cluster $NAME here (scripts/pg.sh start --name $NAME)"; url ;;
  status)
    BIN=$(pg_bin) || die "PostgreSQL is not installed"
    if running; then echo "running: $(url)"; else echo "stopped"; exit 3; fi ;;
  psql)
    BIN=$(pg_bin) || die "PostgreSQL is not installed"
    exec "$BIN/psql" "$(url)" "${EXTRA[@]}" ;;
  *) DIE_STATUS=2 die "unknown command $CMD (start, stop, restart, url, status, psql)" ;;
esac
