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
#   THIRD_PARTY_DIR    the cargo workspace of the cw-plus contracts build-wasm.sh also builds
#   third_party_contracts   their names, one a line (the dependencies of THIRD_PARTY_DIR's package)
#   third_party_version N   the version of N that THIRD_PARTY_DIR/Cargo.lock pins
#   target_dir         the cargo target folder (CARGO_TARGET_DIR or the workspace's)
#   checksum_of F N    the sha256 a checksums.txt F gives for the file named N (empty if none)
#   load_network ID    sources .chain/ID/network.env, the settings scripts/chain.sh wrote

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
SCRIPT=$(basename "$0" .sh)

log() { echo "$SCRIPT: $*" >&2; }
die() { echo "$SCRIPT: $*" >&2; exit "${DIE_STATUS:-1}"; }

# shellcheck disable=SC2034  # read by the scripts that source this file
BUILD_PATHS=(contracts packages third-party Cargo.toml Cargo.lock rust-toolchain.toml scripts/build-wasm.sh)
THIRD_PARTY_DIR=third-party/cw-plus

target_dir() { cargo metadata --format-version 1 --no-deps | jq -r .target_directory; }

third_party_contracts() {
  cargo metadata --format-version 1 --no-deps --manifest-path "$THIRD_PARTY_DIR/Cargo.toml" |
    jq -r '.packages[].dependencies[] | select(.kind == null) | .name'
}

third_party_version() {
  awk -v n="\"$1\"" '$1 == "name" { hit = ($3 == n); next }
    hit && $1 == "version" { gsub(/"/, "", $3); print $3; hit = 0 }' "$THIRD_PARTY_DIR/Cargo.lock"
}

checksum_of() { awk -v f="$2" '$2 == f { print $1 }' "$1"; }

load_network() {
  local env="$ROOT/.chain/$1/network.env"
  [ -f "$env" ] || die "no $env: network $1 was never started here (scripts/chain.sh start --chain-id $1)"
  # shellcheck disable=SC1090
  source "$env"
}
