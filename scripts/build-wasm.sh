#!/usr/bin/env bash
# Builds every contract in contracts/, and cw-plus's cw4-group and cw3-flex-multisig (crates.io,
# unchanged; pinned by third-party/cw-plus/, a cargo workspace of their own since they are on
# cosmwasm-std 2), to wasm that the wasmd v0.70 VM (wasmvm 3.0) accepts:
#   1. cargo release build for wasm32-unknown-unknown (lto, 1 codegen unit, panic=abort,
#      overflow checks on: see [profile.release] in Cargo.toml, which third-party/cw-plus
#      repeats), one contract at a time as a cdylib only (see below);
#   2. binaryen wasm-opt -Os, lowering the bulk-memory and sign-extension instructions that
#      Rust >= 1.87 emits and wasmvm 3.0 rejects;
#   3. cosmwasm-check, the same static checks wasmd runs on upload.
# Writes artifacts/<contract>.wasm, artifacts/checksums.txt (sha256) and artifacts/sizes.md,
# and fails if one of our contracts exceeds the 320 KB budget (docs/wasm-sizes.md) or a cw-plus
# one wasmd's upload limit (819,200 bytes; the budget is for our own code only).
# Usage: scripts/build-wasm.sh [--no-check] [contract ...]
#   (default: every contract, ours then cw-plus's; a name is a folder of contracts/ or one of
#   cw-plus's: cw4-group, cw3-flex-multisig)
#   --no-check: skip step 3 (scripts/test.sh runs cosmwasm-check later, beside the e2e step)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
MAX_BYTES=$((320 * 1024))
# wasmd's MaxWasmSize: what it stores at most, the limit the cw-plus contracts are held to.
WASMD_MAX_BYTES=819200

CHECK=1
if [ "${1:-}" = --no-check ]; then CHECK=0; shift; fi
if [ $CHECK = 1 ]; then
  bash scripts/install-tools.sh rust wasm-opt cosmwasm-check
else
  bash scripts/install-tools.sh rust wasm-opt
fi
export PATH="$ROOT/.tools/bin:$PATH"

mapfile -t CW_PLUS < <(third_party_contracts)
[ ${#CW_PLUS[@]} -gt 0 ] || die "$THIRD_PARTY_DIR/Cargo.toml names no contract to build"
is_cw_plus() { local p; for p in "${CW_PLUS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

if [ $# -gt 0 ]; then
  requested=("$@")
else
  requested=()
  for d in contracts/*/; do requested+=("$(basename "$d")"); done
  requested+=("${CW_PLUS[@]}")
fi
# contracts: ours (the root workspace); theirs: cw-plus's (the workspace in THIRD_PARTY_DIR).
contracts=() theirs=()
for c in "${requested[@]}"; do
  if [ -f "contracts/$c/Cargo.toml" ]; then
    contracts+=("$c")
  elif is_cw_plus "$c"; then
    theirs+=("$c")
  else
    echo "build-wasm: no contract named $c in contracts/ or $THIRD_PARTY_DIR (${CW_PLUS[*]})" >&2; exit 2
  fi
done

# [profile.release]'s settings, comments left out: third-party/cw-plus must build with ours.
release_profile() {
  awk '/^\[/ { in_p = ($0 == "[profile.release]"); next }
    in_p && NF && $1 !~ /^#/ { gsub(/ /, ""); print }' "$1"
}
if [ ${#theirs[@]} -gt 0 ] && [ "$(release_profile Cargo.toml)" != "$(release_profile "$THIRD_PARTY_DIR/Cargo.toml")" ]; then
  die "$THIRD_PARTY_DIR/Cargo.toml's [profile.release] differs from Cargo.toml's: copy it over (the same settings build both)"
fi

TARGET_DIR=$(target_dir)
# Reproducible bytes, wherever the build runs (see docs/verifiable-builds.md): the paths rustc
# embeds (panic locations of dependencies, OUT_DIR files) are rewritten to fixed prefixes, so
# neither the checkout's folder, the target folder nor the cargo home leaks into the wasm. The
# last matching remap wins, so the narrower folders come after the checkout.
CARGO_HOME_DIR=${CARGO_HOME:-$HOME/.cargo}
FLAGS=$(jq -cn --arg root "$ROOT" --arg target "$TARGET_DIR" --arg cargo "$CARGO_HOME_DIR" \
  '["-C", "link-arg=-s", "--remap-path-prefix=\($root)=/diachain",
    "--remap-path-prefix=\($target)=/diachain/target", "--remap-path-prefix=\($cargo)=/cargo"]')
# Target-specific flags only: host build scripts and proc-macros keep the native build's
# flags, so the wasm and native builds never invalidate each other's cache.
# Each contract is built as a cdylib only (`cargo rustc --crate-type cdylib`): its Cargo.toml
# also names an rlib (tests and other crates link it), and cargo never passes `-C lto` to a
# crate that is also an rlib, so `cargo build` gave wasm without the profile's LTO, 65 KB
# larger for the registry (docs/wasm-sizes.md). `cargo rustc` takes one package at a time.
for c in "${contracts[@]}"; do
  cargo rustc --release --locked --lib --crate-type cdylib --target wasm32-unknown-unknown \
    --config "target.wasm32-unknown-unknown.rustflags=$FLAGS" -p "$c"
done
# cw-plus's contracts: the same command in their workspace, into the same target folder (their
# cosmwasm-std 2 tree and ours compile to units of their own, so neither build invalidates the
# other's cache), with the same flags (their sources are under the cargo home).
for c in "${theirs[@]}"; do
  CARGO_TARGET_DIR=$TARGET_DIR cargo rustc --release --locked --lib --crate-type cdylib \
    --target wasm32-unknown-unknown --manifest-path "$THIRD_PARTY_DIR/Cargo.toml" \
    --config "target.wasm32-unknown-unknown.rustflags=$FLAGS" -p "$c"
done

mkdir -p artifacts
over_budget=0 over_limit=0
# optimize <contract>: artifacts/<contract>.wasm from the cargo build's wasm.
optimize() {
  wasm-opt -Os --enable-bulk-memory --llvm-memory-copy-fill-lowering --signext-lowering \
    --strip-debug --strip-producers "$TARGET_DIR/wasm32-unknown-unknown/release/${1//-/_}.wasm" \
    -o "artifacts/$1.wasm"
}
kb() { awk "BEGIN{print $1/1024}"; }
: > artifacts/sizes.md
if [ ${#contracts[@]} -gt 0 ]; then
  {
    echo "| contract | optimized bytes | KB | budget |"
    echo "| --- | ---: | ---: | --- |"
  } >> artifacts/sizes.md
fi
for c in "${contracts[@]}"; do
  optimize "$c"
  size=$(stat -c %s "artifacts/$c.wasm")
  verdict="ok (< 320 KB)"
  if [ "$size" -gt "$MAX_BYTES" ]; then verdict="OVER 320 KB"; over_budget=1; fi
  printf '| %s | %d | %.1f | %s |\n' "$c" "$size" "$(kb "$size")" "$verdict" >> artifacts/sizes.md
done
if [ ${#theirs[@]} -gt 0 ]; then
  [ ${#contracts[@]} -eq 0 ] || echo >> artifacts/sizes.md
  {
    echo "cw-plus's contracts, built from crates.io unchanged, are held to wasmd's upload limit"
    echo "(MaxWasmSize, 819,200 bytes); the 320 KB budget applies to DiaChain's own contracts only."
    echo
    echo "| cw-plus contract | version | optimized bytes | KB | wasmd's limit |"
    echo "| --- | --- | ---: | ---: | --- |"
  } >> artifacts/sizes.md
fi
for c in "${theirs[@]}"; do
  optimize "$c"
  size=$(stat -c %s "artifacts/$c.wasm")
  verdict="ok (< $WASMD_MAX_BYTES bytes)"
  if [ "$size" -gt "$WASMD_MAX_BYTES" ]; then verdict="OVER $WASMD_MAX_BYTES bytes"; over_limit=1; fi
  printf '| %s | %s | %d | %.1f | %s |\n' "$c" "$(third_party_version "$c")" "$size" "$(kb "$size")" \
    "$verdict" >> artifacts/sizes.md
done
(cd artifacts && sha256sum ./*.wasm | sed 's| \./| |' > checksums.txt)

if [ $CHECK = 1 ]; then
  for c in "${contracts[@]}" "${theirs[@]}"; do
    cosmwasm-check "artifacts/$c.wasm"
  done
fi
cat artifacts/sizes.md
echo
cat artifacts/checksums.txt
if [ $over_budget = 1 ]; then
  echo "build-wasm: a contract exceeds the 320 KB budget" >&2
fi
if [ $over_limit = 1 ]; then
  echo "build-wasm: a cw-plus contract exceeds wasmd's upload limit ($WASMD_MAX_BYTES bytes)" >&2
fi
exit $((over_budget | over_limit))
