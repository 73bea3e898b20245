#!/usr/bin/env bash
# Deploys the DiaChain suite (device-registry, reading-anchors, consent, data-union): stores
# the optimized wasm from artifacts/, instantiates the contracts with the deployer as their
# wasm admin (so they can be migrated), wires them (anchors and consent tell the data union;
# the registry admits the manufacturer and relayer; consent admits the emergency provider and
# custodian) and writes deployments/<chain-id>.json (code ids, checksums, addresses, deployer,
# time).
#
# Idempotent: a contract whose wasm is unchanged is reused as it is; changed wasm is stored and
# the existing contract migrated to it; wiring already in place is left alone.
#
# Local network started by scripts/chain.sh (keys from its test keyring):
#   scripts/deploy.sh [--chain-id diachain-local-1]
# Remote wasmd testnet:
#   scripts/deploy.sh --node https://rpc.example:443 --chain-id testnet-1 --gas-prices 0.025ustake \
#       --from mykey [--keyring-backend os|file|test] [--keyring-dir DIR] \
#       [--manufacturer ADDR] [--relayer ADDR] [--emergency ADDR] [--custodian ADDR] [--treasury ADDR]
# Other options: --no-build (use artifacts/ as they are; default runs scripts/build-wasm.sh),
#   --artifacts DIR (deploy the <contract>.wasm files of DIR as they are; implies --no-build),
#   --wasmd PATH (default: the pinned binary from scripts/wasmd-build.sh),
#   --fee-bps N (data-union fee, default 200), --grace-period SECONDS (default 604800).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

die() { echo "deploy: $*" >&2; exit 1; }
log() { echo "deploy: $*" >&2; }

CONTRACTS=(device-registry reading-anchors consent data-union)
CHAIN_ID=${DIACHAIN_CHAIN_ID:-diachain-local-1}
NODE="" GAS_PRICES="" FROM="" KEYRING_BACKEND="" KEYRING_DIR="" WASMD=""
BUILD=1 FEE_BPS=200 GRACE=604800 ARTIFACTS=artifacts
declare -A ROLE=()
while [ $# -gt 0 ]; do
  case "$1" in
    --chain-id) CHAIN_ID=$2; shift 2 ;;
    --node) NODE=$2; shift 2 ;;
    --gas-prices) GAS_PRICES=$2; shift 2 ;;
    --from) FROM=$2; shift 2 ;;
    --keyring-backend) KEYRING_BACKEND=$2; shift 2 ;;
    --keyring-dir) KEYRING_DIR=$2; shift 2 ;;
    --wasmd) WASMD=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --fee-bps) FEE_BPS=$2; shift 2 ;;
    --grace-period) GRACE=$2; shift 2 ;;
    --manufacturer|--relayer|--emergency|--custodian|--treasury) ROLE[${1#--}]=$2; shift 2 ;;
    --artifacts) ARTIFACTS=${2:?--artifacts needs a folder}; BUILD=0; shift 2 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

LOCAL_ENV="$ROOT/.chain/$CHAIN_ID/network.env"
if [ -z "$NODE" ]; then
  # The local network: everything comes from chain.sh's settings and test keyring.
  [ -f "$LOCAL_ENV" ] || die "no --node given and no local network $CHAIN_ID (start one: scripts/chain.sh start --chain-id $CHAIN_ID)"
  # shellcheck disable=SC1090
  source "$LOCAL_ENV"
  NODE=$DIACHAIN_NODE
  GAS_PRICES=${GAS_PRICES:-$DIACHAIN_GAS_PRICE}
  KEYRING_BACKEND=${KEYRING_BACKEND:-test}
  KEYRING_DIR=${KEYRING_DIR:-$DIACHAIN_KEYRING_DIR}
  FROM=${FROM:-consortium}
  LOCAL=1
else
  [ -n "$GAS_PRICES" ] || die "--gas-prices is required with --node"
  [ -n "$FROM" ] || die "--from (the deployer's key name) is required with --node"
  KEYRING_BACKEND=${KEYRING_BACKEND:-os}
  LOCAL=0
fi
[ -n "$WASMD" ] || WASMD=$(bash scripts/wasmd-build.sh)

KEYS=(--keyring-backend "$KEYRING_BACKEND")
[ -n "$KEYRING_DIR" ] && KEYS+=(--keyring-dir "$KEYRING_DIR")
DEPLOYER=$("$WASMD" keys show "$FROM" -a "${KEYS[@]}") || die "key $FROM not found in the keyring"

role_addr() { # the address for a role: --<role> flag, else the local keyring's key of that name
  if [ -n "${ROLE[$1]:-}" ]; then echo "${ROLE[$1]}"; return; fi
  if [ "$LOCAL" -eq 1 ]; then "$WASMD" keys show "$1" -a "${KEYS[@]}"; return; fi
  echo ""
}
TREASURY=$(role_addr treasury); TREASURY=${TREASURY:-$DEPLOYER}

curl -sf "$NODE/status" >/dev/null 2>&1 || "$WASMD" status --node "$NODE" >/dev/null 2>&1 \
  || die "node $NODE does not answer (is the network running? scripts/chain.sh status)"

q() { "$WASMD" query "$@" --node "$NODE" --output json; }
smart() { # smart <contract> <query json>: prints the result's JSON; fails on error
  local out; out=$(q wasm contract-state smart "$1" "$2") || die "query $2 on $1 failed"
  echo "$out" | jq -c '.data'
}

# tx <wasmd tx args...>: signs as the deployer, broadcasts, waits for the block, prints the result
tx() {
  local out code hash res err
  err=$(mktemp)
  out=$("$WASMD" tx "$@" --from "$FROM" "${KEYS[@]}" --chain-id "$CHAIN_ID" --node "$NODE" \
        --gas auto --gas-adjustment 1.4 --gas-prices "$GAS_PRICES" -y -b sync --output json 2>"$err") \
    || { out="$(cat "$err") $out"; rm -f "$err"; die "tx $1 $2 failed before broadcast: $out"; }
  rm -f "$err"
  code=$(echo "$out" | jq -r '.code' 2>/dev/null) || die "tx $1 $2: unexpected output: $out"
  [ "$code" = 0 ] || die "tx $1 $2 rejected (code $code): $(echo "$out" | jq -r '.raw_log')"
  hash=$(echo "$out" | jq -r '.txhash')
  for _ in $(seq 1 120); do
    if res=$(q tx "$hash" 2>/dev/null) && [ -n "$res" ]; then
      code=$(echo "$res" | jq -r '.code')
      [ "$code" = 0 ] || die "tx $1 $2 failed in block (code $code): $(echo "$res" | jq -r '.raw_log')"
      echo "$res"
      return 0
    fi
    sleep 0.5
  done
  die "tx $hash not included after 60 s"
}
event_attr() { jq -r --arg t "$1" --arg k "$2" '[.events[] | select(.type == $t) | .attributes[] | select(.key == $k) | .value][0]'; }
execute() { # execute <contract address> <json>
  local res; res=$(tx wasm execute "$1" "$2")
  log "  executed $(echo "$2" | jq -r 'keys[0]') (gas used $(echo "$res" | jq -r .gas_used))"
}

if [ "$BUILD" -eq 1 ]; then bash scripts/build-wasm.sh >&2; fi
for c in "${CONTRACTS[@]}"; do
  [ -f "$ARTIFACTS/$c.wasm" ] || die "$ARTIFACTS/$c.wasm is missing (run scripts/build-wasm.sh)"
done

mkdir -p deployments
FILE="deployments/$CHAIN_ID.json"
PREV='{}'
if [ -f "$FILE" ]; then PREV=$(cat "$FILE"); fi

declare -A CODE_ID=() ADDR=() SUM=()
CHANGED=0 INSTANTIATED=0
CODES=$(q wasm list-code --reverse --limit 1000 2>/dev/null || echo '{}')
for c in "${CONTRACTS[@]}"; do
  SUM[$c]=$(sha256sum "$ARTIFACTS/$c.wasm" | cut -d' ' -f1)
  prev_addr=$(echo "$PREV" | jq -r --arg c "$c" '.contracts[$c].address // empty')
  prev_code=$(echo "$PREV" | jq -r --arg c "$c" '.contracts[$c].code_id // empty')
  # Is the recorded contract still on this chain (a reset local chain forgets everything)?
  if [ -n "$prev_addr" ]; then
    if info=$(q wasm contract "$prev_addr" 2>/dev/null); then
      ADDR[$c]=$prev_addr
      prev_code=$(echo "$info" | jq -r '.contract_info.code_id')
    else
      log "$c: recorded address $prev_addr is not on chain $CHAIN_ID; deploying afresh"
      prev_code=""
    fi
  fi
  # Reuse the code if the chain already holds this exact wasm under the recorded code id.
  if [ -n "$prev_code" ] && on_chain=$(q wasm code-info "$prev_code" 2>/dev/null) \
     && [ "$(echo "$on_chain" | jq -r '.checksum' | tr 'A-F' 'a-f')" = "${SUM[$c]}" ]; then
    CODE_ID[$c]=$prev_code
    log "$c: wasm unchanged (code $prev_code, ${SUM[$c]:0:12}…)"
  else
    # The same wasm stored by the deployer before (an interrupted run): reuse that code.
    found=$(echo "$CODES" | jq -r --arg s "${SUM[$c]}" --arg d "$DEPLOYER" \
      '[.code_infos[]? | select((.checksum // .data_hash | ascii_downcase) == $s and .creator == $d) | .code_id][-1] // empty')
    if [ -n "$found" ]; then
      CODE_ID[$c]=$found
      CHANGED=1
      log "$c: this wasm is already stored as code $found; reusing it"
    else
      log "$c: storing $ARTIFACTS/$c.wasm ($(stat -c %s "$ARTIFACTS/$c.wasm") bytes, ${SUM[$c]:0:12}…)"
      res=$(tx wasm store "$ARTIFACTS/$c.wasm" --instantiate-anyof-addresses "$DEPLOYER")
      CODE_ID[$c]=$(echo "$res" | event_attr store_code code_id)
      CHANGED=1
      log "$c: code id ${CODE_ID[$c]} (gas used $(echo "$res" | jq -r .gas_used))"
    fi
    if [ -n "${ADDR[$c]:-}" ] && [ "$prev_code" != "${CODE_ID[$c]}" ]; then
      res=$(tx wasm migrate "${ADDR[$c]}" "${CODE_ID[$c]}" '{}')
      log "$c: migrated ${ADDR[$c]} to code ${CODE_ID[$c]} (gas used $(echo "$res" | jq -r .gas_used))"
    fi
  fi
done

instantiate() { # instantiate <contract> <json>
  local c=$1 res
  [ -n "${ADDR[$c]:-}" ] && return 0
  res=$(tx wasm instantiate "${CODE_ID[$c]}" "$2" --label "diachain-$c" --admin "$DEPLOYER")
  ADDR[$c]=$(echo "$res" | event_attr instantiate _contract_address)
  CHANGED=1 INSTANTIATED=$((INSTANTIATED + 1))
  log "$c: instantiated at ${ADDR[$c]} (gas used $(echo "$res" | jq -r .gas_used))"
}
instantiate device-registry "$(jq -nc --arg a "$DEPLOYER" '{admin: $a}')"
instantiate reading-anchors "$(jq -nc --arg a "$DEPLOYER" --arg r "${ADDR[device-registry]}" '{admin: $a, registry: $r}')"
instantiate consent "$(jq -nc --arg a "$DEPLOYER" --arg r "${ADDR[device-registry]}" '{admin: $a, registry: $r, max_break_glass_hours: 12, listeners: []}')"
instantiate data-union "$(jq -nc --arg a "$DEPLOYER" --arg an "${ADDR[reading-anchors]}" --arg co "${ADDR[consent]}" \
  --arg t "$TREASURY" --argjson fee "$FEE_BPS" --argjson g "$GRACE" \
  '{admin: $a, anchors: $an, consent: $co, treasury: $t, fee_bps: $fee, grace_period: $g}')"

log "wiring"
REG=${ADDR[device-registry]} ANC=${ADDR[reading-anchors]} CON=${ADDR[consent]} UNI=${ADDR[data-union]}
cfg=$(smart "$ANC" '{"config":{}}')
if ! echo "$cfg" | jq -e --arg u "$UNI" '.listeners | index($u)' >/dev/null; then
  execute "$ANC" "$(jq -nc --arg u "$UNI" '{add_listener: {address: $u}}')"
fi
cfg=$(smart "$CON" '{"config":{}}')
if ! echo "$cfg" | jq -e --arg u "$UNI" '.listeners | index($u)' >/dev/null; then
  execute "$CON" "$(jq -nc --arg u "$UNI" '{set_listeners: {listeners: [$u]}}')"
fi
for r in manufacturer relayer; do
  a=$(role_addr "$r"); [ -n "$a" ] || continue
  cur=$(smart "$REG" "$(jq -nc --arg r "$r" --arg a "$a" '{participant: {role: $r, address: $a}}')")
  if [ "$cur" = null ]; then
    execute "$REG" "$(jq -nc --arg r "$r" --arg a "$a" --arg l "diachain $r" '{admit_participant: {role: $r, address: $a, label: $l}}')"
  fi
done
for pair in emergency:emergency_provider custodian:custodian; do
  r=${pair%%:*} R=${pair#*:}
  a=$(role_addr "$r"); [ -n "$a" ] || continue
  cur=$(smart "$CON" "$(jq -nc --arg r "$R" --arg a "$a" '{member: {role: $r, address: $a}}')")
  if [ "$cur" = null ]; then
    execute "$CON" "$(jq -nc --arg r "$R" --arg a "$a" '{admit_member: {role: $r, address: $a}}')"
  fi
done

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
contracts='{}'
for c in "${CONTRACTS[@]}"; do
  contracts=$(echo "$contracts" | jq --arg c "$c" --argjson id "${CODE_ID[$c]}" --arg sum "${SUM[$c]}" \
    --arg a "${ADDR[$c]}" --arg l "diachain-$c" '.[$c] = {code_id: $id, checksum: $sum, address: $a, label: $l}')
done
roles='{}'
for r in manufacturer relayer emergency custodian treasury; do
  a=$(role_addr "$r"); [ "$r" = treasury ] && a=$TREASURY
  roles=$(echo "$roles" | jq --arg r "$r" --arg a "$a" 'if $a == "" then . else .[$r] = $a end')
done
first=$(echo "$PREV" | jq -r '.deployed_at // empty')
[ "$INSTANTIATED" -eq "${#CONTRACTS[@]}" ] && first=""   # a deployment from scratch
if [ "$CHANGED" -eq 0 ] && [ "$(echo "$PREV" | jq -c '.contracts // {} | map_values({code_id, checksum, address})')" \
     = "$(echo "$contracts" | jq -c 'map_values({code_id, checksum, address})')" ]; then
  log "contracts unchanged since $(echo "$PREV" | jq -r .updated_at)"
  updated=$(echo "$PREV" | jq -r '.updated_at // empty')
else
  updated=$now
fi
jq -n --arg chain "$CHAIN_ID" --arg node "$NODE" --arg d "$DEPLOYER" --arg first "${first:-$now}" \
  --arg upd "${updated:-$now}" --argjson contracts "$contracts" --argjson roles "$roles" \
  --arg wasmd "$("$WASMD" version 2>&1)" --argjson fee "$FEE_BPS" --argjson grace "$GRACE" \
  '{chain_id: $chain, node: $node, deployer: $d, deployed_at: $first, updated_at: $upd,
    wasmd_client: $wasmd, data_union: {fee_bps: $fee, grace_period: $grace},
    contracts: $contracts, roles: $roles}' > "$FILE.tmp"
mv "$FILE.tmp" "$FILE"
log "wrote $FILE"
jq -r '.contracts | to_entries[] | "  \(.key): code \(.value.code_id) at \(.value.address)"' "$FILE" >&2
