#!/usr/bin/env bash
# Pins wasm codes (or unpins them, --unpin) on a local network through the chain's own
# governance: wasmd's MsgPinCodes / MsgUnpinCodes may only be sent by the gov module account,
# so this submits an expedited gov proposal carrying the message (wasmd tx wasm submit-proposal
# pin-codes, authority = the gov module), deposits the expedited minimum with it, has every
# validator vote (their keys are in the network's test keyring), waits until the proposal is
# decided and checks that the codes are pinned (wasmd q wasm pinned). A pinned code stays in
# every node's in-memory cache: each load of one of its contracts costs 2,000 SDK gas instead of
# 60,000 (docs/gas.md).
#
#   scripts/pin-codes.sh [--chain-id ID] [--unpin] [--from KEY] [--vote OPTION] [--timeout SECS] CODE_ID...
#
#   --chain-id ID    the local network (scripts/chain.sh; default diachain-local-1)
#   --unpin          unpin the codes instead
#   --from KEY       who submits and pays the deposit (default consortium)
#   --vote OPTION    how every validator votes: yes (default), no, abstain or no_with_veto
#                    (anything but yes shows what a refused proposal looks like)
#   --timeout SECS   how long to wait for the decision (default 150: the genesis voting period
#                    is 60 s, 30 s when expedited; an expedited proposal short of its 2/3
#                    threshold becomes a regular one and is decided at the end of the 60 s)
#
# Codes already in the asked state are left out; if none is left, nothing is submitted. Exit
# status 0 only when the proposal passed and every code is (un)pinned; a proposal rejected,
# failed in execution or undecided in time is one line on stderr and status 1.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

CHAIN_ID=${DIACHAIN_CHAIN_ID:-diachain-local-1}
UNPIN=0 FROM=consortium VOTE=yes TIMEOUT=150
VOTE_GAS=200000
CODES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --chain-id) CHAIN_ID=${2:?--chain-id needs a value}; shift 2 ;;
    --unpin) UNPIN=1; shift ;;
    --from) FROM=${2:?--from needs a key name}; shift 2 ;;
    --vote) VOTE=${2:?--vote needs yes, no, abstain or no_with_veto}; shift 2 ;;
    --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ "$1" =~ ^[1-9][0-9]{0,9}$ ]] || die "a code id is a positive number, got '$1'"
       CODES+=("$1"); shift ;;
  esac
done
[ ${#CODES[@]} -gt 0 ] || die "usage: scripts/pin-codes.sh [--chain-id ID] [--unpin] [--from KEY] [--vote OPTION] [--timeout SECS] CODE_ID..."
[[ "$VOTE" =~ ^(yes|no|abstain|no_with_veto)$ ]] || die "--vote takes yes, no, abstain or no_with_veto, got '$VOTE'"
[[ "$TIMEOUT" =~ ^[1-9][0-9]{0,4}$ ]] || die "--timeout takes whole seconds, got '$TIMEOUT'"

load_network "$CHAIN_ID"
W=$DIACHAIN_WASMD
Q=(--node "$DIACHAIN_NODE" --output json)
KEYS=(--keyring-backend test --keyring-dir "$DIACHAIN_KEYRING_DIR")
curl -sf "$DIACHAIN_NODE/status" >/dev/null || die "network $CHAIN_ID does not answer at $DIACHAIN_NODE; start it (scripts/chain.sh start --chain-id $CHAIN_ID)"
"$W" keys show "$FROM" -a "${KEYS[@]}" >/dev/null 2>&1 || die "no key $FROM in the test keyring of $CHAIN_ID"
STARTED=$SECONDS
what=pin; [ "$UNPIN" -eq 0 ] || what=unpin

# pinned_codes: the code ids pinned now, space-separated.
pinned_codes() {
  local out
  out=$("$W" query wasm pinned --limit 1000 "${Q[@]}" 2>&1) || die "cannot read the pinned codes: $out"
  jq -r '.code_ids | join(" ")' <<<"$out"
}

# in_state <id> <pinned list>: whether code <id> is in the state asked for (pinned, or not with
# --unpin).
in_state() {
  local found=1
  [[ " $2 " == *" $1 "* ]] || found=0
  [ "$found" -eq $((1 - UNPIN)) ]
}

# send_tx <what> <gas> <args...>: broadcasts `wasmd tx <args>` with gas limit <gas> ("auto":
# by simulation) and prints its hash.
send_tx() {
  local label=$1 gas=$2 out
  shift 2
  out=$("$W" tx "$@" "${KEYS[@]}" --chain-id "$CHAIN_ID" --node "$DIACHAIN_NODE" --gas "$gas" \
    --gas-adjustment 1.4 --gas-prices "$DIACHAIN_GAS_PRICE" -y -b sync --output json 2>&1 | tail -n 1) \
    || die "$label: the transaction was not accepted: $out"
  [ "$(jq -r .code <<<"$out" 2>/dev/null)" = 0 ] || die "$label: refused: $(jq -r '.raw_log // .' <<<"$out" 2>/dev/null || echo "$out")"
  jq -r .txhash <<<"$out"
}

# included <what> <hash>: waits (30 s at most) for the transaction and prints it as JSON.
included() {
  local res
  for _ in $(seq 1 60); do
    if res=$("$W" query tx "$2" "${Q[@]}" 2>/dev/null); then
      [ "$(jq -r .code <<<"$res")" = 0 ] || die "$1 failed in its block: $(jq -r .raw_log <<<"$res")"
      echo "$res"
      return 0
    fi
    sleep 0.5
  done
  die "$1: transaction $2 not in a block after 30 s"
}

# 1. Which of the codes need the change (each must exist).
pinned=$(pinned_codes)
todo=()
for id in "${CODES[@]}"; do
  "$W" query wasm code-info "$id" "${Q[@]}" >/dev/null 2>&1 || die "code $id does not exist on $CHAIN_ID"
  in_state "$id" "$pinned" || todo+=("$id")
done
if [ ${#todo[@]} -eq 0 ]; then
  log "codes ${CODES[*]} are already ${what}ned on $CHAIN_ID: nothing to propose"
  exit 0
fi

# 2. The proposal, with the expedited minimum deposit.
deposit=$("$W" query gov params "${Q[@]}" | jq -r '.params.expedited_min_deposit | map(.amount + .denom) | join(",")')
[ -n "$deposit" ] || die "cannot read the expedited minimum deposit from the gov params"
log "proposing to $what codes ${todo[*]} (expedited, deposit $deposit, from $FROM)"
hash=$(send_tx "submit the proposal" auto wasm submit-proposal "$what-codes" "${todo[@]}" \
  --title "${what^} codes ${todo[*]}" \
  --summary "${what^} the wasm codes ${todo[*]} in the nodes' cache (scripts/pin-codes.sh)" \
  --deposit "$deposit" --expedite --from "$FROM")
proposal=$(included "the proposal" "$hash" \
  | jq -r '[.events[] | select(.type == "submit_proposal") | .attributes[] | select(.key == "proposal_id") | .value][0]')
[[ "$proposal" =~ ^[0-9]+$ ]] || die "no proposal id in the events of transaction $hash"
log "proposal $proposal submitted (tx $hash)"

# 3. Every validator votes, all in the same block or two. Not simulated: a vote costs more once
#    others have voted than its simulation beside them shows (the tally grows).
hashes=()
for ((i = 0; i < DIACHAIN_VALIDATORS; i++)); do
  hashes+=("$(send_tx "validator$i's vote" "$VOTE_GAS" gov vote "$proposal" "$VOTE" --from "validator$i")")
done
for ((i = 0; i < DIACHAIN_VALIDATORS; i++)); do included "validator$i's vote" "${hashes[$i]}" >/dev/null; done
log "$DIACHAIN_VALIDATORS validator(s) voted $VOTE on proposal $proposal"

# 4. The decision.
deadline=$((SECONDS + TIMEOUT))
while :; do
  p=$("$W" query gov proposal "$proposal" "${Q[@]}" | jq -c .proposal)
  status=$(jq -r .status <<<"$p")
  case "$status" in
    PROPOSAL_STATUS_PASSED) break ;;
    PROPOSAL_STATUS_REJECTED)
      die "proposal $proposal was rejected ($(jq -r '.failed_reason // "no reason given"' <<<"$p"); every validator voted $VOTE); codes ${todo[*]} unchanged" ;;
    PROPOSAL_STATUS_FAILED)
      die "proposal $proposal passed but its message failed: $(jq -r '.failed_reason // "no reason given"' <<<"$p")" ;;
  esac
  [ $SECONDS -lt $deadline ] \
    || die "proposal $proposal undecided after $TIMEOUT s ($status, voting ends $(jq -r .voting_end_time <<<"$p")); see wasmd q gov proposal $proposal --node $DIACHAIN_NODE"
  sleep 1
done

# 5. The codes as the chain has them now.
pinned=$(pinned_codes)
for id in "${todo[@]}"; do
  in_state "$id" "$pinned" || die "proposal $proposal passed but code $id is not ${what}ned"
done
log "proposal $proposal passed: codes ${todo[*]} ${what}ned on $CHAIN_ID in $((SECONDS - STARTED)) s (pinned now: ${pinned:-none})"
