#!/usr/bin/env bash
# End-to-end tests on a real wasmd node: starts a fresh local network of its own (chain
# diachain-e2e-1, RPC 127.0.0.1:27657, so it does not disturb a developer's diachain-local-1),
# deploys the suite from artifacts/, runs the e2e tests (tests/e2e) against it and stops it,
# also on failure. Node logs stay in .chain/diachain-e2e-1/logs/.
# Usage: scripts/e2e.sh [--no-build]   (--no-build: use artifacts/ as they are)
set -euo pipefail
cd "$(dirname "$0")/.."
CHAIN_ID=${DIACHAIN_E2E_NETWORK:-diachain-e2e-1}
PORT_BASE=${DIACHAIN_E2E_PORT_BASE:-27656}
BUILD=(); [ "${1:-}" = "--no-build" ] && BUILD=(--no-build)

start=$SECONDS
bash scripts/chain.sh start --chain-id "$CHAIN_ID" --port-base "$PORT_BASE" --reset
trap 'bash scripts/chain.sh stop --chain-id "$CHAIN_ID"' EXIT
bash scripts/deploy.sh --chain-id "$CHAIN_ID" "${BUILD[@]}"
DIACHAIN_E2E_CHAIN_ID=$CHAIN_ID cargo test --locked -p diachain-e2e -- --test-threads=1 --nocapture
echo "e2e: passed in $((SECONDS - start)) s (network start, deployment and tests)"
