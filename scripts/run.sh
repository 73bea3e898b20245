#!/usr/bin/env bash
# The main job: a local permissioned DiaChain network with the suite deployed, the relayer
# running under its own chain key (created, admitted as a relayer and funded here), and
# simulated gateways (`diachain-simulate`: half Ed25519, half P-256 device keys) streaming
# device-signed readings to it. Before streaming for good it anchors a first round, exports one
# reading's proof from the relayer's store and verifies it against the chain with
# `diachain-relayer verify`. Prints where to look; Ctrl-C (or SIGTERM) stops the gateways, the
# relayer and the network cleanly.
#
# With --orgs N it is a consortium of N member organisations (scripts/chain.sh start --orgs N):
# the suite is deployed under their governance (scripts/deploy.sh --governance: a cw4-group of
# org1..orgN, a cw3-flex-multisig with a majority threshold, admin of every contract), and each
# organisation runs its own relayer under its key org<k>-relayer, admitted as relayer and
# custodian by proposals its fellow members vote (scripts/gov.sh), with its share of the
# gateways, bound to its own patient org<k>-patient: a patient's data stays with one
# organisation's relayer, and the relayers anchor side by side. The suite's codes are pinned
# by a gov proposal the validators vote (scripts/pin-codes.sh).
#
# Usage: scripts/run.sh [--devices N] [--orgs N] [--store redb|postgres] [--for S] [--port P] [--web-port W] [--reset] [--no-build]
#   --devices N  simulated gateways (default 8; shared out among the organisations)
#   --for S      stream for S seconds, then stop the gateways, wait until every relayer has
#                anchored all it holds, keep each one's final status and metrics
#                (final-status.json, final-metrics.txt beside its log) and stop (default: until
#                Ctrl-C)
#   --orgs N     member organisations, 1..9 (default: none, the single-key demo network)
#   --store S    the relayers' store: redb (one embedded file each, the default) or postgres (a
#                private PostgreSQL server, scripts/pg.sh, with a database per organisation)
#   --port P     the relayer's HTTP port (default 8640; organisation k's is P+k-1)
#   --web-port W the web dashboard's port (default 8650; built first if web/dist is missing)
#   --reset      start the network from genesis (default: keep its state)
#   --no-build   deploy artifacts/ as they are
# State: .chain/<chain-id>/relayer/ (store, config, logs, simulator state, proof); secrets
# (chain key, master key): .chain/<chain-id>/relayer-secrets/. With --orgs, the same under
# .chain/<chain-id>/org<k>/, and .chain/<chain-id>/orgs.json lists each organisation's relayer.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/run/relayers.sh
source scripts/lib/run/relayers.sh

CHAIN_ID=${DIACHAIN_CHAIN_ID:-diachain-local-1}
DEVICES=8 PORT=8640 WEB_PORT=8650 ORGS=0 FOR="" RESET=() BUILD=() STORE=redb
usage="usage: scripts/run.sh [--devices N] [--orgs N] [--store redb|postgres] [--for S] [--port P] [--web-port W] [--reset] [--no-build]"
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) DEVICES=${2:?--devices needs a number}; shift 2 ;;
    --orgs) ORGS=${2:?--orgs needs a number}; shift 2 ;;
    --store) STORE=${2:?--store needs redb or postgres}; shift 2 ;;
    --for) FOR=${2:?--for needs seconds}; shift 2 ;;
    --port) PORT=${2:?--port needs a port}; shift 2 ;;
    --web-port) WEB_PORT=${2:?--web-port needs a port}; shift 2 ;;
    --reset) RESET=(--reset); shift ;;
    --no-build) BUILD=(--no-build); shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ "$ORGS" =~ ^[0-9]$ ]] || die "--orgs must be 1..9, got $ORGS"
case "$STORE" in redb|postgres) ;; *) die "--store must be redb or postgres, got $STORE" ;; esac
[[ "$DEVICES" =~ ^[1-9][0-9]*$ ]] || die "--devices must be a positive number, got $DEVICES"
[ -z "$FOR" ] || [[ "$FOR" =~ ^[1-9][0-9]*$ ]] || die "--for must be a number of seconds, got $FOR"
[ "$DEVICES" -ge "$ORGS" ] || die "--devices $DEVICES gives some of the $ORGS organisations no gateway"
FIRST=0 LAST=0
if [ "$ORGS" -gt 0 ]; then FIRST=1 LAST=$ORGS; fi

for ((k = FIRST; k <= LAST; k++)); do
  curl -s "http://127.0.0.1:$(org_port "$k")/healthz" >/dev/null 2>&1 \
    && die "something already listens on port $(org_port "$k") (a relayer left running?); stop it or pass --port"
done
# Stop on any exit what this script started (a network it found running is left running).
STARTED_CHAIN=0 STARTED_PG=0 WEB_PID=""
cleanup() {
  trap - EXIT INT TERM
  log "stopping"
  if [ -n "$WEB_PID" ]; then kill -TERM "$WEB_PID" 2>/dev/null || true; wait "$WEB_PID" 2>/dev/null || true; fi
  local p
  for p in "${SIM_PIDS[@]}"; do [ -z "$p" ] || kill -TERM "$p" 2>/dev/null || true; done
  for p in "${SIM_PIDS[@]}"; do [ -z "$p" ] || wait "$p" 2>/dev/null || true; done
  for ((k = FIRST; k <= LAST; k++)); do stop_relayer "$k"; done
  if [ "$STARTED_CHAIN" = 1 ]; then bash scripts/chain.sh stop --chain-id "$CHAIN_ID"; fi
  if [ "$STARTED_PG" = 1 ]; then bash scripts/pg.sh stop --name "$CHAIN_ID"; fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

ORG_ARGS=()
[ "$ORGS" -gt 0 ] && ORG_ARGS=(--orgs "$ORGS")
if [ ${#RESET[@]} -eq 0 ] && bash scripts/chain.sh status --chain-id "$CHAIN_ID" >/dev/null 2>&1; then
  log "network $CHAIN_ID is already running (it stays running when this stops)"
  have=$(sed -n 's/^DIACHAIN_ORGS=//p' ".chain/$CHAIN_ID/network.env")
  [ "${have:-0}" = "$ORGS" ] || die "network $CHAIN_ID runs with ${have:-0} member organisation(s), not $ORGS: pass --orgs ${have:-0}, or --reset to recreate it"
else
  STARTED_CHAIN=1
  bash scripts/chain.sh start --chain-id "$CHAIN_ID" "${ORG_ARGS[@]}" "${RESET[@]}"
fi
GOVERN=()
if [ "$ORGS" -gt 0 ]; then
  # A majority of the members decides; the first of them vote the deployment's handover.
  THRESHOLD=$((ORGS / 2 + 1)) MEMBERS="" VOTERS=""
  for ((k = 1; k <= ORGS; k++)); do
    MEMBERS+="${MEMBERS:+,}org$k"
    [ "$k" -le "$THRESHOLD" ] && VOTERS+="${VOTERS:+,}org$k"
  done
  GOVERN=(--governance --members "$MEMBERS" --threshold "$THRESHOLD" --vote-as "$VOTERS")
fi
bash scripts/deploy.sh --chain-id "$CHAIN_ID" "${BUILD[@]}" "${GOVERN[@]}"
load_network "$CHAIN_ID"
DEP="deployments/$CHAIN_ID.json"
REGISTRY=$(jq -r '.contracts["device-registry"].address' "$DEP")
ANCHORS=$(jq -r '.contracts["reading-anchors"].address' "$DEP")
CONSENT=$(jq -r '.contracts.consent.address' "$DEP")
UNION=$(jq -r '.contracts["data-union"].address' "$DEP")
KEYS=(--keyring-backend test --keyring-dir "$DIACHAIN_KEYRING_DIR")
if [ "$ORGS" -gt 0 ]; then
  # The consortium pins the suite's code through the chain's governance (the validators vote a
  # MsgPinCodes proposal): each contract load then costs 2,000 gas instead of 60,000
  # (docs/gas.md). Codes already pinned are left alone.
  mapfile -t CODES < <(jq -r '.contracts[].code_id' "$DEP")
  bash scripts/pin-codes.sh --chain-id "$CHAIN_ID" --from org1 "${CODES[@]}"
fi

# DIACHAIN_RELAYER_BIN, DIACHAIN_SIMULATE_BIN: the relayer and the gateway simulator already
# built (scripts/e2e.sh passes the test build's); else both are built here.
if [ -n "${DIACHAIN_RELAYER_BIN:-}" ] && [ -n "${DIACHAIN_SIMULATE_BIN:-}" ]; then
  BIN=$DIACHAIN_RELAYER_BIN SIM=$DIACHAIN_SIMULATE_BIN
else
  log "building the relayer and the gateway simulator"
  cargo build --locked -q -p diachain-relayer -p diachain-simulate
  BIN="$(target_dir)/debug/diachain-relayer" SIM="$(target_dir)/debug/diachain-simulate"
fi
[ -x "$BIN" ] || die "the relayer $BIN is not an executable"
[ -x "$SIM" ] || die "the gateway simulator $SIM is not an executable"

if [ "$STORE" = postgres ]; then
  # A private PostgreSQL server beside the network (its data in .chain/pg/<chain-id>), on the
  # port after the relayers'; each organisation's relayer has a database of its own.
  # A server already running for this network is used as it is (and left running).
  if ! bash scripts/pg.sh status --name "$CHAIN_ID" >/dev/null 2>&1; then
    STARTED_PG=1
    bash scripts/pg.sh start --name "$CHAIN_ID" --port $((PORT + 90)) >/dev/null
  fi
fi

# The dashboard's page (web/serve.mjs, below) calls the relayers from its own origin.
WEB_URL="http://127.0.0.1:$WEB_PORT"
export DIACHAIN_RELAYER_CORS_ORIGINS="${DIACHAIN_RELAYER_CORS_ORIGINS:+$DIACHAIN_RELAYER_CORS_ORIGINS,}$WEB_URL"
for ((k = FIRST; k <= LAST; k++)); do
  setup_relayer "$k"
  start_relayer "$k"
  log "relayer ${ADDRS[k]} listening on 127.0.0.1:$(org_port "$k"); first round: one batch per gateway"
  first_round "$k"
done
if [ "$ORGS" -gt 0 ]; then
  for ((k = 1; k <= ORGS; k++)); do
    jq -n --arg org "org$k" --arg url "http://127.0.0.1:$(org_port "$k")" --arg address "${ADDRS[k]}" \
      --arg patient "$(sed -n "s/^DIACHAIN_ORG${k}_PATIENT_ADDRESS=//p" ".chain/$CHAIN_ID/network.env")" \
      --arg dir "$(org_dir "$k")/relayer" --argjson devices "$(org_devices "$k")" \
      '{org: $org, relayer: $url, relayer_address: $address, patient: $patient, dir: $dir, devices: $devices}'
  done | jq -s --arg chain "$CHAIN_ID" '{chain_id: $chain, orgs: .}' > ".chain/$CHAIN_ID/orgs.json"
fi

# The web dashboard, offering the local test keyring's accounts (a local network), on the first
# organisation's relayer.
DIR="$(org_dir "$FIRST")/relayer"
WEB_LINE="not served (see $DIR/web.log)"
if [ -f web/dist/index.html ] || bash scripts/web-test.sh --build-only >"$DIR/web.log" 2>&1; then
  node web/serve.mjs --deployment "$DEP" --relayer "http://127.0.0.1:$(org_port "$FIRST")" --port "$WEB_PORT" \
    --local-keyring ".chain/$CHAIN_ID" >>"$DIR/web.log" 2>&1 &
  WEB_PID=$!
  WEB_LINE="$WEB_URL/   (patients, clinicians, sponsors; local test keyring)"
else
  log "the web dashboard could not be built; see $DIR/web.log"
fi

STREAM_ARGS=()
[ -z "$FOR" ] || STREAM_ARGS=(--duration-secs "$FOR")
for ((k = FIRST; k <= LAST; k++)); do stream "$k" "${STREAM_ARGS[@]}"; done
if [ "$ORGS" -eq 0 ]; then
  P=$(org_port 0)
  cat <<EOF

DiaChain is running on $CHAIN_ID ($DEVICES simulated gateways streaming to the relayer).
  web dashboard    $WEB_LINE
  relayer API      http://127.0.0.1:$P/v1/batches   (gateways POST device-signed batches)
  status           curl -s http://127.0.0.1:$P/v1/status | jq
  health           curl -s http://127.0.0.1:$P/healthz | jq
  metrics          curl -s http://127.0.0.1:$P/metrics
  chain RPC        $DIACHAIN_NODE    contracts: $DEP
  a reading's proof, verified against the chain:
                   ${VERDICTS[0]}
                   check it yourself: ${VERIFY[*]}
  logs             $DIR/relayer.log, $DIR/simulate.log; node logs in $DIACHAIN_LOGS
Ctrl-C stops the gateways, the relayer and (if this started it) the network; state is kept
(--reset starts over).
EOF
else
  echo
  echo "DiaChain is running on $CHAIN_ID: $ORGS member organisations, $DEVICES simulated gateways."
  echo "  governance       scripts/gov.sh --chain-id $CHAIN_ID members   (threshold $THRESHOLD of $ORGS)"
  for ((k = 1; k <= ORGS; k++)); do
    echo "  org$k relayer     http://127.0.0.1:$(org_port "$k")/v1/status   ${ADDRS[k]}, $(org_devices "$k") gateway(s), patient org$k-patient"
    echo "                   proof: ${VERDICTS[k]}"
  done
  cat <<EOF
  web dashboard    $WEB_LINE (org1's relayer)
  chain RPC        $DIACHAIN_NODE    contracts: $DEP    organisations: .chain/$CHAIN_ID/orgs.json
  logs             .chain/$CHAIN_ID/org<k>/relayer/{relayer,simulate}.log; node logs in $DIACHAIN_LOGS
Ctrl-C stops the gateways, the relayers and (if this started it) the network; state is kept
(--reset starts over).
EOF
fi
for p in "${SIM_PIDS[@]}"; do [ -z "$p" ] || wait "$p" || true; done
SIM_PIDS=()
log "the gateway simulators stopped"
if [ -n "$FOR" ]; then
  for ((k = FIRST; k <= LAST; k++)); do settle "$k"; done
fi
