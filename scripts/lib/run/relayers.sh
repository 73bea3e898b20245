# shellcheck shell=bash
# The arrays below are read by scripts/run.sh; PORT and the others are its variables.
# shellcheck disable=SC2034,SC2153
# The main job's relayers and gateways (scripts/run.sh), one per organisation: organisation 0 is
# the single-organisation network's relayer (its own key, admitted by the consortium key);
# organisations 1..N of a `--orgs N` network run their relayer under the key `org<k>-relayer`,
# admitted by proposals the members vote (scripts/gov.sh), each with its share of the simulated
# gateways bound to its own patient `org<k>-patient`.
# Sourced by scripts/run.sh; uses its CHAIN_ID, PORT, DEVICES, ORGS, BIN, SIM, DEP, REGISTRY,
# ANCHORS, CONSENT, UNION and the network's settings (load_network).

declare -a RELAYER_PIDS=() SIM_PIDS=()

# org_dir K: the folder of organisation K's relayer state (.chain/<chain-id>/relayer for 0).
org_dir() { if [ "$1" = 0 ]; then echo ".chain/$CHAIN_ID"; else echo ".chain/$CHAIN_ID/org$1"; fi; }
# org_port K: its relayer's port (PORT for 0 and organisation 1, then one more each).
org_port() { if [ "$1" = 0 ]; then echo "$PORT"; else echo $((PORT + $1 - 1)); fi; }
# org_devices K: organisation K's share of the DEVICES gateways (all of them for 0).
org_devices() {
  if [ "$1" = 0 ]; then echo "$DEVICES"; return; fi
  echo $((DEVICES / ORGS + ($1 <= DEVICES % ORGS ? 1 : 0)))
}

# keyring_tx ARGS...: a wasmd tx signed by the consortium key of the local test keyring,
# waited for until it is in a block.
keyring_tx() {
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

smart() { "$DIACHAIN_WASMD" query wasm contract-state smart "$1" "$2" --node "$DIACHAIN_NODE" --output json | jq -c .data; }

# by_proposal K ACTION ADDR: organisation K proposes ACTION ADDR (its weight votes yes), the
# next members vote yes until the threshold is met, and K executes it.
by_proposal() {
  local k=$1 action=$2 addr=$3 out id threshold voted=1 m
  out=$(bash scripts/gov.sh --chain-id "$CHAIN_ID" --from "org$k" --json propose "$action" "$addr") \
    || die "org$k could not propose $action $addr: $out"
  id=$(jq -r .proposal_id <<<"$out")
  threshold=$(jq -r .proposal.threshold <<<"$out")
  for ((m = 1; m <= ORGS && voted < threshold; m++)); do
    [ "$m" = "$k" ] && continue
    bash scripts/gov.sh --chain-id "$CHAIN_ID" --from "org$m" --json vote "$id" yes >/dev/null \
      || die "org$m could not vote on proposal $id ($action $addr)"
    voted=$((voted + 1))
  done
  bash scripts/gov.sh --chain-id "$CHAIN_ID" --from "org$k" --json execute "$id" >/dev/null \
    || die "proposal $id ($action $addr) could not be executed"
  log "proposal $id: $action $addr (proposed by org$k, $voted of $ORGS members voted yes, executed)"
}

# admit_relayer K ADDR: ADDR admitted as a relayer (registry) and a custodian (consent), by the
# consortium key (K = 0) or by proposals (K > 0); either is skipped if already in place.
admit_relayer() {
  local k=$1 addr=$2
  if [ "$(smart "$REGISTRY" "{\"is_active_relayer\":{\"address\":\"$addr\"}}")" != true ]; then
    log "admitting the relayer $addr"
    if [ "$k" = 0 ]; then
      keyring_tx wasm execute "$REGISTRY" \
        "{\"admit_participant\":{\"role\":\"relayer\",\"address\":\"$addr\",\"label\":\"main-job relayer\"}}"
    else
      by_proposal "$k" admit-relayer "$addr"
    fi
  fi
  # The relayer serves data only after CheckAccess and records each access as a custodian.
  if [ "$(smart "$CONSENT" "{\"member\":{\"role\":\"custodian\",\"address\":\"$addr\"}}")" = null ]; then
    log "admitting the relayer $addr as a consent custodian"
    if [ "$k" = 0 ]; then
      keyring_tx wasm execute "$CONSENT" "{\"admit_member\":{\"role\":\"custodian\",\"address\":\"$addr\"}}"
    else
      by_proposal "$k" admit-custodian "$addr"
    fi
  fi
}

# setup_relayer K: organisation K's relayer key, master key, admission, funds and config; sets
# ADDRS[K].
declare -a ADDRS=()
setup_relayer() {
  local k=$1 base dir secrets key_line addr balance
  base=$(org_dir "$k"); dir="$base/relayer"; secrets="$base/relayer-secrets"
  mkdir -p "$dir/store" "$secrets"
  chmod 700 "$secrets"
  # An empty file is what an interrupted earlier run left: write it again.
  [ -s "$secrets/master.key" ] || { rm -f "$secrets/master.key"; "$BIN" generate-master-key --out "$secrets/master.key" >/dev/null; }
  if [ "$k" = 0 ]; then
    [ -s "$secrets/relayer.key" ] || { rm -f "$secrets/relayer.key"; "$BIN" keys create --out "$secrets/relayer.key" >/dev/null; }
    addr=$("$BIN" keys show --key-file "$secrets/relayer.key" | jq -r .address)
    key_line="key_file = \"$PWD/$secrets/relayer.key\""
  else
    # The organisation's relayer key of the test keyring (funded at genesis).
    addr=$("$BIN" keys show --mnemonic-file "$DIACHAIN_LOGS/key-org$k-relayer.json" | jq -r .address)
    key_line="mnemonic_file = \"$(realpath "$DIACHAIN_LOGS/key-org$k-relayer.json")\""
  fi
  ADDRS[k]=$addr
  admit_relayer "$k" "$addr"
  balance=$("$DIACHAIN_WASMD" query bank balance "$addr" "$DIACHAIN_DENOM" --node "$DIACHAIN_NODE" \
    --output json | jq -r '.balance.amount // "0"')
  if [ "$balance" -lt 100000000 ]; then
    log "funding the relayer $addr with 1000000000$DIACHAIN_DENOM"
    keyring_tx bank send consortium "$addr" "1000000000$DIACHAIN_DENOM"
  fi
  cat > "$dir/relayer.toml" <<EOF
# Written by scripts/run.sh.
[store]
$(store_lines "$k")
master_key_file = "$PWD/$secrets/master.key"
[server]
listen = "127.0.0.1:$(org_port "$k")"
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
$key_line
[log]
format = "json"
EOF
}

# store_lines K: organisation K's [store] settings: its embedded file, or its own database on
# the private PostgreSQL server (run.sh --store postgres).
store_lines() {
  local k=$1
  if [ "${STORE:-redb}" = postgres ]; then
    echo "backend = \"postgres\""
    echo "database_url = \"$(bash scripts/pg.sh start --name "$CHAIN_ID" --db "relayer_org$k")\""
    echo "exports_dir = \"$PWD/$(org_dir "$k")/relayer/store/exports\""
  else
    echo "path = \"$PWD/$(org_dir "$k")/relayer/store/relayer.redb\""
  fi
}

# store_args K: the same as command-line flags (for export-proof).
store_args() {
  local k=$1
  if [ "${STORE:-redb}" = postgres ]; then
    echo "--store postgres --database-url $(bash scripts/pg.sh url --name "$CHAIN_ID" --db "relayer_org$k")"
  else
    echo "--store-path $(org_dir "$k")/relayer/store/relayer.redb"
  fi
}

start_relayer() { # start_relayer K
  local k=$1 dir port
  dir="$(org_dir "$k")/relayer"; port=$(org_port "$k")
  "$BIN" serve --config "$dir/relayer.toml" >>"$dir/relayer.log" 2>&1 &
  RELAYER_PIDS[k]=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    kill -0 "${RELAYER_PIDS[k]}" 2>/dev/null || die "the relayer exited; see $dir/relayer.log"
    sleep 0.5
  done
  die "the relayer did not answer on port $port; see $dir/relayer.log"
}

stop_relayer() { # stop_relayer K
  local pid=${RELAYER_PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  RELAYER_PIDS[$1]=""
}

# simulate K ARGS...: organisation K's gateway simulator (its own seed, state and patient).
simulate() {
  local k=$1 dir patient seed; shift
  dir="$(org_dir "$k")/relayer"
  if [ "$k" = 0 ]; then patient=patient seed=main-job; else patient="org$k-patient" seed="main-job-org$k"; fi
  "$SIM" --relayer "http://127.0.0.1:$(org_port "$k")" --node "$DIACHAIN_NODE" --chain-id "$CHAIN_ID" \
    --deployment "$DEP" --gas-price "$DIACHAIN_GAS_PRICE" \
    --manufacturer-mnemonic-file "$DIACHAIN_LOGS/key-manufacturer.json" \
    --patient-mnemonic-file "$DIACHAIN_LOGS/key-$patient.json" \
    --seed "$seed" --devices "$(org_devices "$k")" --kind gateway --p256-share 0.5 \
    --interval-secs 2 --batch-readings 12 --state "$dir/simulate-state.json" \
    --header-version 1 \
    --pump-share 0.4 --pen-share 0.35 --event-batch-secs 60 "$@"
  # Version 1 headers count every reading under the gateway kind's scope, whose minimum interval
  # is 1 s; version 2 would count these readings as glucose, which the chain spaces a minute
  # apart. Each gateway is a person's glucose sensor; by the seed, some also have a pump,
  # others a pen and an app (with 2 people: one of each; with 8: 2, 4 and 2 with their CGM
  # only). Those log the insulin and carbohydrates the person's model applied, a minute apart at
  # least, in version 2 headers, posted once the first reading is a minute old.
}

status_of() { curl -sf "http://127.0.0.1:$(org_port "$1")/v1/status"; }

# first_round K: one batch per gateway, anchored; then a proof exported from the store and
# verified against the chain (the store is the relayer's alone while it runs: stopped meanwhile).
declare -a VERDICTS=()
first_round() {
  local k=$1 dir secrets s device proof
  dir="$(org_dir "$k")/relayer"; secrets="$(org_dir "$k")/relayer-secrets"
  simulate "$k" --batches "$(org_devices "$k")" > "$dir/simulate-first.json" 2>>"$dir/simulate.log"
  for _ in $(seq 1 120); do
    s=$(status_of "$k") && [ "$(jq '.pending + .in_flight' <<<"$s")" = 0 ] && break
    sleep 0.5
  done
  [ "$(jq '.pending + .in_flight' <<<"$(status_of "$k")")" = 0 ] || die "the first round was not anchored: $(status_of "$k")"
  stop_relayer "$k"
  device=$(jq -r '.devices | to_entries | map(select(.value.next_seq > 1)) | .[0].key' "$dir/simulate-state.json")
  # The proof holds a reading's value and salt: it is kept with the secrets (mode 700).
  proof="$secrets/proof.json"
  local store; read -ra store <<<"$(store_args "$k")"
  (umask 077 && "$BIN" export-proof "${store[@]}" \
    --master-key-file "$secrets/master.key" --device "$device" --seq 1 > "$proof")
  VERIFY=("$BIN" verify --proof "$proof" --node "$DIACHAIN_NODE" --chain-id "$CHAIN_ID" --anchors-contract "$ANCHORS")
  "${VERIFY[@]}" > "$dir/proof-verdict.json" || die "the proof did not verify: $(cat "$dir/proof-verdict.json")"
  VERDICTS[k]="$proof -> $(jq -c '{verified, device_id, seq, anchored_height}' "$dir/proof-verdict.json")"
  start_relayer "$k"
}

# stream K [ARGS...]: organisation K's gateways stream in the background (the binary itself,
# not a subshell, so that SIGTERM reaches it).
stream() {
  local k=$1 dir; dir="$(org_dir "$k")/relayer"; shift
  simulate "$k" "$@" > "$dir/simulate.json" 2>>"$dir/simulate.log" &
  SIM_PIDS[k]=$!
}

# settle K: once the gateways stopped, waits (up to 120 s) until organisation K's relayer has
# nothing pending or in flight, and keeps its final status and metrics beside its log
# (final-status.json, final-metrics.txt).
settle() {
  local k=$1 dir s=""
  dir="$(org_dir "$k")/relayer"
  for _ in $(seq 1 240); do
    s=$(status_of "$k") && [ "$(jq '.pending + .in_flight' <<<"$s")" = 0 ] && break
    sleep 0.5
  done
  s=$(status_of "$k") || die "the relayer on port $(org_port "$k") does not answer; see $dir/relayer.log"
  [ "$(jq '.pending + .in_flight' <<<"$s")" = 0 ] || die "the relayer on port $(org_port "$k") did not anchor everything within 120 s: $s"
  echo "$s" > "$dir/final-status.json"
  curl -sf "http://127.0.0.1:$(org_port "$k")/metrics" > "$dir/final-metrics.txt"
  log "relayer ${ADDRS[k]}: $(jq -c '{anchored, failed, pending, in_flight}' <<<"$s")"
}
