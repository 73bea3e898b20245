#!/usr/bin/env bash
# The one command that runs every check and test (what CI runs, through .ci/run):
# formatting, clippy, unit + multi-test + property tests, schema freshness, the wasm build
# with cosmwasm-check and the size budget, and the end-to-end tests on a real wasmd node (its own
# local network, started and stopped by scripts/e2e.sh). Installs what it needs on a fresh
# machine (wasmd is built once from its pinned Go module and cached in .tools/).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "install tools"
bash scripts/install-tools.sh
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings
step "cargo test"
cargo test --locked --workspace
step "schema is up to date"
bash scripts/schema.sh --check
step "wasm build, cosmwasm-check, size budget"
bash scripts/build-wasm.sh
step "end-to-end tests on a real wasmd node (scripts/e2e.sh)"
bash scripts/e2e.sh --no-build
