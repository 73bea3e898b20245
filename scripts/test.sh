#!/usr/bin/env bash
# The one command that runs every check and test (what CI runs, through .ci/run):
# formatting, clippy, unit + multi-test + property tests, schema freshness, the wasm build
# with cosmwasm-check and the size budget, the Go test of the node clock offset, and the
# end-to-end tests on a real wasmd node (its own
# local network, started and stopped by scripts/e2e.sh). Installs what it needs on a fresh
# machine (wasmd is built once from its pinned Go module and cached in .tools/).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> [%ss] %s\n' "$SECONDS" "$*"; }

# Every test runner's output is also kept here, to print one total at the end.
RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT

# One build per run: incremental caches (~4 GB of target/) only help the next edit, not CI.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

step "install tools"
bash scripts/install-tools.sh
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings
# The relayer's FHIR export is checked by HAPI FHIR's validator (built by install-tools).
export DIACHAIN_FHIR_VALIDATOR="$PWD/scripts/fhir-validate.sh"
step "cargo test"
# The e2e crate runs in its own step below, against a live node.
cargo test --locked --workspace --exclude diachain-e2e 2>&1 | tee -a "$RESULTS"
step "schema is up to date"
bash scripts/schema.sh --check
step "wasm build, cosmwasm-check, size budget"
bash scripts/build-wasm.sh
step "go test chain/clock (the node clock offset behind chain.sh advance-clock)"
(cd chain && GOMODCACHE="$PWD/../.tools/go/mod" GOCACHE="$PWD/../.tools/go/cache" GOTOOLCHAIN=local \
  GOFLAGS="-modcacherw -buildvcs=false" go test -v ./clock/) 2>&1 | tee -a "$RESULTS"
step "end-to-end tests on a real wasmd node (scripts/e2e.sh)"
bash scripts/e2e.sh --no-build 2>&1 | tee -a "$RESULTS"

# One closing line for all runners (unit, multi-test, property, integration, Go and e2e tests).
awk '/^test result:/ { p += $4; f += $6 } /^--- PASS:/ { p++ } /^--- FAIL:/ { f++ }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$RESULTS"
echo "test.sh: done in ${SECONDS}s; disk used by target/ and .tools/: $(du -sch target .tools 2>/dev/null | tail -1 | cut -f1)"
