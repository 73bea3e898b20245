#!/usr/bin/env bash
# Builds the contracts the way an auditor would: from a fresh copy of the checkout's committed
# tree (HEAD; uncommitted edits are not in it), in a new directory with a cargo target of its
# own, with the pinned toolchain (rust-toolchain.toml) and tools, through scripts/build-wasm.sh:
# our four and cw-plus's cw4-group and cw3-flex-multisig (third-party/cw-plus, its Cargo.lock).
# Copies the wasm, checksums.txt and the commit it built to OUT_DIR.
#   scripts/clean-build.sh OUT_DIR
# scripts/verify-build.sh compares such a build with the code a deployment runs; scripts/test.sh
# compares it byte for byte with artifacts/ (built in the checkout) to show the build does not
# depend on where it runs.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
OUT=${1:?usage: scripts/clean-build.sh OUT_DIR}

commit=$(git rev-parse HEAD)
if ! git diff --quiet HEAD -- "${BUILD_PATHS[@]}"; then
  echo "clean-build: note: the checkout has uncommitted changes; this builds the commit $commit without them" >&2
fi
# Tools first (the pinned Rust, wasm-opt): cached in this checkout's .tools/, the same pinned
# versions a fresh install would give, so the clean copy uses them as they are. cosmwasm-check
# validates and changes no byte: the clean build skips it (build-wasm.sh --no-check).
bash scripts/install-tools.sh rust wasm-opt >&2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/diachain-clean-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
git archive --format=tar "$commit" | tar -x -C "$WORK"
ln -s "$ROOT/.tools" "$WORK/.tools"
echo "clean-build: building $commit in $WORK" >&2
(cd "$WORK" && CARGO_TARGET_DIR="$WORK/target" bash scripts/build-wasm.sh --no-check >&2)
mkdir -p "$OUT"
cp "$WORK"/artifacts/*.wasm "$WORK/artifacts/checksums.txt" "$OUT/"
echo "$commit" > "$OUT/commit"
echo "clean-build: $commit -> $OUT" >&2
cat "$OUT/checksums.txt"
