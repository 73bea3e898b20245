# shellcheck shell=bash
# What every script in scripts/ repeats, sourced right after `set -euo pipefail`:
#
#   source "$(dirname "$0")/lib/common.sh"
#
# It moves to the checkout's root (every path in the scripts is relative to it) and defines:
#   ROOT               the checkout's root, absolute
#   SCRIPT             the running script's name without .sh: the prefix of log and die
#   log MSG...         one line on stderr, "SCRIPT: MSG"
#   die MSG...         the same, then exit with DIE_STATUS (default 1; verify-build.sh uses 2)
#   BUILD_PATHS        the files that make the contracts' wasm (a change there is a new build)
#   target_dir         the cargo target folder (CARGO_TARGET_DIR or the workspace's)
#   checksum_of F N    the sha256 a checksums.txt F gives for the file named N (empty if none)
#   load_network ID    sources .chain/ID/network.env, the settings scripts/chain.sh wrote

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
SCRIPT=$(basename "$0" .sh)

log() { echo "$SCRIPT: $*" >&2; }
die() { echo "$SCRIPT: $*" >&2; exit "${DIE_STATUS:-1}"; }

# shellcheck disable=SC2034  # read by the scripts that source this file
BUILD_PATHS=(contracts packages Cargo.toml Cargo.lock rust-toolchain.toml scripts/build-wasm.sh)

target_dir() { cargo metadata --format-version 1 --no-deps | jq -r .target_directory; }

checksum_of() { awk -v f="$2" '$2 == f { print $1 }' "$1"; }

load_network() {
  local env="$ROOT/.chain/$1/network.env"
  [ -f "$env" ] || die "no $env: network $1 was never started here (scripts/chain.sh start --chain-id $1)"
  # shellcheck disable=SC1090
  source "$env"
}
