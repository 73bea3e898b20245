#!/usr/bin/env bash
# Measures gas on a real wasmd node and writes docs/gas.md: starts a fresh local network of its
# own (chain diachain-gas-1, RPC 127.0.0.1:28657), deploys the suite, runs the patient journey,
# the rejections and the anchoring benchmarks (tests/e2e/src/bench.rs) and stops the network.
# Takes a few minutes. Usage: scripts/gas-report.sh [--no-build] [--out FILE]
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
CHAIN_ID=diachain-gas-1
PORT_BASE=${DIACHAIN_GAS_PORT_BASE:-28656}
OUT=docs/gas.md
BUILD=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=(--no-build); shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "usage: scripts/gas-report.sh [--no-build] [--out FILE]" >&2; exit 2 ;;
  esac
done

bash scripts/chain.sh start --chain-id "$CHAIN_ID" --port-base "$PORT_BASE" --reset
trap 'bash scripts/chain.sh stop --chain-id "$CHAIN_ID"' EXIT
bash scripts/deploy.sh --chain-id "$CHAIN_ID" "${BUILD[@]}"
cargo run --locked -p diachain-e2e --bin gas-report -- \
  --chain-id "$CHAIN_ID" --out "$OUT" --command "bash scripts/gas-report.sh"
