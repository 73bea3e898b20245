#!/usr/bin/env bash
# End-to-end tests on a real wasmd node: starts a fresh local network of its own (chain
# diachain-e2e-1, RPC 127.0.0.1:27657, so it does not disturb a developer's diachain-local-1),
# deploys the suite from artifacts/, runs the e2e tests (tests/e2e) against it and stops it,
# also on failure. Node logs stay in .chain/diachain-e2e-1/logs/.
#
# The deployment goes the way of a remote testnet (every setting a flag: --node, --chain-id,
# --gas-prices, --from and the role addresses), then the local way (settings from the
# network's files) must find everything in place and send nothing: both modes of
# scripts/deploy.sh and its idempotence are checked on every run.
# Usage: scripts/e2e.sh [--no-build]   (--no-build: use artifacts/ as they are)
set -euo pipefail
cd "$(dirname "$0")/.."
CHAIN_ID=${DIACHAIN_E2E_NETWORK:-diachain-e2e-1}
PORT_BASE=${DIACHAIN_E2E_PORT_BASE:-27656}
BUILD=(); [ "${1:-}" = "--no-build" ] && BUILD=(--no-build)

start=$SECONDS
bash scripts/chain.sh start --chain-id "$CHAIN_ID" --port-base "$PORT_BASE" --reset
trap 'bash scripts/chain.sh stop --chain-id "$CHAIN_ID"' EXIT

# shellcheck disable=SC1090
source ".chain/$CHAIN_ID/network.env"
KEYS=(--keyring-backend test --keyring-dir "$DIACHAIN_KEYRING_DIR")
addr() { "$DIACHAIN_WASMD" keys show "$1" -a "${KEYS[@]}"; }
echo "e2e: deploying as to a remote testnet (flags only)"
bash scripts/deploy.sh --node "$DIACHAIN_NODE" --chain-id "$CHAIN_ID" \
  --gas-prices "$DIACHAIN_GAS_PRICE" --from consortium "${KEYS[@]}" \
  --manufacturer "$(addr manufacturer)" --relayer "$(addr relayer)" \
  --emergency "$(addr emergency)" --custodian "$(addr custodian)" --treasury "$(addr treasury)" \
  "${BUILD[@]}"
echo "e2e: deploying again the local way: nothing may change"
again=$(bash scripts/deploy.sh --chain-id "$CHAIN_ID" --no-build 2>&1) || { echo "$again" >&2; exit 1; }
if ! grep -q "contracts unchanged" <<<"$again" || grep -qE "storing|instantiated|migrated|executed" <<<"$again"; then
  echo "$again" >&2
  echo "e2e: the second deployment changed something; it should have found everything in place" >&2
  exit 1
fi

DIACHAIN_E2E_CHAIN_ID=$CHAIN_ID cargo test --locked -p diachain-e2e -- --test-threads=1 --nocapture
echo "e2e: passed in $((SECONDS - start)) s (network start, deployment and tests)"
