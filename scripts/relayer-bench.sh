#!/usr/bin/env bash
# Ingest-to-anchor benchmark on a real network with 1-second blocks: a fresh local network of
# its own (diachain-bench-1, port base 29656), the suite deployed, the relayer (optimised build)
# under the network's admitted relayer key, and N simulated gateways (diachain-simulate)
# streaming device-signed readings (one a second each, 12 per batch, half Ed25519 / half P-256
# keys) for D seconds.
# Prints the acknowledgement latency (measured by the simulator) and the time from
# acknowledgement to the anchoring block (the relayer's ingest_to_anchor_seconds histogram:
# 0.25 s buckets, so percentiles are bucket upper bounds), then stops everything.
# Usage: scripts/relayer-bench.sh [--devices N] [--seconds D] [--port-base P] [--port R] [--no-build]
#   --port-base P  the network's port base (default 29656: RPC 29657; see scripts/chain.sh)
#   --port R       the relayer's HTTP port (default 29990)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
CHAIN_ID=diachain-bench-1 PORT_BASE=29656 PORT=29990 DEVICES=200 SECONDS_TO_RUN=120 BUILD=()
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) DEVICES=$2; shift 2 ;;
    --seconds) SECONDS_TO_RUN=$2; shift 2 ;;
    --port-base) PORT_BASE=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --no-build) BUILD=(--no-build); shift ;;
    *) echo "usage: scripts/relayer-bench.sh [--devices N] [--seconds D] [--port-base P] [--port R] [--no-build]" >&2; exit 2 ;;
  esac
done

bash scripts/chain.sh start --chain-id "$CHAIN_ID" --port-base "$PORT_BASE" --reset
RELAYER_PID=""
cleanup() {
  [ -z "$RELAYER_PID" ] || { kill -TERM "$RELAYER_PID" 2>/dev/null || true; wait "$RELAYER_PID" 2>/dev/null || true; }
  bash scripts/chain.sh stop --chain-id "$CHAIN_ID"
}
trap cleanup EXIT
bash scripts/deploy.sh --chain-id "$CHAIN_ID" "${BUILD[@]}"
load_network "$CHAIN_ID"
DEP="deployments/$CHAIN_ID.json"
log "building the relayer and the gateway simulator (bench profile: optimised)"
cargo build --locked -q -p diachain-relayer -p diachain-simulate --profile bench
BIN="$(target_dir)/release/diachain-relayer" SIM="$(target_dir)/release/diachain-simulate"
[ -x "$BIN" ] || BIN="$(target_dir)/bench/diachain-relayer" SIM="$(target_dir)/bench/diachain-simulate"
DIR=".chain/$CHAIN_ID/relayer-bench"
rm -rf "$DIR"; mkdir -p "$DIR/store" "$DIR/secrets"; chmod 700 "$DIR/secrets"
"$BIN" generate-master-key --out "$DIR/secrets/master.key" >/dev/null
L="$DIACHAIN_LOGS"
"$BIN" serve --store-path "$DIR/store/relayer.redb" --master-key-file "$DIR/secrets/master.key" \
  --listen "127.0.0.1:$PORT" --chain-id "$CHAIN_ID" --node "$DIACHAIN_NODE" --gas-prices "$DIACHAIN_GAS_PRICE" \
  --anchors-contract "$(jq -r '.contracts["reading-anchors"].address' "$DEP")" \
  --registry-contract "$(jq -r '.contracts["device-registry"].address' "$DEP")" \
  --mnemonic-file "$L/key-relayer.json" --log-format json 2>"$DIR/relayer.log" &
RELAYER_PID=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done

log "$DEVICES gateways streaming for $SECONDS_TO_RUN s"
"$SIM" --relayer "http://127.0.0.1:$PORT" --node "$DIACHAIN_NODE" --chain-id "$CHAIN_ID" \
  --deployment "$DEP" --gas-price "$DIACHAIN_GAS_PRICE" \
  --manufacturer-mnemonic-file "$L/key-manufacturer.json" --patient-mnemonic-file "$L/key-patient.json" \
  --seed bench --devices "$DEVICES" --kind gateway --p256-share 0.5 --interval-secs 1 --batch-readings 12 \
  --header-version 1 \
  --duration-secs "$SECONDS_TO_RUN" --register-chunk 100 --state "$DIR/simulate-state.json" \
  > "$DIR/simulate.json" 2>"$DIR/simulate.log"
for _ in $(seq 1 120); do
  s=$(curl -sf "http://127.0.0.1:$PORT/v1/status") && [ "$(jq '.pending + .in_flight' <<<"$s")" = 0 ] && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/metrics" > "$DIR/metrics.txt"
curl -sf "http://127.0.0.1:$PORT/v1/status" > "$DIR/status.json"

# The relayer's ingest_to_anchor_seconds histogram as JSON ({"buckets": [[le, n], ...], "count"}),
# then one summary: percentiles are the upper bound (le) of the first bucket holding that share.
awk 'BEGIN { printf "{\"buckets\":[" }
  /^diachain_relayer_ingest_to_anchor_seconds_bucket/ {
    le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
    printf "%s[\"%s\",%s]", (n++ ? "," : ""), le, $NF
  }
  /^diachain_relayer_ingest_to_anchor_seconds_count/ { count = $NF }
  END { printf "],\"count\":%s}\n", count + 0 }' "$DIR/metrics.txt" > "$DIR/histogram.json"
jq -n --slurpfile sim "$DIR/simulate.json" --slurpfile st "$DIR/status.json" --slurpfile h "$DIR/histogram.json" '
  $sim[0] as $s | $st[0] as $t | $h[0] as $hist
  | def r1: (. * 10 | round) / 10;
    def pct(p): [$hist.buckets[] | {le: .[0], v: (if .[0] == "+Inf" then infinite else (.[0] | tonumber) end), n: .[1]}]
      | sort_by(.v) | map(select(.n >= p * $hist.count)) | first
      | if . == null then null elif .le == "+Inf" then "+Inf" else .v end;
  { gateways: $s.streaming,
    elapsed_secs: ($s.elapsed_secs | r1),
    batches_accepted: $s.batches_accepted,
    readings_accepted: $s.readings_accepted,
    readings_per_sec: ($s.readings_accepted / $s.elapsed_secs | r1),
    rejected: $s.rejected,
    ack_latency_ms: $s.ack_latency_ms,
    anchored: $t.anchored, failed: $t.failed, pending: $t.pending,
    ingest_to_anchor_s: {count: $hist.count, p50_le: pct(0.50), p90_le: pct(0.90), p99_le: pct(0.99), max_le: pct(1.0)} }'
