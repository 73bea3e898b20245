#!/usr/bin/env bash
# Verifies a deployment: rebuilds the contracts from this checkout in a clean directory
# (scripts/clean-build.sh: the committed tree at HEAD, the pinned toolchain of
# rust-toolchain.toml, a cargo target of its own) and compares each contract's sha256 with the
# checksum of the code its address runs on chain: the four contracts of the file's "contracts",
# and when it has "governance", its group (cw4-group.wasm) and multisig (cw3-flex-multisig.wasm),
# cw-plus's, built from third-party/cw-plus. The chain is asked (contract -> code id -> code
# checksum); the checksums written in the deployment file are not trusted. Prints a table
# (contract, code id, on-chain checksum, rebuilt checksum, match) and exits 1 on any mismatch.
#
#   scripts/verify-build.sh deployments/<chain-id>.json     (the node the file names)
#   scripts/verify-build.sh --node URL --chain-id ID        (addresses from deployments/ID.json)
# Options: --rebuilt DIR  compare with the <contract>.wasm of DIR, an earlier clean build
#                         (scripts/clean-build.sh DIR), instead of building again;
#          --wasmd PATH   the wasmd binary to query with (default: the pinned one).
# Exit status: 0 all match, 1 a mismatch (or a contract not on chain), 2 bad usage or the
# rebuild or a query failed.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

DIE_STATUS=2   # bad usage, a failed rebuild or query (1 is a mismatch)

FILE="" NODE="" CHAIN_ID="" REBUILT="" WASMD=""
while [ $# -gt 0 ]; do
  case "$1" in
    --node) NODE=${2:?--node needs a URL}; shift 2 ;;
    --chain-id) CHAIN_ID=${2:?--chain-id needs an id}; shift 2 ;;
    --rebuilt) REBUILT=${2:?--rebuilt needs a folder}; shift 2 ;;
    --wasmd) WASMD=${2:?--wasmd needs a path}; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$FILE" ] || die "one deployment file at a time"; FILE=$1; shift ;;
  esac
done

if [ -n "$FILE" ]; then
  [ -z "$CHAIN_ID" ] || die "give a deployment file or --chain-id, not both"
  [ -f "$FILE" ] || die "no deployment file $FILE"
  CHAIN_ID=$(jq -er .chain_id "$FILE") || die "$FILE names no chain_id"
  [ -n "$NODE" ] || NODE=$(jq -er .node "$FILE") || die "$FILE names no node; give --node"
else
  [ -n "$NODE" ] && [ -n "$CHAIN_ID" ] || die "usage: scripts/verify-build.sh deployments/<chain-id>.json | --node URL --chain-id ID"
  FILE="deployments/$CHAIN_ID.json"
  [ -f "$FILE" ] || die "no deployment file $FILE for the contracts' addresses"
fi
[ -n "$WASMD" ] || WASMD=$(bash scripts/wasmd-build.sh) || die "no wasmd to query the chain with"

q() { "$WASMD" query wasm "$@" --node "$NODE" --output json 2>&1; }
actual=$("$WASMD" status --node "$NODE" 2>/dev/null | jq -r '.node_info.network // .NodeInfo.network // empty') \
  || die "the node $NODE does not answer"
[ "$actual" = "$CHAIN_ID" ] || die "the node $NODE is on chain '${actual:-?}', not $CHAIN_ID"

if [ -z "$REBUILT" ]; then
  REBUILT=$(mktemp -d "${TMPDIR:-/tmp}/diachain-verify.XXXXXX")
  trap 'rm -rf "$REBUILT"' EXIT
  echo "verify-build: rebuilding $(git rev-parse --short HEAD) in a clean directory (scripts/clean-build.sh)" >&2
  bash scripts/clean-build.sh "$REBUILT" >&2 || die "the rebuild failed"
fi
[ -f "$REBUILT/checksums.txt" ] || die "$REBUILT holds no clean build (no checksums.txt)"
BUILT="commit $(cut -c1-12 "$REBUILT/commit" 2>/dev/null || echo "? (the build in $REBUILT)")"

# name=address, one per contract to check: ours by name, then the governance contracts by the
# wasm they run (a file without "governance", from before issue 28, has our four only).
mapfile -t CONTRACTS < <(jq -r '(.contracts // {} | to_entries[] | "\(.key)=\(.value.address // "")"),
  (.governance // empty | ("cw4-group=\(.group.address // "")", "cw3-flex-multisig=\(.multisig.address // "")"))' "$FILE")
[ ${#CONTRACTS[@]} -gt 0 ] || die "$FILE lists no contracts"
status=0
row() { printf '%-17s %7s  %-64s  %-64s  %s\n' "$@"; }
row contract "code id" "on-chain checksum" "rebuilt checksum" match
for entry in "${CONTRACTS[@]}"; do
  c=${entry%%=*} addr=${entry#*=}
  rebuilt=$(checksum_of "$REBUILT/checksums.txt" "$c.wasm")
  [ -n "$rebuilt" ] || rebuilt="(no $c.wasm in the build)"
  if [ -z "$addr" ]; then
    row "$c" - "(no address in $FILE)" "$rebuilt" NO
    status=1
    continue
  fi
  if ! info=$(q contract "$addr"); then
    row "$c" - "(no contract at $addr)" "$rebuilt" NO
    status=1
    continue
  fi
  code=$(jq -r '.contract_info.code_id' <<<"$info")
  code_info=$(q code-info "$code") || die "code $code of $c: $code_info"
  on_chain=$(jq -r '.checksum // .data_hash' <<<"$code_info" | tr 'A-F' 'a-f')
  verdict=yes
  [ "$on_chain" = "$rebuilt" ] || { verdict=NO; status=1; }
  row "$c" "$code" "$on_chain" "$rebuilt" "$verdict"
done
if [ $status -eq 0 ]; then
  echo "verify-build: all ${#CONTRACTS[@]} contracts on $CHAIN_ID run the code $BUILT builds"
else
  echo "verify-build: MISMATCH: the chain $CHAIN_ID runs code that $BUILT does not build" >&2
fi
exit $status
