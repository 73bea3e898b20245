#!/usr/bin/env bash
# The one command that runs every check and test (what CI runs, through .ci/run):
# formatting, the relayer's crate graph, the TypeScript client's and the dashboard's checks, the
# wasm build with cosmwasm-check, the size budget and the version check against CHANGELOG.md,
# clippy, unit + multi-test + property tests, a short coverage-guided fuzz pass, schema
# freshness (the contracts' and the relayer API's), the Go test of the node clock offset, and the
# end-to-end tests on a real wasmd node (its own local network, started and stopped by
# scripts/e2e.sh, with the relayer, the TS client's live tests, the dashboard in Chromium, and
# the reproducibility of the wasm: a clean rebuild in another folder must give the same bytes
# and verify the deployed code). Installs what it needs on a fresh machine (wasmd is built once
# from its pinned Go module and cached in .tools/). The e2e step runs in the background beside
# clippy and the unit tests: it mostly waits for blocks.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

step() { printf '\n==> [%ss] %s\n' "$SECONDS" "$*"; }

# Every test runner's output is also kept here, to print one total at the end.
RESULTS=$(mktemp)
BACKGROUND=()
# (each in a process group of its own, stopped with all it started if this script stops first)
stop_background() { local p; rm -f "$RESULTS"; for p in "${BACKGROUND[@]}"; do kill -- "-$p" 2>/dev/null || true; done; }
trap stop_background EXIT

# Work that mostly waits on the network, or needs no result before the e2e step, runs beside
# the Rust build: `background NAME CMD...` logs to .tools/logs/NAME.log; `await NAME` waits for
# it and shows the log if it failed.
mkdir -p .tools/logs
declare -A PIDS
background() { local name=$1; shift; setsid "$@" > ".tools/logs/$name.log" 2>&1 < /dev/null & PIDS[$name]=$!; BACKGROUND+=($!); }
await() {
  if ! wait "${PIDS[$1]}"; then
    cat ".tools/logs/$1.log" >&2
    echo "test.sh: $1 failed (log above, also in .tools/logs/$1.log)" >&2
    exit 1
  fi
  echo "test.sh: $1 done ($(tail -1 ".tools/logs/$1.log"))"
}

# One build per run: incremental caches (~4 GB of target/) only help the next edit, not CI.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

step "install tools"
# wasmd from its pinned Go module (several minutes on a fresh machine; only e2e needs it).
background wasmd bash scripts/wasmd-build.sh
# Debian's Chromium for the dashboard's browser tests (e2e step); no browser download by npm.
# shellcheck disable=SC2016  # expanded by the inner bash
background chromium bash -c 'if [ -x /usr/bin/chromium ]; then echo "chromium: $(/usr/bin/chromium --version)"; exit 0; fi
  S=""; [ "$(id -u)" = 0 ] || S="sudo -n"
  L="-o DPkg::Lock::Timeout=600"
  $S apt-get $L update -qq && DEBIAN_FRONTEND=noninteractive $S apt-get $L install -y -qq chromium && /usr/bin/chromium --version'
# Debian's PostgreSQL server for the relayer's PostgreSQL store (e2e step; scripts/pg.sh).
background postgresql bash scripts/pg.sh install
# (cosmwasm-check, minutes of compiling, is built later, beside the e2e step)
bash scripts/install-tools.sh rust wasm-opt fhir shellcheck nightscout-clients
step "cargo fmt --check"
cargo fmt --all -- --check
cargo fmt --manifest-path tests/fuzz/Cargo.toml -- --check
step "shellcheck scripts/ (settings: .shellcheckrc)"
shellcheck scripts/*.sh scripts/lib/*.sh scripts/lib/*/*.sh
step "the relayer's crates depend one way; the production binary holds no simulator or testing code"
bash scripts/relayer-crates.sh
# The TypeScript side (Node, mostly one core) runs beside the wasm build (cargo, both cores).
step "TypeScript client (clients/ts: codegen freshness, lint, typecheck, build, unit tests) and web dashboard (web/: lint, typecheck, build), in the background"
background typescript bash -c 'bash scripts/client-test.sh && bash scripts/web-test.sh'
step "wasm build, size budget (cosmwasm-check follows beside the e2e step)"
bash scripts/build-wasm.sh --no-check
step "TypeScript client and web dashboard: waiting for them (their log: .tools/logs/typescript.log)"
await typescript
tee -a "$RESULTS" < .tools/logs/typescript.log
step "release check: each contract's wasm is the one its version's CHANGELOG entry names"
bash scripts/release-check.sh
# (and it refuses a build that differs from the entry, and a version without an entry)
CHANGED_SUMS=$(mktemp -d)
sed '1s/^[0-9a-f]/x/' artifacts/checksums.txt > "$CHANGED_SUMS/checksums.txt"
refused=$(bash scripts/release-check.sh "$CHANGED_SUMS" 2>&1) \
  && die "release-check.sh accepted a build that differs from CHANGELOG.md"
grep -q "the wasm changed under an unchanged version" <<<"$refused" || die "release-check.sh: $refused"
consent=$(sed -n 's/^version *= *"\(.*\)"$/\1/p' contracts/consent/Cargo.toml | head -1)
# The CHANGELOG without consent's current entry: as if its version had been bumped without one.
awk -v v="$consent" '/^## / { c = index($0, "## consent (") == 1 } c && $1 == "###" && $2 == v { skip = 1; next }
  /^##/ { skip = 0 } !skip' CHANGELOG.md > "$CHANGED_SUMS/CHANGELOG.md"
refused=$(bash scripts/release-check.sh artifacts "$CHANGED_SUMS/CHANGELOG.md" 2>&1) \
  && die "release-check.sh accepted consent $consent without a CHANGELOG entry"
grep -q "has no entry for consent $consent" <<<"$refused" || die "release-check.sh: $refused"
rm -rf "$CHANGED_SUMS"
step "build the tests and the relayer"
# Everything the e2e step runs, built before it starts, so that it never waits for a build while
# the steps below run beside it (the named targets make cargo build the relayer's and the
# simulator's binaries as the tests build them).
E2E_TESTS=(--test binary --test help --test e2e --test migration --test relayer --test relayer_data_api --test postgres)
cargo test --locked --workspace --no-run
cargo test --locked --workspace --no-run "${E2E_TESTS[@]}"
step "wasmd, Chromium and PostgreSQL (installed in the background since the start)"
await wasmd
await chromium
await postgresql

# The e2e step mostly waits for blocks, so it runs beside the lint and the unit tests; they
# run at a lower CPU priority, so the network, the relayer and the browser keep their pace.
step "end-to-end tests on a real wasmd node (scripts/e2e.sh), in the background from now on"
background e2e bash scripts/e2e.sh --no-build
step "cosmwasm-check: the static checks wasmd runs on upload, on every contract"
# (and cargo-bolero, which the fuzz step after cargo test runs: both are built once, cached)
nice -n 10 bash scripts/install-tools.sh cosmwasm-check cargo-bolero
for wasm in artifacts/*.wasm; do .tools/bin/cosmwasm-check "$wasm"; done
step "cargo clippy"
# Its own target folder: clippy's check build holds the build lock for minutes, which the
# e2e step's cargo calls would otherwise wait for.
nice -n 10 env CARGO_TARGET_DIR=target/clippy cargo clippy --locked --workspace --all-targets \
  --test e2e --test migration --test relayer --test relayer_data_api --test postgres -- -D warnings
# The relayer's FHIR export is checked by HAPI FHIR's validator (built by install-tools).
export DIACHAIN_FHIR_VALIDATOR="$PWD/scripts/fhir-validate.sh"
step "cargo test"
# The live tests (tests/e2e, the chain client's tests/live.rs) need a network: cargo reports
# them as ignored here; the e2e step runs them against its own.
nice -n 10 cargo test --locked --workspace 2>&1 | tee -a "$RESULTS"
# The fuzz targets (tests/fuzz): each replays its committed corpus and random inputs here;
# scripts/fuzz.sh below runs them coverage-guided. A workspace of its own with its own
# Cargo.lock, so a target folder of its own too (target/fuzz-ws, for its clippy and its tests):
# two workspaces resolving different versions must never write into one folder, where one's
# build can leave the other's binaries linked against mismatched copies of a crate.
nice -n 10 cargo test --locked --manifest-path tests/fuzz/Cargo.toml --target-dir target/fuzz-ws 2>&1 | tee -a "$RESULTS"
nice -n 10 cargo clippy --locked --manifest-path tests/fuzz/Cargo.toml --target-dir target/fuzz-ws \
  --all-targets -- -D warnings
step "fuzz: each target coverage-guided for 10 s (scripts/fuzz.sh, docs/fuzzing.md)"
# cargo bolero's libFuzzer engine on stable (--sanitizer NONE), its instrumented build in
# target/fuzz; the corpus is the committed one (the cargo test step above replayed it too).
nice -n 10 bash scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-10}"
step "schema is up to date"
bash scripts/schema.sh --check
step "go test chain/clock (the node clock offset behind chain.sh advance-clock)"
(cd chain && GOMODCACHE="$PWD/../.tools/go/mod" GOCACHE="$PWD/../.tools/go/cache" GOTOOLCHAIN=local \
  GOFLAGS="-modcacherw -buildvcs=false" nice -n 10 go test -v ./clock/) 2>&1 | tee -a "$RESULTS"
step "end-to-end tests: waiting for the e2e step (its log: .tools/logs/e2e.log)"
await e2e
echo "== the e2e step's results ==" >> "$RESULTS"
tee -a "$RESULTS" < .tools/logs/e2e.log

# One closing line for all runners (unit, multi-test, property, integration, Go, TypeScript,
# browser and e2e tests), each test counted once, where it ran: a test cargo reports as ignored
# in the cargo test step (the live tests: they need a network) is counted in the e2e step, which
# runs each of them once (--ignored); the ignored ones it did not run are reported as not run,
# and every ignored test's reason is listed.
awk '/^== the e2e step.s results ==$/ { e2e = 1 }
     /^test result:/ { p += $4; f += $6; if (e2e) ran += $4 + $6; else ignored += $8 }
     !e2e && / \.\.\. ignored/ { r = $0; sub(/.* \.\.\. ignored(, )?/, "", r); why[r == "" ? "(no reason given)" : r]++ }
     /^--- PASS:/ { p++ } /^--- FAIL:/ { f++ }
     /^ts client: [0-9]+ passed, [0-9]+ failed$/ { p += $3; f += $5 }
     /^web: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
     END { printf "test.sh: cargo test reported %d tests ignored; the e2e step ran %d of them. Ignored, by reason:\n", ignored, ran
           for (r in why) printf "  %d  %s\n", why[r], r
           printf "tests: %d passed, %d failed, %d not run\n", p, f, ignored - ran }' "$RESULTS"
echo "test.sh: done in ${SECONDS}s; disk used by target/ and .tools/: $(du -sch target .tools 2>/dev/null | tail -1 | cut -f1)"
