# shellcheck shell=bash
# What the long fault scripts share (scripts/fault-kill.sh, scripts/soak.sh): a fresh network of
# their own with the suite deployed, private copies of the relayer and simulator binaries (a
# rebuild in the shared target folder during an hour-long run must not swap them), the relayer
# process on one store, the gateway simulator, and the chain's and the store's view of what was
# anchored. Sourced after scripts/lib/common.sh; the caller sets CHAIN_ID, PORT_BASE, PORT
# (the relayer's HTTP port), WORK (its folder) and BUILD (() or (--no-build)).
# shellcheck disable=SC2034  # BIN, SIM, SIM_ARGS, DEP, ... are read by the scripts that source it

# faults_network: a fresh network (--reset) with the suite deployed (artifacts/ as they are with
# --no-build), its settings loaded; sets DEP, REGISTRY, ANCHORS, CONSENT, UNION, KEYS.
faults_network() {
  bash scripts/chain.sh start --chain-id "$CHAIN_ID" --port-base "$PORT_BASE" --reset
  bash scripts/deploy.sh --chain-id "$CHAIN_ID" "${BUILD[@]}" >&2
  load_network "$CHAIN_ID"
  DEP="deployments/$CHAIN_ID.json"
  REGISTRY=$(jq -r '.contracts["device-registry"].address' "$DEP")
  ANCHORS=$(jq -r '.contracts["reading-anchors"].address' "$DEP")
  CONSENT=$(jq -r '.contracts.consent.address' "$DEP")
  UNION=$(jq -r '.contracts["data-union"].address' "$DEP")
  KEYS=(--keyring-backend test --keyring-dir "$DIACHAIN_KEYRING_DIR")
}

# faults_binaries: BIN and SIM, copies in WORK/bin of DIACHAIN_RELAYER_BIN and
# DIACHAIN_SIMULATE_BIN, or of a fresh debug build.
faults_binaries() {
  local bin=${DIACHAIN_RELAYER_BIN:-} sim=${DIACHAIN_SIMULATE_BIN:-}
  if [ -z "$bin" ] || [ -z "$sim" ]; then
    log "building the relayer and the gateway simulator"
    cargo build --locked -q -p diachain-relayer -p diachain-simulate
    bin="$(target_dir)/debug/diachain-relayer" sim="$(target_dir)/debug/diachain-simulate"
  fi
  [ -x "$bin" ] && [ -x "$sim" ] || die "no relayer ($bin) or simulator ($sim) binary"
  mkdir -p "$WORK/bin"
  cp "$bin" "$WORK/bin/diachain-relayer" && cp "$sim" "$WORK/bin/diachain-simulate"
  BIN="$WORK/bin/diachain-relayer" SIM="$WORK/bin/diachain-simulate"
}

# consortium_tx ARGS...: a wasmd tx by the consortium key, waited for until it is in a block.
consortium_tx() {
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

# faults_relayer_setup: the master key and the relayer's arguments (RELAYER_ARGS), under the
# network's admitted `relayer` key, also admitted as a consent custodian (the data API, through
# which the patient reads back every stored reading, needs the consent contract).
faults_relayer_setup() {
  mkdir -p "$WORK/store" "$WORK/secrets"
  chmod 700 "$WORK/secrets"
  "$BIN" generate-master-key --out "$WORK/secrets/master.key" >/dev/null
  consortium_tx wasm execute "$CONSENT" \
    "{\"admit_member\":{\"role\":\"custodian\",\"address\":\"$("$DIACHAIN_WASMD" keys show relayer -a "${KEYS[@]}")\"}}"
  RELAYER_ARGS=(serve --store-path "$WORK/store/relayer.redb" --master-key-file "$WORK/secrets/master.key"
    --listen "127.0.0.1:$PORT" --chain-id "$CHAIN_ID" --node "$DIACHAIN_NODE"
    --gas-prices "$DIACHAIN_GAS_PRICE" --anchors-contract "$ANCHORS" --registry-contract "$REGISTRY"
    --consent-contract "$CONSENT" --union-contract "$UNION"
    --mnemonic-file "$DIACHAIN_LOGS/key-relayer.json" --log-format json)
}

# relayer_spawn: starts the relayer in the background (RELAYER_PID), appending to WORK/relayer.log.
relayer_spawn() {
  "$BIN" "${RELAYER_ARGS[@]}" >>"$WORK/relayer.log" 2>&1 &
  RELAYER_PID=$!
}

# relayer_ready [SECS]: waits until /healthz answers (default 120 s); dies if it exited.
relayer_ready() {
  local deadline=$((SECONDS + ${1:-120}))
  until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
    kill -0 "$RELAYER_PID" 2>/dev/null || { tail -n 20 "$WORK/relayer.log" >&2; die "the relayer exited; log $WORK/relayer.log"; }
    [ $SECONDS -lt $deadline ] || die "the relayer did not answer /healthz within ${1:-120} s; log $WORK/relayer.log"
    sleep 0.2
  done
}

# relayer_status: GET /v1/status.
relayer_status() { curl -sf "http://127.0.0.1:$PORT/v1/status"; }

# relayer_drained SECS: waits until nothing is pending or in flight; prints the status.
relayer_drained() {
  local deadline=$((SECONDS + $1)) s=""
  while [ $SECONDS -lt "$deadline" ]; do
    s=$(relayer_status) && [ "$(jq '.pending + .in_flight' <<<"$s")" = 0 ] && { echo "$s"; return 0; }
    sleep 1
  done
  die "the relayer did not drain within $1 s: ${s:-no answer}"
}

# relayer_stop: SIGTERM, and waits.
relayer_stop() {
  [ -n "${RELAYER_PID:-}" ] || return 0
  kill -TERM "$RELAYER_PID" 2>/dev/null || true
  wait "$RELAYER_PID" 2>/dev/null || true
  RELAYER_PID=""
}

# sim_args: SIM_ARGS, the gateway simulator's arguments for the network's `patient`: gateways,
# 12 readings SIM_INTERVAL (default 2) s apart a batch, version 1 headers (readings counted as the gateway kind's),
# half P-256. Run it as "$SIM" "${SIM_ARGS[@]}" ... (the binary itself in the background, not a
# function's subshell, so that SIGTERM reaches it).
sim_args() {
  SIM_ARGS=(--relayer "http://127.0.0.1:$PORT" --node "$DIACHAIN_NODE" --chain-id "$CHAIN_ID"
    --deployment "$DEP" --gas-price "$DIACHAIN_GAS_PRICE"
    --manufacturer-mnemonic-file "$DIACHAIN_LOGS/key-manufacturer.json"
    --patient-mnemonic-file "$DIACHAIN_LOGS/key-patient.json"
    --kind gateway --p256-share 0.5 --interval-secs "${SIM_INTERVAL:-2}" --batch-readings 12 --header-version 1
    --register-chunk 100)
}

# smart CONTRACT QUERY: a smart query through the node's REST API; prints .data.
smart() {
  curl -sf "$DIACHAIN_API/cosmwasm/wasm/v1/contract/$1/smart/$(printf '%s' "$2" | base64 -w0)" | jq -c .data
}

# chain_batches DEVICE: every batch of DEVICE on chain, one JSON object a line
# ({device_id, first_seq, last_seq, anchored_height, ...}), in sequence order.
chain_batches() {
  local after=null page
  while :; do
    page=$(smart "$ANCHORS" "{\"batches\":{\"device_id\":\"$1\",\"start_after\":$after,\"limit\":100}}") \
      || die "the batches query for $1 failed"
    [ "$(jq '.items | length' <<<"$page")" -gt 0 ] || return 0
    jq -c '.items[]' <<<"$page"
    after=$(jq '.items[-1].last_seq' <<<"$page")
  done
}

# patient_readings FROM TO: the readings the store serves to the patient (a signed request as
# the patient's wallet makes it) measured in FROM..=TO, one line per reading:
# "batch_id device seq state".
patient_readings() {
  local patient path query headers
  patient=$("$DIACHAIN_WASMD" keys show patient -a "${KEYS[@]}")
  path="/v1/patients/$patient/readings" query="scope=glucose&from=$1&to=$2"
  headers=$("$BIN" sign-request --path "$path" --query "$query" \
    --mnemonic-file "$DIACHAIN_LOGS/key-patient.json" --chain-id "$CHAIN_ID" \
    --anchors-contract "$ANCHORS" --registry-contract "$REGISTRY" --node "$DIACHAIN_NODE") \
    || die "sign-request failed"
  local args=()
  mapfile -t args < <(jq -r 'to_entries[] | "-H", "\(.key): \(.value)"' <<<"$headers")
  curl -sf "${args[@]}" "http://127.0.0.1:$PORT$path?$query" \
    | jq -r '.batches[] | .batch_id as $b | .anchoring.state as $s
             | .readings[] | "\($b) \(.reading.device_id) \(.reading.seq) \($s)"' \
    || die "the patient's readings $1..$2 could not be read back"
}
