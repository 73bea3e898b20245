#!/usr/bin/env bash
# Builds every contract in contracts/ to wasm that the wasmd v0.70 VM (wasmvm 3.0) accepts:
#   1. cargo release build for wasm32-unknown-unknown (lto, 1 codegen unit, panic=abort,
#      overflow checks on: see [profile.release] in Cargo.toml), one contract at a time as a
#      cdylib only (see below);
#   2. binaryen wasm-opt -Os, lowering the bulk-memory and sign-extension instructions that
#      Rust >= 1.87 emits and wasmvm 3.0 rejects;
#   3. cosmwasm-check, the same static checks wasmd runs on upload.
# Writes artifacts/<contract>.wasm, artifacts/checksums.txt (sha256) and artifacts/sizes.md,
# and fails if any contract exceeds the 320 KB budget (docs/wasm-sizes.md).
# Usage: scripts/build-wasm.sh [--no-check] [contract ...]   (default: every contract)
#   --no-check: skip step 3 (scripts/test.sh runs cosmwasm-check later, beside the e2e step)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
MAX_BYTES=$((320 * 1024))

CHECK=1
if [ "${1:-}" = --no-check ]; then CHECK=0; shift; fi
if [ $CHECK = 1 ]; then
  bash scripts/install-tools.sh rust wasm-opt cosmwasm-check
else
  bash scripts/install-tools.sh rust wasm-opt
fi
export PATH="$ROOT/.tools/bin:$PATH"

if [ $# -gt 0 ]; then
  contracts=("$@")
else
  contracts=()
  for d in contracts/*/; do contracts+=("$(basename "$d")"); done
fi

for c in "${contracts[@]}"; do
  [ -f "contracts/$c/Cargo.toml" ] || { echo "build-wasm: no contract named $c in contracts/" >&2; exit 2; }
done

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

mkdir -p artifacts
status=0
{
  echo "| contract | optimized bytes | KB | budget |"
  echo "| --- | ---: | ---: | --- |"
} > artifacts/sizes.md
for c in "${contracts[@]}"; do
  raw="$TARGET_DIR/wasm32-unknown-unknown/release/${c//-/_}.wasm"
  out="artifacts/$c.wasm"
  wasm-opt -Os --enable-bulk-memory --llvm-memory-copy-fill-lowering --signext-lowering \
    --strip-debug --strip-producers "$raw" -o "$out"
  size=$(stat -c %s "$out")
  verdict="ok (< 320 KB)"
  if [ "$size" -gt "$MAX_BYTES" ]; then verdict="OVER 320 KB"; status=1; fi
  printf '| %s | %d | %.1f | %s |\n' "$c" "$size" "$(awk "BEGIN{print $size/1024}")" "$verdict" >> artifacts/sizes.md
done
(cd artifacts && sha256sum ./*.wasm | sed 's| \./| |' > checksums.txt)

if [ $CHECK = 1 ]; then
  for c in "${contracts[@]}"; do
    cosmwasm-check "artifacts/$c.wasm"
  done
fi
cat artifacts/sizes.md
echo
cat artifacts/checksums.txt
if [ $status -ne 0 ]; then
  echo "build-wasm: a contract exceeds the 320 KB budget" >&2
fi
exit $status
