#!/usr/bin/env bash
# The main job: a local permissioned DiaChain network with the suite deployed, the relayer
# running under its own chain key (created, admitted as a relayer and funded here), and
# simulated gateways (`diachain-simulate`: half Ed25519, half P-256 device keys) streaming
# device-signed readings to it. Before streaming for good it anchors a first round, exports one reading's proof from the
# relayer's store and verifies it against the chain with `diachain-relayer verify`. Prints
# where to look; Ctrl-C (or SIGTERM) stops the gateways, the relayer and the network cleanly.
#
# Usage: scripts/run.sh [--devices N] [--port P] [--web-port W] [--reset] [--no-build]
#   --devices N  simulated gateways (default 8)
#   --port P     the relayer's HTTP port (default 8640)
#   --web-port W the web dashboard's port (default 8650; built first if web/dist is missing)
#   --reset      start the network from genesis (default: keep its state)
#   --no-build   deploy artifacts/ as they are
# State: .chain/<chain-id>/relayer/ (store, config, logs, simulator state, proof);
# secrets (chain key, master key): .chain/<chain-id>/relayer-secrets/.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

CHAIN_ID=${DIACHAIN_CHAIN_ID:-diachain-local-1}
DEVICES=8 PORT=8640 WEB_PORT=8650 RESET=() BUILD=()
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) DEVICES=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --web-port) WEB_PORT=$2; shift 2 ;;
    --reset) RESET=(--reset); shift ;;
    --no-build) BUILD=(--no-build); shift ;;
    *) echo "usage: scripts/run.sh [--devices N] [--port P] [--web-port W] [--reset] [--no-build]" >&2; exit 2 ;;
  esac
done

curl -s "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 \
  && die "something already listens on port $PORT (a relayer left running?); stop it or pass --port"
# Stop on any exit what this script started (a network it found running is left running).
STARTED_CHAIN=0 RELAYER_PID="" SIM_PID="" WEB_PID=""
stop_relayer() {
  [ -n "$RELAYER_PID" ] || return 0
  kill -TERM "$RELAYER_PID" 2>/dev/null || true
  wait "$RELAYER_PID" 2>/dev/null || true
  RELAYER_PID=""
}
cleanup() {
  trap - EXIT INT TERM
  log "stopping"
  if [ -n "$WEB_PID" ]; then kill -TERM "$WEB_PID" 2>/dev/null || true; wait "$WEB_PID" 2>/dev/null || true; fi
  if [ -n "$SIM_PID" ]; then kill -TERM "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; fi
  stop_relayer
  if [ "$STARTED_CHAIN" = 1 ]; then bash scripts/chain.sh stop --chain-id "$CHAIN_ID"; fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [ ${#RESET[@]} -eq 0 ] && bash scripts/chain.sh status --chain-id "$CHAIN_ID" >/dev/null 2>&1; then
  log "network $CHAIN_ID is already running (it stays running when this stops)"
else
  STARTED_CHAIN=1
  bash scripts/chain.sh start --chain-id "$CHAIN_ID" "${RESET[@]}"
fi
bash scripts/deploy.sh --chain-id "$CHAIN_ID" "${BUILD[@]}"
load_network "$CHAIN_ID"
DEP="deployments/$CHAIN_ID.json"
REGISTRY=$(jq -r '.contracts["device-registry"].address' "$DEP")
ANCHORS=$(jq -r '.contracts["reading-anchors"].address' "$DEP")
CONSENT=$(jq -r '.contracts.consent.address' "$DEP")
UNION=$(jq -r '.contracts["data-union"].address' "$DEP")

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

DIR=".chain/$CHAIN_ID/relayer"
SECRETS=".chain/$CHAIN_ID/relayer-secrets"
mkdir -p "$DIR/store" "$SECRETS"
chmod 700 "$SECRETS"
# An empty file is what an interrupted earlier run left: write it again.
[ -s "$SECRETS/relayer.key" ] || { rm -f "$SECRETS/relayer.key"; "$BIN" keys create --out "$SECRETS/relayer.key" >/dev/null; }
[ -s "$SECRETS/master.key" ] || { rm -f "$SECRETS/master.key"; "$BIN" generate-master-key --out "$SECRETS/master.key" >/dev/null; }
ADDR=$("$BIN" keys show --key-file "$SECRETS/relayer.key" | jq -r .address)

# Admit and fund the relayer's key (the consortium's key of the local test keyring).
KEYS=(--keyring-backend test --keyring-dir "$DIACHAIN_KEYRING_DIR")
tx() {
  local out hash res
  out=$("$DIACHAIN_WASMD" tx "$@" --from consortium "${KEYS[@]}" --chain-id "$CHAIN_ID" \
    --node "$DIACHAIN_NODE" --gas auto --gas-adjustment 1.4 --gas-prices "$DIACHAIN_GAS_PRICE" \
    -y -b sync --output json) || die "tx $1 $2 failed: $out"
  [ "$(jq -r .code <<<"$out")" = 0 ] || die "tx $1 $2 refused: $(jq -r .raw_log <<<"$out")"
  hash=$(jq -r .txhash <<<"$out")
  for _ in $(seq 1 60); do
    if res=$("$DIACHAIN_WASMD" query tx "$hash" --node "$DIACHAIN_NODE" --output json 2>/dev/null); then
      [ "$(jq -r .code <<<"$res")" = 0 ] || die "tx $1 $2 failed: $(jq -r .raw_log <<<"$res")"
      return 0
    fi
    sleep 0.5
  done
  die "tx $hash not included after 30 s"
}
active=$("$DIACHAIN_WASMD" query wasm contract-state smart "$REGISTRY" \
  "{\"is_active_relayer\":{\"address\":\"$ADDR\"}}" --node "$DIACHAIN_NODE" --output json | jq -r .data)
if [ "$active" != true ]; then
  log "admitting the relayer $ADDR"
  tx wasm execute "$REGISTRY" \
    "{\"admit_participant\":{\"role\":\"relayer\",\"address\":\"$ADDR\",\"label\":\"main-job relayer\"}}"
fi
# The relayer serves data only after CheckAccess and records each access as a custodian.
custodian=$("$DIACHAIN_WASMD" query wasm contract-state smart "$CONSENT" \
  "{\"member\":{\"role\":\"custodian\",\"address\":\"$ADDR\"}}" --node "$DIACHAIN_NODE" --output json | jq -r .data)
if [ "$custodian" = null ]; then
  log "admitting the relayer $ADDR as a consent custodian"
  tx wasm execute "$CONSENT" "{\"admit_member\":{\"role\":\"custodian\",\"address\":\"$ADDR\"}}"
fi
balance=$("$DIACHAIN_WASMD" query bank balance "$ADDR" "$DIACHAIN_DENOM" --node "$DIACHAIN_NODE" \
  --output json | jq -r '.balance.amount // "0"')
if [ "$balance" -lt 100000000 ]; then
  log "funding the relayer with 1000000000$DIACHAIN_DENOM"
  tx bank send consortium "$ADDR" "1000000000$DIACHAIN_DENOM"
fi

cat > "$DIR/relayer.toml" <<EOF
# Written by scripts/run.sh.
[store]
path = "$PWD/$DIR/store/relayer.redb"
master_key_file = "$PWD/$SECRETS/master.key"
[server]
listen = "127.0.0.1:$PORT"
# A local network: alert webhooks may go to receivers on this machine.
allow_private_webhooks = true
[chain]
chain_id = "$CHAIN_ID"
node = "$DIACHAIN_NODE"
gas_prices = "$DIACHAIN_GAS_PRICE"
anchors_contract = "$ANCHORS"
registry_contract = "$REGISTRY"
consent_contract = "$CONSENT"
union_contract = "$UNION"
key_file = "$PWD/$SECRETS/relayer.key"
[log]
format = "json"
EOF

# The dashboard's page (web/serve.mjs, below) calls the relayer from its own origin.
WEB_URL="http://127.0.0.1:$WEB_PORT"
export DIACHAIN_RELAYER_CORS_ORIGINS="${DIACHAIN_RELAYER_CORS_ORIGINS:+$DIACHAIN_RELAYER_CORS_ORIGINS,}$WEB_URL"
start_relayer() {
  "$BIN" serve --config "$DIR/relayer.toml" >>"$DIR/relayer.log" 2>&1 &
  RELAYER_PID=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && return 0
    kill -0 "$RELAYER_PID" 2>/dev/null || die "the relayer exited; see $DIR/relayer.log"
    sleep 0.5
  done
  die "the relayer did not answer on port $PORT; see $DIR/relayer.log"
}
L="$DIACHAIN_LOGS"
SIMULATE=("$SIM" --relayer "http://127.0.0.1:$PORT" --node "$DIACHAIN_NODE" --chain-id "$CHAIN_ID"
  --deployment "$DEP" --gas-price "$DIACHAIN_GAS_PRICE"
  --manufacturer-mnemonic-file "$L/key-manufacturer.json" --patient-mnemonic-file "$L/key-patient.json"
  --seed main-job --devices "$DEVICES" --kind gateway --p256-share 0.5
  --interval-secs 2 --batch-readings 12 --state "$DIR/simulate-state.json"
  # Version 1 headers count every reading under the gateway kind's scope, whose minimum interval
  # is 1 s; version 2 would count these readings as glucose, which the chain spaces a minute apart.
  --header-version 1
  # Each gateway is a person's glucose sensor; by the seed, some also have a pump, others a pen
  # and an app (with 2 people: one of each; with 8: 2, 4 and 2 with their CGM only). Those log
  # the insulin and carbohydrates the person's model applied, a minute apart at least, in
  # version 2 headers, posted once the first reading is a minute old.
  --pump-share 0.4 --pen-share 0.35 --event-batch-secs 60)
status() { curl -sf "http://127.0.0.1:$PORT/v1/status"; }

start_relayer
log "relayer $ADDR listening on 127.0.0.1:$PORT; first round: one batch per gateway"
"${SIMULATE[@]}" --batches "$DEVICES" > "$DIR/simulate-first.json" 2>>"$DIR/simulate.log"
for _ in $(seq 1 120); do
  s=$(status) && [ "$(jq '.pending + .in_flight' <<<"$s")" = 0 ] && break
  sleep 0.5
done
[ "$(jq '.pending + .in_flight' <<<"$(status)")" = 0 ] || die "the first round was not anchored: $(status)"

# The store is the relayer's alone while it runs: stop it, export one proof, restart.
stop_relayer
DEVICE=$(jq -r '.devices | to_entries | map(select(.value.next_seq > 1)) | .[0].key' "$DIR/simulate-state.json")
STORE=(--store-path "$DIR/store/relayer.redb" --master-key-file "$SECRETS/master.key")
# The proof holds a reading's value and salt: it is kept with the secrets (mode 700).
PROOF="$SECRETS/proof.json"
(umask 077 && "$BIN" export-proof "${STORE[@]}" --device "$DEVICE" --seq 1 > "$PROOF")
VERIFY=("$BIN" verify --proof "$PROOF" --node "$DIACHAIN_NODE" --chain-id "$CHAIN_ID" --anchors-contract "$ANCHORS")
"${VERIFY[@]}" > "$DIR/proof-verdict.json" || die "the proof did not verify: $(cat "$DIR/proof-verdict.json")"
start_relayer

# The web dashboard, offering the local test keyring's accounts (a local network).
WEB_LINE="not served (see $DIR/web.log)"
if [ -f web/dist/index.html ] || bash scripts/web-test.sh --build-only >"$DIR/web.log" 2>&1; then
  node web/serve.mjs --deployment "$DEP" --relayer "http://127.0.0.1:$PORT" --port "$WEB_PORT" \
    --local-keyring ".chain/$CHAIN_ID" >>"$DIR/web.log" 2>&1 &
  WEB_PID=$!
  WEB_LINE="$WEB_URL/   (patients, clinicians, sponsors; local test keyring)"
else
  log "the web dashboard could not be built; see $DIR/web.log"
fi

# The binary itself in the background (not a subshell), so that SIGTERM reaches it.
"${SIMULATE[@]}" > "$DIR/simulate.json" 2>>"$DIR/simulate.log" &
SIM_PID=$!
cat <<EOF

DiaChain is running on $CHAIN_ID ($DEVICES simulated gateways streaming to the relayer).
  web dashboard    $WEB_LINE
  relayer API      http://127.0.0.1:$PORT/v1/batches   (gateways POST device-signed batches)
  status           curl -s http://127.0.0.1:$PORT/v1/status | jq
  health           curl -s http://127.0.0.1:$PORT/healthz | jq
  metrics          curl -s http://127.0.0.1:$PORT/metrics
  chain RPC        $DIACHAIN_NODE    contracts: $DEP
  a reading's proof, verified against the chain:
                   $PROOF -> $(jq -c '{verified, device_id, seq, anchored_height}' "$DIR/proof-verdict.json")
                   check it yourself: ${VERIFY[*]}
  logs             $DIR/relayer.log, $DIR/simulate.log; node logs in $DIACHAIN_LOGS
Ctrl-C stops the gateways, the relayer and (if this started it) the network; state is kept
(--reset starts over).
EOF
wait "$SIM_PID" || true
SIM_PID=""
log "the gateway simulator stopped: $(cat "$DIR/simulate.json" 2>/dev/null)"
