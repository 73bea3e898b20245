#!/usr/bin/env bash
# Deploys the DiaChain suite (device-registry, reading-anchors, consent, data-union): stores
# the optimized wasm from artifacts/, instantiates the contracts with the deployer as their
# wasm admin (so they can be migrated), wires them (anchors and consent tell the data union;
# the registry admits the manufacturer and relayer; consent admits the emergency provider and
# custodian) and writes deployments/<chain-id>.json (code ids, checksums, addresses, deployer,
# time). The work is done by the diachain-deploy binary (packages/deploy) through the chain
# client, with the contracts' own message types; this script builds it and hands it the key.
#
# Idempotent: a contract whose wasm is unchanged is reused as it is; changed wasm is stored and
# the existing contract migrated to it; wiring already in place is left alone.
#
# Local network started by scripts/chain.sh (keys from its files .chain/<chain-id>/logs/):
#   scripts/deploy.sh [--chain-id diachain-local-1]
# Remote wasmd testnet:
#   scripts/deploy.sh --node https://rpc.example:443 --chain-id testnet-1 --gas-prices 0.025ustake \
#       --from mykey [--keyring-backend os|file|test] [--keyring-dir DIR] \
#       [--manufacturer ADDR] [--relayer ADDR] [--emergency ADDR] [--custodian ADDR] [--treasury ADDR]
# Governance (docs/governance.md): --governance --members KEY_OR_ADDR[:WEIGHT],... --threshold N
#   [--voting-period SECONDS] [--vote-as KEY,KEY] deploys (or keeps) a cw4-group of the members and
#   a cw3-flex-multisig over it (<artifacts>/cw4-group.wasm, cw3-flex-multisig.wasm) and hands it
#   every contract: the deployer sends what its key can (wasm admins, admin offers), members
#   accept by proposal (--vote-as: these local keys vote it through). On an existing single-key
#   deployment the same flags hand it over in place. Reruns read them from the deployment file;
#   a governed deployment is never migrated or rewired by the deployer (it says which proposal).
# Other options: --no-build (use artifacts/ as they are; default runs scripts/build-wasm.sh),
#   --artifacts DIR (deploy the <contract>.wasm files of DIR as they are; implies --no-build),
#   --wasmd PATH (default: the pinned binary from scripts/wasmd-build.sh; exports the --from key
#   and names the client in the deployment file),
#   --fee-bps N (data-union fee, default 200), --grace-period SECONDS (default 604800).
# DIACHAIN_DEPLOY_BIN: a diachain-deploy binary already built (else it is built like the tests).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/keys.sh
source scripts/lib/keys.sh

CHAIN_ID=${DIACHAIN_CHAIN_ID:-diachain-local-1}
NODE="" FROM="" KEYRING_BACKEND="" KEYRING_DIR="" WASMD="" BUILD=1
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --chain-id) CHAIN_ID=${2:?--chain-id needs a value}; shift 2 ;;
    --node) NODE=${2:?--node needs a URL}; ARGS+=(--node "$2"); shift 2 ;;
    --from) FROM=${2:?--from needs a key name}; shift 2 ;;
    --keyring-backend) KEYRING_BACKEND=${2:?--keyring-backend needs a value}; shift 2 ;;
    --keyring-dir) KEYRING_DIR=${2:?--keyring-dir needs a folder}; shift 2 ;;
    --wasmd) WASMD=${2:?--wasmd needs a path}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --governance) ARGS+=(--governance); shift ;;
    --gas-prices|--fee-bps|--grace-period|--manufacturer|--relayer|--emergency|--custodian|--treasury\
      |--members|--threshold|--voting-period|--vote-as)
      [ $# -ge 2 ] || die "$1 needs a value"; ARGS+=("$1" "$2"); shift 2 ;;
    --artifacts) ARGS+=(--artifacts "${2:?--artifacts needs a folder}"); BUILD=0; shift 2 ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
ARGS+=(--chain-id "$CHAIN_ID")

if [ -n "${DIACHAIN_DEPLOY_BIN:-}" ]; then
  BIN=$DIACHAIN_DEPLOY_BIN
  [ -x "$BIN" ] || die "DIACHAIN_DEPLOY_BIN=$BIN is not an executable"
else
  # Built as the workspace's test build builds it (scripts/test.sh: cargo test --workspace
  # --no-run; its integration test needs the binary), so after that step nothing is rebuilt.
  cargo test --locked -q --workspace --no-run --test deploy_cli >&2 \
    || die "building diachain-deploy failed"
  BIN="$(target_dir)/debug/diachain-deploy"
fi

if [ "$BUILD" -eq 1 ]; then bash scripts/build-wasm.sh >&2; fi

# The deployer's key. A local network's keys are files the binary reads itself; a key named by
# --from on a remote network (or with keyring flags) is exported from the wasmd keyring into a
# file only its owner may read, removed on exit; the secret never appears in a command line.
LOCAL_ENV=".chain/$CHAIN_ID/network.env"
if [ -z "$NODE" ] && [ -f "$LOCAL_ENV" ]; then
  [ -n "$WASMD" ] || WASMD=$(sed -n 's/^DIACHAIN_WASMD=//p' "$LOCAL_ENV")
fi
if [ -n "$NODE" ] || [ -n "$KEYRING_BACKEND" ] || [ -n "$KEYRING_DIR" ]; then
  [ -n "$FROM" ] || { [ -z "$NODE" ] && FROM=consortium; } \
    || die "--from (the deployer's key name) is required with --node"
  keyring_key_file
  ARGS+=(--key-file "$KEY_FILE")
elif [ -n "$FROM" ]; then
  ARGS+=(--from "$FROM")
fi
if [ -n "$WASMD" ] && [ -x "$WASMD" ]; then ARGS+=(--wasmd-client "$("$WASMD" version 2>&1)"); fi

"$BIN" "${ARGS[@]}"
