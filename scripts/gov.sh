#!/usr/bin/env bash
# Governance of a DiaChain deployment by its member organisations (docs/governance.md): runs the
# diachain-gov binary (packages/governance) against deployments/<chain-id>.json, whose governance
# section names the cw4-group of members and the cw3-flex-multisig that administers every
# contract. This script builds the binary and hands it the member's key.
#
#   scripts/gov.sh members                                   who holds what, members, threshold
#   scripts/gov.sh propose ACTION ARGS [--title T] [--description D] [--expires-in SECONDS]
#   scripts/gov.sh vote ID yes|no|abstain|veto
#   scripts/gov.sh execute ID        scripts/gov.sh close ID
#   scripts/gov.sh list [--all]      scripts/gov.sh show ID
#   scripts/gov.sh upload WASM       (store a build the multisig may migrate to)
# ACTION: admit-manufacturer|admit-relayer ADDR [--label L], suspend-manufacturer|suspend-relayer
#   ADDR --reason R, reinstate-manufacturer|reinstate-relayer ADDR, remove-manufacturer|
#   remove-relayer ADDR, admit-emergency|remove-emergency|admit-custodian|remove-custodian ADDR,
#   set-sampling-limits KIND=SECONDS..., accept-admin [CONTRACT...], add-member ADDR[:WEIGHT]...,
#   remove-member ADDR..., set-weight ADDR:WEIGHT..., replace-member OLD NEW,
#   migrate CONTRACT --code-id N (--wasm FILE | --checksum HEX).
#   On a local network ADDR may be a key name of .chain/<chain-id>/logs/.
#
# Local network started by scripts/chain.sh: [--chain-id ID] --from KEY (the member's key name).
# Remote: --node URL --chain-id ID --gas-prices P --from KEY [--keyring-backend os|file|test]
#   [--keyring-dir DIR] [--wasmd PATH]: the key is exported from the wasmd keyring into a file
#   only its owner may read, removed on exit. Or give --key-file / --mnemonic-file yourself.
# --json prints one JSON object on stdout (for scripts; on failure {"error": ..., "exit_code": N}).
# Exit status: 0 done, 1 refused (by the chain, a contract, or a check against the chain's
# state: nothing was proposed or changed), 2 bad usage (nothing was sent).
# DIACHAIN_GOV_BIN: a diachain-gov binary already built (else it is built like the tests).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/keys.sh
source scripts/lib/keys.sh

CHAIN_ID=${DIACHAIN_CHAIN_ID:-diachain-local-1}
NODE="" FROM="" KEYRING_BACKEND="" KEYRING_DIR="" WASMD=""
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --chain-id) CHAIN_ID=${2:?--chain-id needs a value}; shift 2 ;;
    --node) NODE=${2:?--node needs a URL}; ARGS+=(--node "$2"); shift 2 ;;
    --from) FROM=${2:?--from needs a key name}; shift 2 ;;
    --keyring-backend) KEYRING_BACKEND=${2:?--keyring-backend needs a value}; shift 2 ;;
    --keyring-dir) KEYRING_DIR=${2:?--keyring-dir needs a folder}; shift 2 ;;
    --wasmd) WASMD=${2:?--wasmd needs a path}; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
ARGS+=(--chain-id "$CHAIN_ID")

if [ -n "${DIACHAIN_GOV_BIN:-}" ]; then
  BIN=$DIACHAIN_GOV_BIN
  [ -x "$BIN" ] || DIE_STATUS=2 die "DIACHAIN_GOV_BIN=$BIN is not an executable"
else
  # Built as the workspace's test build builds it (scripts/test.sh: cargo test --workspace
  # --no-run; its integration test needs the binary), so after that step nothing is rebuilt.
  cargo test --locked -q --workspace --no-run --test gov_cli >&2 \
    || DIE_STATUS=2 die "building diachain-gov failed"
  BIN="$(target_dir)/debug/diachain-gov"
fi

# The member's key: a local network's keys are files the binary reads itself (--from NAME); a key
# of a wasmd keyring (remote, or keyring flags) is exported into a 0600 file removed on exit.
if [ -n "$FROM" ] && { [ -n "$NODE" ] || [ -n "$KEYRING_BACKEND" ] || [ -n "$KEYRING_DIR" ]; }; then
  DIE_STATUS=2 keyring_key_file
  ARGS+=(--key-file "$KEY_FILE")
elif [ -n "$FROM" ]; then
  ARGS+=(--from "$FROM")
fi

# Not exec: the trap must remove the exported key file after the binary exits.
status=0
"$BIN" "${ARGS[@]}" || status=$?
exit "$status"
