#!/usr/bin/env bash
# Measures gas on a real wasmd node and writes docs/gas.md: starts a fresh local network of its
# own (chain diachain-gas-1, RPC 127.0.0.1:28657), deploys the suite, runs the patient journey,
# the rejections and the anchoring benchmarks (tests/e2e/src/bench.rs), then pins the suite's
# codes through a governance proposal (scripts/pin-codes.sh) and measures anchoring again
# (tests/e2e/src/pinning.rs), and stops the network. Takes a few minutes.
#
#   scripts/gas-report.sh [--no-build] [--out FILE] [--chain-id ID] [--port-base P]
#
#   --no-build      deploy artifacts/ as they are (default: scripts/build-wasm.sh first)
#   --out FILE      where the report goes (default docs/gas.md; its hand-written notes are kept)
#   --chain-id ID   the network's chain id (default diachain-gas-1)
#   --port-base P   its ports (default 28656, or DIACHAIN_GAS_PORT_BASE; see scripts/chain.sh)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
CHAIN_ID=diachain-gas-1
PORT_BASE=${DIACHAIN_GAS_PORT_BASE:-28656}
OUT=docs/gas.md
BUILD=()
COMMAND="bash scripts/gas-report.sh${*:+ $*}"   # named in the report
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=(--no-build); shift ;;
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --chain-id) CHAIN_ID=${2:?--chain-id needs a value}; shift 2 ;;
    --port-base) PORT_BASE=${2:?--port-base needs a port}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "usage: scripts/gas-report.sh [--no-build] [--out FILE] [--chain-id ID] [--port-base P]" ;;
  esac
done

bash scripts/chain.sh start --chain-id "$CHAIN_ID" --port-base "$PORT_BASE" --reset
trap 'bash scripts/chain.sh stop --chain-id "$CHAIN_ID"' EXIT
bash scripts/deploy.sh --chain-id "$CHAIN_ID" "${BUILD[@]}"
cargo run --locked -p diachain-e2e --bin gas-report -- \
  --chain-id "$CHAIN_ID" --out "$OUT" --command "$COMMAND"
