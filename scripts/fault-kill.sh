#!/usr/bin/env bash
# The relayer killed with SIGKILL again and again while simulated gateways stream, then an
# account of every reading: acknowledged (201) ⊆ stored exactly once = anchored exactly once.
#
#   scripts/fault-kill.sh [--kills N] [--gateways G] [--min-up S] [--max-up S] [--early PCT]
#                         [--seed N] [--chain-id ID] [--port-base P] [--port R] [--no-build]
#
# A fresh network of its own (default diachain-kill-1, port base 28400: RPC 28401; the relayer on
# 127.0.0.1:28480) with the suite deployed (--no-build: artifacts/ as they are), the relayer under
# the network's admitted `relayer` key on one embedded store, and G (default 100) gateways of
# diachain-simulate bound to the network's `patient`, each posting 12 readings 2 s apart per
# batch, logging every batch the relayer answered 201 (--acks). While they stream the relayer
# is killed N times (default 1,000) with SIGKILL and started again on the same store at once:
# it runs a random time between --min-up and --max-up seconds (default 0.2 and 3), or, for
# --early percent of the kills (default 10), under 0.2 s (while it opens its store and connects).
# The moments are drawn from --seed (default 1), so a run can be repeated.
#
# After the last restart the gateways stop, the relayer drains its queue, and everything is
# counted three ways: the simulator's acknowledgements (.chain/<id>/fault-kill/acks.jsonl), the
# store as the patient reads it back through the relayer's data API (every reading, with its
# batch and anchoring state) and /v1/status, and the reading-anchors contract (every batch of
# every gateway). Printed as a table (and kept as fault-kill/summary.json):
#   acknowledged   readings the relayer answered 201 for
#   stored         distinct (device, seq) in the store; duplicates: a (device, seq) in two batches
#   anchored       readings in the batches on chain; duplicates: batches of a device that overlap
#   lost           acknowledged but not stored, or not anchored
#   unacknowledged stored and anchored, but the gateway had no 201 (committed, then killed before
#                  the answer left; the gateway's retry found the relayer down). Not a loss.
# Exit status 1 on any lost or duplicated reading, a batch failed or left pending, a difference
# between the store and the chain, or an acknowledged batch not anchored as that very range.
# Not in CI (a full run takes tens of minutes); docs/reliability.md has the figures.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/faults.sh
source scripts/lib/faults.sh

CHAIN_ID=diachain-kill-1 PORT_BASE=28400 PORT=28480 KILLS=1000 GATEWAYS=100
MIN_UP=0.2 MAX_UP=3 EARLY=10 SEED=1 BUILD=()
usage="usage: scripts/fault-kill.sh [--kills N] [--gateways G] [--min-up S] [--max-up S] [--early PCT] [--seed N] [--chain-id ID] [--port-base P] [--port R] [--no-build]"
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) KILLS=${2:?--kills needs a number}; shift 2 ;;
    --gateways) GATEWAYS=${2:?--gateways needs a number}; shift 2 ;;
    --min-up) MIN_UP=${2:?--min-up needs seconds}; shift 2 ;;
    --max-up) MAX_UP=${2:?--max-up needs seconds}; shift 2 ;;
    --early) EARLY=${2:?--early needs a percentage}; shift 2 ;;
    --seed) SEED=${2:?--seed needs a number}; shift 2 ;;
    --chain-id) CHAIN_ID=${2:?--chain-id needs a value}; shift 2 ;;
    --port-base) PORT_BASE=${2:?--port-base needs a port}; shift 2 ;;
    --port) PORT=${2:?--port needs a port}; shift 2 ;;
    --no-build) BUILD=(--no-build); shift ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) die "$usage" ;;
  esac
done
[[ "$KILLS" =~ ^[0-9]{1,6}$ ]] || die "--kills takes a number, got '$KILLS'"
[[ "$GATEWAYS" =~ ^[1-9][0-9]{0,3}$ ]] || die "--gateways takes 1..9999, got '$GATEWAYS'"
[[ "$SEED" =~ ^[0-9]{1,5}$ ]] || die "--seed takes a number up to 5 digits, got '$SEED'"
[[ "$EARLY" =~ ^[0-9]{1,2}$|^100$ ]] || die "--early takes a percentage 0..100, got '$EARLY'"
ms() { # ms SECONDS: whole milliseconds of a decimal number of seconds
  [[ "$1" =~ ^([0-9]{1,3})(\.([0-9]{1,3}))?$ ]] || die "a time in seconds (at most 3 decimals) was expected, got '$1'"
  local frac=${BASH_REMATCH[3]:-0}
  frac=$(printf '%-3s' "$frac"); frac=${frac// /0}
  echo $((10#${BASH_REMATCH[1]} * 1000 + 10#$frac))
}
MIN_MS=$(ms "$MIN_UP") MAX_MS=$(ms "$MAX_UP")
[ "$MIN_MS" -ge 200 ] && [ "$MAX_MS" -ge "$MIN_MS" ] || die "--min-up must be at least 0.2 s and --max-up at least --min-up"

WORK=".chain/$CHAIN_ID/fault-kill"
RELAYER_PID="" SIM_PID=""
cleanup() {
  trap - EXIT
  [ -z "$SIM_PID" ] || { kill -TERM "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; }
  [ -z "$RELAYER_PID" ] || { kill -KILL "$RELAYER_PID" 2>/dev/null || true; wait "$RELAYER_PID" 2>/dev/null || true; }
  bash scripts/chain.sh stop --chain-id "$CHAIN_ID" || true
}
trap cleanup EXIT
started=$SECONDS
faults_network
rm -rf "$WORK" && mkdir -p "$WORK"
faults_binaries
faults_relayer_setup
relayer_spawn
relayer_ready 120
log "registering and binding $GATEWAYS gateways"
sim_args
"$SIM" "${SIM_ARGS[@]}" --seed fault-kill --devices "$GATEWAYS" --state "$WORK/simulate-state.json" --setup-only \
  > "$WORK/setup.json" 2>>"$WORK/simulate.log" || die "the gateways' setup failed; see $WORK/simulate.log"
stream_from=$(date +%s)
"$SIM" "${SIM_ARGS[@]}" --seed fault-kill --devices "$GATEWAYS" --state "$WORK/simulate-state.json" \
  --acks "$WORK/acks.jsonl" > "$WORK/simulate.json" 2>>"$WORK/simulate.log" &
SIM_PID=$!
sleep 5

# The kills. RANDOM is seeded, so the same --seed draws the same moments.
RANDOM=$SEED
early=0 served=0 kill_started=$SECONDS
for ((k = 1; k <= KILLS; k++)); do
  if [ $((RANDOM % 100)) -lt "$EARLY" ]; then
    up=$((RANDOM % 200)); early=$((early + 1))
  else
    up=$((MIN_MS + (RANDOM * 32768 + RANDOM) % (MAX_MS - MIN_MS + 1)))
  fi
  sleep "$((up / 1000)).$(printf '%03d' $((up % 1000)))"
  # Whether it was serving when killed (the answer takes a few milliseconds, part of the moment).
  if curl -sf -m 0.2 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then served=$((served + 1)); fi
  kill -KILL "$RELAYER_PID" 2>/dev/null || true
  wait "$RELAYER_PID" 2>/dev/null || true
  kill -0 "$SIM_PID" 2>/dev/null || die "the gateway simulator stopped after kill $k; see $WORK/simulate.log"
  relayer_spawn
  if [ $((k % 50)) -eq 0 ] || [ "$k" -eq "$KILLS" ]; then
    log "kill $k of $KILLS after $((SECONDS - kill_started)) s ($served hit a serving relayer, $early under 0.2 s); $(wc -l < "$WORK/acks.jsonl" 2>/dev/null || echo 0) batches acknowledged so far"
  fi
done
kill_secs=$((SECONDS - kill_started))
relayer_ready 600
log "$KILLS kills in $kill_secs s; the relayer is up again; streaming 20 s more, then the gateways stop"
sleep 20
kill -TERM "$SIM_PID"
wait "$SIM_PID" || die "the gateway simulator failed; see $WORK/simulate.log"
SIM_PID=""
stream_to=$(date +%s)
drain_started=$SECONDS
status=$(relayer_drained 900)
drain_secs=$((SECONDS - drain_started))
echo "$status" > "$WORK/final-status.json"
log "drained in $drain_secs s: $(jq -c '{anchored, failed, pending, in_flight}' <<<"$status")"

# The three accounts, one "device seq" line per reading (sorted), and the batches.
A="$WORK/account"
mkdir -p "$A"
jq -r '"\(.device) \(.first_seq) \(.last_seq)"' "$WORK/acks.jsonl" | sort > "$A/acked-batches"
awk '{ for (s = $2; s <= $3; s++) print $1, s }' "$A/acked-batches" | sort > "$A/acked"
: > "$A/chain-batches"
jq -r '.devices | keys[]' "$WORK/simulate-state.json" > "$A/devices"
while read -r d; do
  chain_batches "$d" | jq -r '"\(.device_id) \(.first_seq) \(.last_seq) \(.anchored_height)"' >> "$A/chain-batches"
done < "$A/devices"
awk '{ for (s = $2; s <= $3; s++) print $1, s }' "$A/chain-batches" | sort > "$A/chain"
: > "$A/store-rows"
for ((t = stream_from - 120; t <= stream_to + 60; t += 300)); do
  patient_readings "$t" $((t + 299)) >> "$A/store-rows"
done
sort -u "$A/store-rows" > "$A/store-rows.u"
awk '{ print $2, $3 }' "$A/store-rows.u" | sort > "$A/store"

count() { wc -l < "$1" | tr -d ' '; }
dups() { uniq -d "$1" | wc -l | tr -d ' '; }       # lines present more than once (sorted input)
minus() { comm -23 <(sort -u "$1") <(sort -u "$2") | wc -l | tr -d ' '; }
acked=$(count "$A/acked") acked_batches=$(count "$A/acked-batches")
stored=$(sort -u "$A/store" | wc -l | tr -d ' ') store_dup=$(dups "$A/store")
anchored=$(sort -u "$A/chain" | wc -l | tr -d ' ') chain_dup=$(dups "$A/chain")
lost_store=$(minus "$A/acked" "$A/store") lost_chain=$(minus "$A/acked" "$A/chain")
store_not_chain=$(minus "$A/store" "$A/chain") chain_not_store=$(minus "$A/chain" "$A/store")
unacked=$(minus "$A/store" "$A/acked") ack_dup=$(dups "$A/acked")
not_anchored_rows=$(awk '$4 != "anchored"' "$A/store-rows.u" | wc -l | tr -d ' ')
# Each acknowledged batch is one batch on chain, the very same range.
ack_not_exact=$(comm -23 <(sort -u "$A/acked-batches") <(awk '{ print $1, $2, $3 }' "$A/chain-batches" | sort -u) | wc -l | tr -d ' ')
chain_batches=$(count "$A/chain-batches")

jq -n --argjson kills "$KILLS" --argjson served "$served" --argjson early "$early" \
  --argjson kill_secs "$kill_secs" --argjson drain_secs "$drain_secs" --argjson wall "$((SECONDS - started))" \
  --argjson gateways "$GATEWAYS" --argjson acked "$acked" --argjson acked_batches "$acked_batches" \
  --argjson ack_dup "$ack_dup" --argjson stored "$stored" --argjson store_dup "$store_dup" \
  --argjson anchored "$anchored" --argjson chain_dup "$chain_dup" \
  --argjson chain_batches "$chain_batches" --argjson lost_store "$lost_store" --argjson lost_chain "$lost_chain" \
  --argjson store_not_chain "$store_not_chain" --argjson chain_not_store "$chain_not_store" \
  --argjson unacked "$unacked" --argjson not_anchored_rows "$not_anchored_rows" \
  --argjson ack_not_exact "$ack_not_exact" --argjson status "$status" \
  --slurpfile sim "$WORK/simulate.json" \
  '{kills: $kills, kills_while_serving: $served, kills_under_200ms: $early, kill_phase_secs: $kill_secs,
    drain_secs: $drain_secs, wall_secs: $wall, gateways: $gateways,
    simulator: ($sim[0] | {batches_posted, batches_accepted, batches_replayed, readings_accepted, transport_errors, rejected, renumbered}),
    acknowledged: {batches: $acked_batches, readings: $acked, duplicates: $ack_dup},
    stored: {readings: $stored, duplicates: $store_dup, not_anchored: $not_anchored_rows,
             status: ($status | {anchored, failed, pending, in_flight})},
    anchored: {batches: $chain_batches, readings: $anchored, duplicates: $chain_dup},
    lost: {not_stored: $lost_store, not_anchored: $lost_chain},
    store_vs_chain: {stored_not_anchored: $store_not_chain, anchored_not_stored: $chain_not_store},
    acknowledged_batches_not_anchored_as_sent: $ack_not_exact,
    unacknowledged_but_stored: $unacked}' > "$WORK/summary.json"

failed=$(jq '.failed' <<<"$status") pending=$(jq '.pending + .in_flight' <<<"$status")
printf '\n%-44s %12s\n' "relayer SIGKILLed (restarted on its store)" "$KILLS"
printf '%-44s %12s\n' "  of them while serving / under 0.2 s" "$served / $early"
printf '%-44s %12s\n' "gateways" "$GATEWAYS"
printf '%-44s %12s\n' "readings acknowledged (201)" "$acked"
printf '%-44s %12s\n' "readings stored (read back by the patient)" "$stored"
printf '%-44s %12s\n' "readings anchored on chain" "$anchored"
printf '%-44s %12s\n' "batches acknowledged / anchored" "$acked_batches / $chain_batches"
printf '%-44s %12s\n' "duplicates: store / chain" "$store_dup / $chain_dup"
printf '%-44s %12s\n' "lost: not stored / not anchored" "$lost_store / $lost_chain"
printf '%-44s %12s\n' "store vs chain: only stored / only anchored" "$store_not_chain / $chain_not_store"
printf '%-44s %12s\n' "acknowledged batches not on chain as sent" "$ack_not_exact"
printf '%-44s %12s\n' "stored without a 201 (answer lost in a kill)" "$unacked"
printf '%-44s %12s\n' "batches failed / left pending" "$failed / $pending"
printf '%-44s %12s\n' "kill phase / drain / whole run (s)" "$kill_secs / $drain_secs / $((SECONDS - started))"
echo "details: $WORK/summary.json"

# The store's own count of anchored batches is the chain's.
status_anchored=$(jq '.anchored' <<<"$status")
[ "$status_anchored" = "$chain_batches" ] || log "the store counts $status_anchored anchored batches, the chain holds $chain_batches"
bad=$((lost_store + lost_chain + store_dup + chain_dup + store_not_chain + chain_not_store + ack_not_exact + failed + pending + not_anchored_rows))
[ "$status_anchored" = "$chain_batches" ] || bad=$((bad + 1))
[ "$acked" -gt 0 ] || die "no reading was acknowledged: nothing was tested (see $WORK/simulate.log)"
[ "$bad" -eq 0 ] || die "FAILED: readings lost, duplicated, failed or unaccounted for (above; $WORK/account/)"
log "passed: every acknowledged reading stored once and anchored once"
