#!/usr/bin/env bash
# A local permissioned wasmd network for DiaChain, on loopback ports only.
#
#   scripts/chain.sh start  [--orgs N] [--validators N] [--chain-id ID] [--port-base P] [--reset]
#   scripts/chain.sh stop   [--chain-id ID]
#   scripts/chain.sh status [--chain-id ID]
#   scripts/chain.sh env    [--chain-id ID]      # prints the network's settings (shell syntax)
#   scripts/chain.sh advance-clock DURATION [--chain-id ID]
#   scripts/chain.sh kill-validator I [--chain-id ID]   # SIGKILL node I (a fault, for tests)
#   scripts/chain.sh start-validator I [--chain-id ID]  # starts node I again, the others running
#
# start: builds (or reuses) the pinned wasmd binary, creates the network on first start and
#        restarts it with its state kept afterwards (--reset wipes it and starts from genesis).
#        Genesis: code upload limited to the consortium address (and the member organisations'
#        keys, --orgs), instantiation restricted to the addresses each code names (default: its
#        uploader), block gas limit 10,000,000, 1-second blocks, short governance periods
#        (voting 60 s, expedited 30 s), every role's account funded, keys in a test keyring.
# --orgs N (1..9): a consortium of N member organisations. Organisation k runs validator k-1
#        (so N validators; --validators M > N adds validators of the consortium's own) and has
#        two funded keys: org<k> (its member key, which may also store code) and org<k>-relayer
#        (its relayer's chain key). Without --orgs: the single-organisation network, where the
#        consortium key alone deploys and administers (what every script here used before).
#        An existing network keeps its organisations, validators and ports unless told; a
#        different count than it was created with is refused (--reset recreates it).
# stop:  stops every node of the network (SIGTERM, then SIGKILL after 20 s).
# advance-clock: moves the running network's time DURATION ahead (seconds, or a number with
#        s, m, h or d: 90, 26h, 8d; at most 366 d per call) and returns once a block carries the
#        new time. The nodes restart with their clocks that far ahead of the machine's (the
#        pinned wasmd reads DIACHAIN_CLOCK_OFFSET, see scripts/wasmd-build.sh); offsets add up,
#        survive restarts and are cleared by --reset. For tests and frontend work: a study
#        closes, a grant expires, a grace period ends without waiting for them.
# kill-validator I: SIGKILL to node I (0-based, as node<i>/) of the running network, as a crashed
#        machine; its state stays on disk. Of N equal validators, the chain keeps making blocks
#        while more than 2/3 of them run (3 of 4) and halts below (2 of 4). Node 0 serves the
#        network's RPC (network.env): kill another to keep the clients connected.
# start-validator I: starts node I of a running network again on its state (same ports, clock
#        offset), and returns once its RPC answers; it catches up with the others by itself.
#
# Everything lives in .chain/<chain-id>/ (ignored):
#   keyring-test/      the test keyring (keys: consortium, manufacturer, relayer, patient, ...,
#                      validator<i>, and with --orgs org<k>, org<k>-relayer)
#   node<i>/           each validator's home;   logs/node<i>.log   each node's log
#   network.env        chain id, RPC endpoint, denom, gas price, organisations' keys and
#                      addresses (read by deploy.sh and the tests; `env` prints it)
#   clock-offset       seconds the nodes' clocks run ahead (advance-clock), absent = 0
# Node i listens on 127.0.0.1: P2P P+10i, RPC P+10i+1, ABCI P+10i+2, gRPC P+10i+3,
# REST API P+10i+4, pprof P+10i+5 (P = --port-base, default 26656: RPC 26657).
# Environment: DIACHAIN_CHAIN_ID, DIACHAIN_PORT_BASE, DIACHAIN_VALIDATORS, DIACHAIN_ORGS give
# the defaults. The network's creation (keys, genesis) is in scripts/lib/chain/genesis.sh, the
# organisations' keys in scripts/lib/chain/orgs.sh, each node's configuration (ports, peers,
# block time) in scripts/lib/chain/node-config.sh. Pinning code by governance:
# scripts/pin-codes.sh.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/chain/node-config.sh
source scripts/lib/chain/node-config.sh
# shellcheck source=lib/chain/genesis.sh
source scripts/lib/chain/genesis.sh
# shellcheck source=lib/chain/orgs.sh
source scripts/lib/chain/orgs.sh

cmd=${1:-}
[ -n "$cmd" ] && shift || true
CHAIN_ID=${DIACHAIN_CHAIN_ID:-diachain-local-1}
PORT_BASE=${DIACHAIN_PORT_BASE:-26656}
VALIDATORS=${DIACHAIN_VALIDATORS:-1}
ORGS=${DIACHAIN_ORGS:-0}
RESET=0 EXPLICIT_V=0 EXPLICIT_P=0 EXPLICIT_O=0 DURATION=""
while [ $# -gt 0 ]; do
  case "$1" in
    --validators) VALIDATORS=${2:?--validators needs a number}; EXPLICIT_V=1; shift 2 ;;
    --orgs) ORGS=${2:?--orgs needs a number}; EXPLICIT_O=1; shift 2 ;;
    --chain-id) CHAIN_ID=${2:?--chain-id needs a value}; shift 2 ;;
    --port-base) PORT_BASE=${2:?--port-base needs a port}; EXPLICIT_P=1; shift 2 ;;
    --reset) RESET=1; shift ;;
    -h|--help) sed -n '2,52p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ "$cmd" =~ ^(advance-clock|kill-validator|start-validator)$ ]] && [ -z "$DURATION" ] \
         || die "unexpected argument $1 (see --help)"
       DURATION=$1; shift ;;
  esac
done
[[ "$VALIDATORS" =~ ^[1-9][0-9]?$ ]] || die "--validators must be 1..99, got $VALIDATORS"
if [ "$EXPLICIT_O" -eq 1 ]; then
  [[ "$ORGS" =~ ^[1-9]$ ]] || die "--orgs must be 1..9, got $ORGS"
else
  [[ "$ORGS" =~ ^[0-9]$ ]] || die "DIACHAIN_ORGS must be 0..9, got $ORGS"
fi
[[ "$PORT_BASE" =~ ^[0-9]+$ ]] && [ "$PORT_BASE" -ge 1024 ] && [ "$PORT_BASE" -le 64000 ] \
  || die "--port-base must be a port in 1024..64000, got $PORT_BASE"
[[ "$CHAIN_ID" =~ ^[a-zA-Z0-9_.-]+$ ]] || die "bad chain id $CHAIN_ID"
[[ ! "$cmd" =~ ^(advance-clock|kill-validator|start-validator)$ ]] || [ "$RESET" -eq 0 ] \
  || die "$cmd keeps the network's state; --reset is for start"

DENOM=udia
GAS_PRICE=0.025$DENOM
BLOCK_MAX_GAS=10000000
# Every role the suite has, funded at genesis. Validators get their own keys (validator<i>).
ROLES=(consortium manufacturer relayer patient patient2 patient3 guardian clinician emergency custodian sponsor treasury bench)
FUNDS=1000000000000000$DENOM

NET="$ROOT/.chain/$CHAIN_ID"
# An existing network keeps its validator count, organisations and ports unless told otherwise
# (a network created before --orgs existed has none). A new one with N organisations has N
# validators unless --validators asks for more.
if [ "$RESET" -eq 0 ] && [ -f "$NET/validators" ] && [ -f "$NET/port-base" ]; then
  [ "$EXPLICIT_V" -eq 1 ] || VALIDATORS=$(cat "$NET/validators")
  [ "$EXPLICIT_P" -eq 1 ] || PORT_BASE=$(cat "$NET/port-base")
  [ "$EXPLICIT_O" -eq 1 ] || ORGS=$(cat "$NET/orgs" 2>/dev/null || echo 0)
elif [ "$ORGS" -gt 0 ] && [ "$EXPLICIT_V" -eq 0 ]; then
  VALIDATORS=$ORGS
fi
KEYRING=(--keyring-backend test --keyring-dir "$NET")

pid_of() { # prints the pid of node $1 if it is running
  local f="$NET/node$1.pid"
  [ -f "$f" ] || return 1
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "wasmd start"; then
    echo "$pid"
  else
    return 1
  fi
}

running_nodes() { # prints "i:pid" of each running node
  local i
  for f in "$NET"/node*.pid; do
    [ -e "$f" ] || continue
    i=${f##*/node}; i=${i%.pid}
    if pid=$(pid_of "$i"); then echo "$i:$pid"; fi
  done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_blocks() { # waits until node 0 has produced a block
  local rpc h deadline=$((SECONDS + 90))
  rpc="http://127.0.0.1:$(port 0 1)"
  while [ $SECONDS -lt $deadline ]; do
    h=$(curl -sf "$rpc/status" 2>/dev/null | jq -r '.result.sync_info.latest_block_height' 2>/dev/null || true)
    if [[ "$h" =~ ^[0-9]+$ ]] && [ "$h" -ge 2 ]; then return 0; fi
    for n in $(seq 0 $((VALIDATORS - 1))); do
      # The pid file was written by this start: the process itself tells whether it runs (its
      # command line reads "wasmd start" only once setsid has exec'd, which under load can be
      # after this first check).
      kill -0 "$(cat "$NET/node$n.pid")" 2>/dev/null || { tail -n 30 "$NET/logs/node$n.log" >&2; die "node$n exited; log: $NET/logs/node$n.log"; }
    done
    sleep 0.5
  done
  die "no blocks after 90 s; logs in $NET/logs/"
}

start() {
  local nodes
  nodes=$(running_nodes)
  if [ -n "$nodes" ]; then
    die "network $CHAIN_ID is already running (node:pid ${nodes//$'\n'/ }); RPC http://127.0.0.1:$(($(cat "$NET/port-base" 2>/dev/null || echo "$PORT_BASE") + 1)). Stop it first: scripts/chain.sh stop --chain-id $CHAIN_ID"
  fi
  local i off p
  for ((i = 0; i < VALIDATORS; i++)); do
    for off in 0 1 2 3 4 5; do
      p=$(port "$i" "$off")
      if port_busy "$p"; then
        die "port $p (127.0.0.1) is already in use; stop what uses it (ss -ltnp 'sport = :$p') or choose another --port-base"
      fi
    done
  done
  WASMD=$(bash scripts/wasmd-build.sh)
  if [ "$RESET" -eq 1 ] || [ ! -f "$NET/node0/config/genesis.json" ] || [ ! -f "$NET/validators" ]; then
    [ "$VALIDATORS" -ge "$ORGS" ] \
      || die "--orgs $ORGS needs a validator per organisation: --validators $VALIDATORS is fewer (leave it out, or give at least $ORGS)"
    init_network
  else
    local was_v was_p was_o
    was_v=$(cat "$NET/validators"); was_p=$(cat "$NET/port-base"); was_o=$(cat "$NET/orgs" 2>/dev/null || echo 0)
    if [ "$was_o" != "$ORGS" ]; then
      local as="with --orgs $was_o"
      [ "$was_o" != 0 ] || as="without --orgs"
      die "network $CHAIN_ID was created $as, not for $ORGS member organisation(s); start it $as, or pass --reset to recreate it"
    fi
    if [ "$was_v" != "$VALIDATORS" ] || [ "$was_p" != "$PORT_BASE" ]; then
      die "network $CHAIN_ID exists with $was_v validator(s) on port base $was_p; start it with --validators $was_v --port-base $was_p, or pass --reset to recreate it"
    fi
    log "restarting existing network $CHAIN_ID (state kept; --reset starts from genesis)"
  fi
  write_env
  local offset; offset=$(clock_offset)
  [ "$offset" = 0 ] || log "node clocks run $offset s ahead of this machine's (advance-clock)"
  for ((i = 0; i < VALIDATORS; i++)); do
    configure_start "$i" "$offset"
    DIACHAIN_CLOCK_OFFSET=$offset setsid "$WASMD" start --home "$NET/node$i" >>"$NET/logs/node$i.log" 2>&1 < /dev/null &
    echo $! > "$NET/node$i.pid"
  done
  wait_for_blocks
  log "network $CHAIN_ID is up: $VALIDATORS validator(s)$([ "$ORGS" -eq 0 ] || echo ", $ORGS member organisation(s) (keys org1..org$ORGS, org1-relayer..org$ORGS-relayer)"), RPC http://127.0.0.1:$(port 0 1), REST http://127.0.0.1:$(port 0 4), logs $NET/logs/"
  log "settings: $NET/network.env; keys: wasmd keys list --keyring-backend test --keyring-dir $NET"
}

stop() {
  local nodes entry pid
  nodes=$(running_nodes)
  if [ -z "$nodes" ]; then
    log "network $CHAIN_ID is not running (nothing to stop)"
    rm -f "$NET"/node*.pid
    return 0
  fi
  for entry in $nodes; do kill -TERM "${entry#*:}" 2>/dev/null || true; done
  local deadline=$((SECONDS + 20))
  for entry in $nodes; do
    pid=${entry#*:}
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "node${entry%%:*} (pid $pid) did not stop in 20 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$NET/node${entry%%:*}.pid"
  done
  log "network $CHAIN_ID stopped (state kept in .chain/$CHAIN_ID; logs in $NET/logs/)"
}

clock_offset() { cat "$NET/clock-offset" 2>/dev/null || echo 0; }

chain_time() { # latest block time of node 0, unix seconds
  local rpc t
  rpc="http://127.0.0.1:$(port 0 1)"
  t=$(curl -sf "$rpc/status" 2>/dev/null | jq -r '.result.sync_info.latest_block_time' 2>/dev/null) \
    && [ -n "$t" ] && [ "$t" != null ] && date -u -d "$t" +%s
}

advance_clock() {
  [[ "$DURATION" =~ ^([0-9]{1,9})([smhd]?)$ ]] \
    || die "advance-clock needs a duration: seconds, or a number with s, m, h or d (90, 26h, 8d); got '${DURATION}'"
  local n=$((10#${BASH_REMATCH[1]})) secs
  case "${BASH_REMATCH[2]}" in
    ""|s) secs=$n ;; m) secs=$((n * 60)) ;; h) secs=$((n * 3600)) ;; d) secs=$((n * 86400)) ;;
  esac
  [ "$secs" -ge 1 ] && [ "$secs" -le $((366 * 86400)) ] \
    || die "advance-clock moves 1 s ..= 366 d at a time; got $secs s"
  [ -n "$(running_nodes)" ] || die "network $CHAIN_ID is not running; start it first (scripts/chain.sh start --chain-id $CHAIN_ID)"
  local before; before=$(chain_time) || die "cannot read the latest block time from node 0"
  local offset=$(($(clock_offset) + secs))
  stop
  echo "$offset" > "$NET/clock-offset"
  start
  local target=$((before + secs)) deadline=$((SECONDS + 60)) now=0
  while [ $SECONDS -lt $deadline ]; do
    now=$(chain_time || echo 0)
    [ "$now" -ge "$target" ] && break
    sleep 0.5
  done
  [ "$now" -ge "$target" ] || die "the chain's time did not reach $(date -u -d "@$target" +%FT%TZ) within 60 s (is $(date -u -d "@$now" +%FT%TZ)); logs in $NET/logs/"
  log "clock of $CHAIN_ID moved $secs s ahead (offset $offset s): block time $(date -u -d "@$now" +%FT%TZ)"
}

# one_node: the node index given to kill-validator / start-validator (DURATION holds the
# positional argument), checked against the network's validators.
one_node() {
  [ -f "$NET/validators" ] || die "network $CHAIN_ID was never started"
  [[ "$DURATION" =~ ^[0-9]{1,2}$ ]] && [ "$((10#$DURATION))" -lt "$VALIDATORS" ] \
    || die "$cmd needs a node index 0..$((VALIDATORS - 1)) of network $CHAIN_ID, got '${DURATION}'"
  echo $((10#$DURATION))
}

kill_validator() {
  local i pid; i=$(one_node)
  pid=$(pid_of "$i") || die "node$i of $CHAIN_ID is not running"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$NET/node$i.pid"
  log "node$i (pid $pid) of $CHAIN_ID killed (SIGKILL); $(running_nodes | wc -l) of $VALIDATORS node(s) still running$([ "$i" != 0 ] || echo "; node 0 served the RPC of network.env")"
}

start_validator() {
  local i off p; i=$(one_node)
  [ -n "$(running_nodes)" ] || die "network $CHAIN_ID is not running: start it whole (scripts/chain.sh start --chain-id $CHAIN_ID)"
  if p=$(pid_of "$i"); then die "node$i of $CHAIN_ID is already running (pid $p)"; fi
  for off in 0 1 2 3 4 5; do
    p=$(port "$i" "$off")
    port_busy "$p" && die "port $p (127.0.0.1) of node$i is already in use; stop what uses it (ss -ltnp 'sport = :$p')"
  done
  WASMD=$(bash scripts/wasmd-build.sh)
  local offset; offset=$(clock_offset)
  configure_start "$i" "$offset"
  DIACHAIN_CLOCK_OFFSET=$offset setsid "$WASMD" start --home "$NET/node$i" >>"$NET/logs/node$i.log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$NET/node$i.pid"
  local deadline=$((SECONDS + 90))
  until curl -sf "http://127.0.0.1:$(port "$i" 1)/status" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$NET/logs/node$i.log" >&2; die "node$i exited; log: $NET/logs/node$i.log"; }
    [ $SECONDS -lt $deadline ] || die "node$i's RPC did not answer within 90 s; log: $NET/logs/node$i.log"
    sleep 0.3
  done
  log "node$i (pid $pid) of $CHAIN_ID started again; RPC http://127.0.0.1:$(port "$i" 1)"
}

status() {
  local nodes
  nodes=$(running_nodes)
  if [ -z "$nodes" ]; then echo "network $CHAIN_ID: not running"; return 3; fi
  local rpc; rpc=$(grep '^DIACHAIN_NODE=' "$NET/network.env" | cut -d= -f2-)
  local h; h=$(curl -sf "$rpc/status" | jq -r '.result.sync_info.latest_block_height' || echo "?")
  local offset; offset=$(clock_offset)
  echo "network $CHAIN_ID: running (node:pid ${nodes//$'\n'/ }), RPC $rpc, height $h$([ "$offset" = 0 ] || echo ", clock $offset s ahead")"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  advance-clock) advance_clock ;;
  kill-validator) kill_validator ;;
  start-validator) start_validator ;;
  env) [ -f "$NET/network.env" ] || die "network $CHAIN_ID was never started"; cat "$NET/network.env" ;;
  *) die "usage: scripts/chain.sh start|stop|status|env|advance-clock DURATION|kill-validator I|start-validator I [--orgs N] [--validators N] [--chain-id ID] [--port-base P] [--reset]" ;;
esac
