#!/usr/bin/env bash
# End-to-end tests on a real wasmd node: starts a fresh local network of its own (chain
# diachain-e2e-1, RPC 127.0.0.1:27657, so it does not disturb a developer's diachain-local-1),
# deploys the suite from artifacts/, runs the e2e tests (tests/e2e) and the chain client's live
# tests (packages/chain-client/tests/live.rs) against it and stops it, also on failure. Node
# logs stay in .chain/diachain-e2e-1/logs/. Those tests are #[ignore]d in a plain cargo test
# (they need this network): they run here with --ignored, each exactly once, so that
# scripts/test.sh counts each of them once.
#
# The network first runs the first release, 0.1.0 (its wasm is kept in
# tests/e2e/legacy/0.1.0/), deployed the way of a remote testnet (every setting a flag:
# --node, --chain-id, --gas-prices, --from and the role addresses); the e2e crate seeds it with
# every kind of record 0.1.0 wrote (tests/e2e/tests/migration.rs). It is then migrated in place
# to the release of 2026-12-01 (tests/e2e/legacy/2026-12-01/, the versions deployed before the
# current build), deployed the local way, and seeded with the records the current build reads
# anew (a relayer-held key, a study of the old book, coverage, an open transfer offer). The
# current build is then deployed the local way (settings from the network's files): every
# contract must migrate in place, and the e2e tests, which check both seeds' records, run on the
# migrated suite. A third
# deployment must find everything in place and send nothing. After the tests, a changed build
# (the same wasm with an extra custom section, so another checksum) must be stored and every
# contract migrated in place again. So both modes of scripts/deploy.sh, its idempotence and its
# migrations (from the previous release and between builds) are checked on every run.
# Usage: scripts/e2e.sh [--no-build]   (--no-build: use artifacts/ as they are)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
CHAIN_ID=${DIACHAIN_E2E_NETWORK:-diachain-e2e-1}
PORT_BASE=${DIACHAIN_E2E_PORT_BASE:-27656}
BUILD=(); [ "${1:-}" = "--no-build" ] && BUILD=(--no-build)
# tests/e2e's live tests, in this order (#[ignore]d in a plain cargo test: they need this network).
E2E_TESTS=(--test e2e --test migration --test relayer --test relayer_data_api --test research_dataset --test postgres)
# Tests that run at one moment of this script only (by name, below), not in the main run.
SEED_TEST=a_network_running_0_1_is_seeded_with_every_kind_of_record
SEED_PREVIOUS_TEST=a_network_running_the_release_of_2026_12_01_is_seeded_with_custody_an_old_study_and_an_offer
CHANGED_BUILD_TEST=deployment_is_still_wired_after_every_contract_is_migrated_to_a_changed_build

start=$SECONDS
# Progress lines carry the seconds since the step started (where CI's time goes).
say() { echo "e2e [$((SECONDS - start))s]: $*"; }
# The deployed code is verified at the end (scripts/verify-build.sh) against a clean rebuild of
# HEAD, which runs beside the tests from now on (its CPU fits in their waits for blocks).
git diff --quiet HEAD -- "${BUILD_PATHS[@]}" || {
  echo "e2e: uncommitted changes to what builds the contracts (${BUILD_PATHS[*]}): the deployed code is verified against a clean rebuild of HEAD, so commit them first" >&2
  exit 1
}
CLEAN=target/clean-build
rm -rf "$CLEAN" && mkdir -p "$CLEAN"
setsid bash scripts/clean-build.sh "$CLEAN/wasm" > "$CLEAN/build.log" 2>&1 < /dev/null &
CLEAN_PID=$!
stop_all() {
  kill -- "-$CLEAN_PID" 2>/dev/null || true
  bash scripts/chain.sh stop --chain-id "$CHAIN_ID"
  bash scripts/pg.sh stop --name "$CHAIN_ID" || true
}
bash scripts/chain.sh start --chain-id "$CHAIN_ID" --port-base "$PORT_BASE" --reset
trap stop_all EXIT
# A PostgreSQL server beside the network (Debian's package, a private cluster in .chain/pg/):
# the relayer's PostgreSQL store is tested on it (its tests in relayer-core, and
# tests/e2e/tests/postgres.rs with the real binary: two instances, a crashed server).
rm -rf ".chain/pg/$CHAIN_ID"
PG_URL=$(bash scripts/pg.sh start --name "$CHAIN_ID" --port $((PORT_BASE + 344)))
export DIACHAIN_E2E_PG=$CHAIN_ID
say "the PostgreSQL store's tests (packages/relayer-core, pg_store) on $PG_URL"
# (--workspace with filters, not -p: the same features as test.sh's build, so nothing rebuilds)
DIACHAIN_TEST_PG_URL=$PG_URL cargo test --locked --workspace --lib pg_store \
  -- --ignored --test-threads=2
# The embedded store on a full disk (a 16 MiB tmpfs it mounts: root only; docs/backup.md).
say "the relayer on a full disk (packages/relayer/tests/disk_full.rs)"
cargo test --locked --workspace --test disk_full -- --ignored

# advance-clock refuses what it cannot do, in one line, before touching the network.
refused() { # refused <expected message part> <chain.sh args...>
  local want=$1 out; shift
  if out=$(bash scripts/chain.sh "$@" 2>&1); then
    echo "e2e: chain.sh $* should have failed" >&2; exit 1
  fi
  grep -qF -- "$want" <<<"$out" || { echo "e2e: chain.sh $*: expected '$want', got: $out" >&2; exit 1; }
}
refused "advance-clock needs a duration" advance-clock 5x --chain-id "$CHAIN_ID"
refused "advance-clock needs a duration" advance-clock --chain-id "$CHAIN_ID"
refused "moves 1 s ..= 366 d at a time" advance-clock 367d --chain-id "$CHAIN_ID"
refused "moves 1 s ..= 366 d at a time" advance-clock 0 --chain-id "$CHAIN_ID"
refused "--reset is for start" advance-clock 1d --reset --chain-id "$CHAIN_ID"
refused "is not running" advance-clock 1d --chain-id diachain-e2e-never-started
refused "kill-validator needs a node index 0..0" kill-validator 1 --chain-id "$CHAIN_ID"
refused "start-validator needs a node index" start-validator --chain-id "$CHAIN_ID"
refused "is already running" start-validator 0 --chain-id "$CHAIN_ID"
refused "--reset is for start" kill-validator 0 --reset --chain-id "$CHAIN_ID"
[ ! -e .chain/diachain-e2e-never-started ] || { echo "e2e: advance-clock created a network" >&2; exit 1; }

load_network "$CHAIN_ID"
KEYS=(--keyring-backend test --keyring-dir "$DIACHAIN_KEYRING_DIR")
addr() { "$DIACHAIN_WASMD" keys show "$1" -a "${KEYS[@]}"; }
LEGACY=tests/e2e/legacy/0.1.0
(cd "$LEGACY" && sha256sum --quiet -c checksums.txt) || { echo "e2e: $LEGACY does not match its checksums" >&2; exit 1; }
say "deploying the previous release (0.1.0) as to a remote testnet (flags only)"
bash scripts/deploy.sh --node "$DIACHAIN_NODE" --chain-id "$CHAIN_ID" \
  --gas-prices "$DIACHAIN_GAS_PRICE" --from consortium "${KEYS[@]}" \
  --manufacturer "$(addr manufacturer)" --relayer "$(addr relayer)" \
  --emergency "$(addr emergency)" --custodian "$(addr custodian)" --treasury "$(addr treasury)" \
  --artifacts "$LEGACY"
say "seeding 0.1.0 with every kind of record it wrote"
rm -f ".chain/$CHAIN_ID/seed-0.1.json"
DIACHAIN_E2E_CHAIN_ID=$CHAIN_ID DIACHAIN_E2E_PHASE=seed-0.1 cargo test --locked --workspace \
  --test migration -- --ignored --exact "$SEED_TEST" --test-threads=1 --nocapture
[ -f ".chain/$CHAIN_ID/seed-0.1.json" ] || { echo "e2e: seeding wrote no seed file" >&2; exit 1; }
PREVIOUS=tests/e2e/legacy/2026-12-01
(cd "$PREVIOUS" && sha256sum --quiet -c checksums.txt) || { echo "e2e: $PREVIOUS does not match its checksums" >&2; exit 1; }
say "migrating 0.1.0 to the release of 2026-12-01 the local way"
prev=$(bash scripts/deploy.sh --chain-id "$CHAIN_ID" --artifacts "$PREVIOUS" 2>&1) || { echo "$prev" >&2; exit 1; }
echo "$prev" | grep -E "migrated|storing" >&2 || true
[ "$(grep -c ': migrated ' <<<"$prev")" = 4 ] || { echo "$prev" >&2; echo "e2e: expected 4 contracts migrated to the release of 2026-12-01" >&2; exit 1; }
say "seeding the release of 2026-12-01 with what the current build reads anew"
rm -f ".chain/$CHAIN_ID/seed-2026-12-01.json" ".chain/$CHAIN_ID"/key-prev-*.hex
DIACHAIN_E2E_CHAIN_ID=$CHAIN_ID DIACHAIN_E2E_PHASE=seed-2026-12-01 cargo test --locked --workspace \
  --test migration -- --ignored --exact "$SEED_PREVIOUS_TEST" --test-threads=1 --nocapture
[ -f ".chain/$CHAIN_ID/seed-2026-12-01.json" ] || { echo "e2e: seeding 2026-12-01 wrote no seed file" >&2; exit 1; }
say "deploying the current build the local way: every contract migrates from the release of 2026-12-01"
up=$(bash scripts/deploy.sh --chain-id "$CHAIN_ID" "${BUILD[@]}" 2>&1) || { echo "$up" >&2; exit 1; }
echo "$up" | grep -E "migrated|storing" >&2 || true
[ "$(grep -c ': migrated ' <<<"$up")" = 4 ] || { echo "$up" >&2; echo "e2e: expected 4 contracts migrated from the release of 2026-12-01" >&2; exit 1; }
say "deploying again the local way: nothing may change"
again=$(bash scripts/deploy.sh --chain-id "$CHAIN_ID" --no-build 2>&1) || { echo "$again" >&2; exit 1; }
if ! grep -q "contracts unchanged" <<<"$again" || grep -qE "storing|instantiated|migrated|executed" <<<"$again"; then
  echo "$again" >&2
  echo "e2e: the second deployment changed something; it should have found everything in place" >&2
  exit 1
fi

# The relayer's e2e tests (tests/e2e/tests/relayer.rs, data_api.rs) run the real binary; its FHIR
# export is checked by HAPI FHIR's validator.
export DIACHAIN_FHIR_VALIDATOR=${DIACHAIN_FHIR_VALIDATOR:-$PWD/scripts/fhir-validate.sh}
# Real Nightscout clients (nightscout-cli, py-nightscout) read back as followers do.
export DIACHAIN_NIGHTSCOUT_CLIENTS=${DIACHAIN_NIGHTSCOUT_CLIENTS:-$PWD/.tools/py/bin}
# The relayer and simulator binaries as the unit-test build made them (the relayer's
# tests/binary.rs and the simulator's tests/help.rs need them, so cargo builds them with the same
# features; after test.sh nothing is rebuilt).
cargo test --locked --workspace --no-run --test binary --test help --test gov_cli \
  --test consortium --test governance --test validator_faults "${E2E_TESTS[@]}"
RELAYER_BIN="$(target_dir)/debug/diachain-relayer"
SIMULATE_BIN="$(target_dir)/debug/diachain-simulate"
DIACHAIN_RELAYER_BIN=$RELAYER_BIN DIACHAIN_SIMULATE_BIN=$SIMULATE_BIN DIACHAIN_E2E_CHAIN_ID=$CHAIN_ID \
  cargo test --locked --workspace "${E2E_TESTS[@]}" -- --ignored --skip "$SEED_TEST" \
  --skip "$SEED_PREVIOUS_TEST" --skip "$CHANGED_BUILD_TEST" --test-threads=1 --nocapture

say "the chain client (packages/chain-client) against the same network"
DIACHAIN_CHAIN_CLIENT_NETWORK=$CHAIN_ID cargo test --locked --workspace --test live \
  -- --ignored --test-threads=1 --nocapture

say "the TypeScript client (clients/ts) against the same network"
bash scripts/client-test.sh --live-only "$CHAIN_ID"

say "the main job (scripts/run.sh) on this network, and the web dashboard's browser tests"
# (the relayer e2e tests use 27990..27997)
RUN_PORT=$((PORT_BASE + 342)) WEB_PORT=$((PORT_BASE + 343))
RUN_LOG=".chain/$CHAIN_ID/run.log"
DIACHAIN_CHAIN_ID=$CHAIN_ID DIACHAIN_RELAYER_BIN=$RELAYER_BIN DIACHAIN_SIMULATE_BIN=$SIMULATE_BIN \
  bash scripts/run.sh --no-build \
  --port "$RUN_PORT" --web-port "$WEB_PORT" --devices 2 > "$RUN_LOG" 2>&1 &
RUN_PID=$!
trap 'kill -TERM "$RUN_PID" 2>/dev/null; wait "$RUN_PID" 2>/dev/null; stop_all' EXIT
for _ in $(seq 1 600); do
  grep -q "DiaChain is running" "$RUN_LOG" && break
  kill -0 "$RUN_PID" 2>/dev/null || { cat "$RUN_LOG" >&2; echo "e2e: the main job stopped" >&2; exit 1; }
  sleep 0.5
done
grep -q "DiaChain is running" "$RUN_LOG" || { cat "$RUN_LOG" >&2; echo "e2e: the main job did not start in 300 s" >&2; exit 1; }
bash scripts/web-test.sh --browser "$CHAIN_ID" --relayer "http://127.0.0.1:$RUN_PORT" \
  --web-port "$WEB_PORT" --screenshots ".chain/$CHAIN_ID/screenshots"
kill -TERM "$RUN_PID"; wait "$RUN_PID" || true
trap stop_all EXIT

say "the deployed code is what a clean rebuild of HEAD gives (scripts/verify-build.sh)"
wait "$CLEAN_PID" || { cat "$CLEAN/build.log" >&2; echo "e2e: the clean rebuild failed (log above)" >&2; exit 1; }
# Two builds in two folders (artifacts/ here, the clean one in a temporary folder): the same bytes.
diff artifacts/checksums.txt "$CLEAN/wasm/checksums.txt" >&2 \
  || { echo "e2e: the clean rebuild's wasm differs from artifacts/ (the build is not reproducible)" >&2; exit 1; }
echo "e2e: two builds in two folders, identical:" && cat "$CLEAN/wasm/checksums.txt"
bash scripts/verify-build.sh "deployments/$CHAIN_ID.json" --rebuilt "$CLEAN/wasm"
verify_refused() { # verify_refused <exit status> <expected output part> <verify-build.sh args...>
  local code=$1 want=$2 out rc=0; shift 2
  out=$(bash scripts/verify-build.sh "$@" 2>&1) || rc=$?
  [ "$rc" = "$code" ] || { echo "$out" >&2; echo "e2e: verify-build.sh $* exited $rc, expected $code" >&2; exit 1; }
  grep -qF -- "$want" <<<"$out" || { echo "e2e: verify-build.sh $*: expected '$want', got: $out" >&2; exit 1; }
}
jq '.chain_id = "diachain-wrong-1"' "deployments/$CHAIN_ID.json" > "$CLEAN/wrong-chain.json"
verify_refused 2 "is on chain '$CHAIN_ID', not diachain-wrong-1" "$CLEAN/wrong-chain.json" --rebuilt "$CLEAN/wasm"
verify_refused 2 "holds no clean build" "deployments/$CHAIN_ID.json" --rebuilt "$CLEAN/nothing-here"
verify_refused 2 "no deployment file deployments/diachain-never-deployed.json" --node "$DIACHAIN_NODE" \
  --chain-id diachain-never-deployed

say "deploying a changed build: every contract must be migrated in place"
CHANGED=".chain/$CHAIN_ID/artifacts-changed"
mkdir -p "$CHANGED"
# append_custom_section SRC DST: SRC with a wasm custom section (id 0) appended, the same code
# under another checksum, as a new build has. Sizes under 128 are one LEB128 byte.
append_custom_section() {
  local name=diachain-e2e payload="migration check" size
  size=$((1 + ${#name} + ${#payload}))
  [ "$size" -lt 128 ] || die "custom section of $size bytes needs a longer LEB128 size"
  { cat "$1"; printf '\x00'; printf '%b' "$(printf '\\x%02x\\x%02x' "$size" "${#name}")"; printf '%s%s' "$name" "$payload"; } > "$2"
}
for c in device-registry reading-anchors consent data-union; do
  append_custom_section "artifacts/$c.wasm" "$CHANGED/$c.wasm"
done
DEP="deployments/$CHAIN_ID.json"
before=$(jq -c '.contracts | map_values({address, code_id})' "$DEP")
out=$(bash scripts/deploy.sh --chain-id "$CHAIN_ID" --artifacts "$CHANGED" 2>&1) || { echo "$out" >&2; exit 1; }
echo "$out" | grep -E "migrated|stored|storing" >&2 || true
fail() { echo "$out" >&2; echo "e2e: $*" >&2; exit 1; }
[ "$(grep -c ': migrated ' <<<"$out")" = 4 ] || fail "expected 4 contracts migrated"
[ "$(jq -c '.contracts | map_values(.address)' "$DEP")" = "$(jq -c 'map_values(.address)' <<<"$before")" ] \
  || fail "a contract's address changed in the migration"
q() { "$DIACHAIN_WASMD" query wasm "$@" --node "$DIACHAIN_NODE" --output json; }
for c in device-registry reading-anchors consent data-union; do
  addr=$(jq -r --arg c "$c" '.contracts[$c].address' "$DEP")
  code=$(jq -r --arg c "$c" '.contracts[$c].code_id' "$DEP")
  [ "$code" != "$(jq -r --arg c "$c" '.[$c].code_id' <<<"$before")" ] || fail "$c kept its old code id"
  [ "$(q contract "$addr" | jq -r '.contract_info.code_id')" = "$code" ] || fail "$c is not on code $code"
done
UNI=$(jq -r '.contracts["data-union"].address' "$DEP")
[ "$(q contract-state smart "$UNI" '{"studies":{}}' | jq '.data.items | length')" -ge 1 ] \
  || fail "the data union lost its studies in the migration"
DIACHAIN_E2E_CHAIN_ID=$CHAIN_ID cargo test --locked --workspace --test e2e -- --ignored --exact \
  "$CHANGED_BUILD_TEST" --test-threads=1
say "verify-build.sh reports the changed build's code as not built from this checkout"
verify_refused 1 "MISMATCH" "deployments/$CHAIN_ID.json" --rebuilt "$CLEAN/wasm"
rows=$(bash scripts/verify-build.sh "deployments/$CHAIN_ID.json" --rebuilt "$CLEAN/wasm" 2>/dev/null | grep -c ' NO$' || true)
[ "$rows" = 4 ] || fail "verify-build.sh should report all 4 contracts as mismatched, reported $rows"
main_done=$SECONDS
bash scripts/chain.sh stop --chain-id "$CHAIN_ID"

# The consortium (docs/governance.md): a network of three member organisations, each running a
# validator, and a fourth validator of the consortium's own; the suite is deployed with the single deployer key, then handed over in place to
# their governance (a cw4-group of org1..org3 and a cw3-flex-multisig with threshold 2, admin of
# every contract and their wasm admin). The main job runs on it with one relayer per
# organisation (admitted by proposals) for a few minutes (tests/e2e/tests/consortium.rs checks
# what they anchored), then every governance rule is tried (tests/e2e/tests/governance.rs).
# Last, validators fail under anchoring load (tests/e2e/tests/validator_faults.rs): one of four
# killed, blocks go on; two, the chain halts and the relayer queues; both restarted, everything
# queued is anchored once (docs/reliability.md).
ORG_CHAIN=${DIACHAIN_E2E_CONSORTIUM:-diachain-e2e-orgs-1}
ORG_PORT_BASE=$((PORT_BASE + 100))
ORG_RUN_SECS=${DIACHAIN_E2E_CONSORTIUM_SECS:-180}
say "the consortium network $ORG_CHAIN: 3 member organisations, 4 validators"
bash scripts/chain.sh start --chain-id "$ORG_CHAIN" --port-base "$ORG_PORT_BASE" --orgs 3 --validators 4 --reset
trap 'bash scripts/chain.sh stop --chain-id "$ORG_CHAIN"; stop_all' EXIT
ORG_DEP="deployments/$ORG_CHAIN.json"
bash scripts/deploy.sh --chain-id "$ORG_CHAIN" --no-build >&2
single=$(jq -c '.contracts | map_values(.address)' "$ORG_DEP")
say "handing the single-key deployment over to the members' governance, in place"
out=$(bash scripts/deploy.sh --chain-id "$ORG_CHAIN" --no-build --governance \
  --members "org1,org2,org3" --threshold 2 --vote-as "org1,org2" 2>&1) \
  || { echo "$out" >&2; echo "e2e: the handover failed" >&2; exit 1; }
echo "$out" | grep -vE "^deploy: (reusing|contracts unchanged)" >&2 || true
[ "$(jq -c '.contracts | map_values(.address)' "$ORG_DEP")" = "$single" ] \
  || { echo "e2e: the handover changed a contract's address" >&2; exit 1; }
[ "$(jq -r '.governance.multisig.address // empty' "$ORG_DEP")" != "" ] \
  || { echo "e2e: the deployment file names no multisig after the handover" >&2; exit 1; }
say "the consortium's six contracts (the suite, the group, the multisig) are what a clean rebuild of HEAD gives"
bash scripts/verify-build.sh "$ORG_DEP" --rebuilt "$CLEAN/wasm"
DIACHAIN_GOV_BIN="$(target_dir)/debug/diachain-gov"
export DIACHAIN_GOV_BIN
# Each organisation's relayer keeps its store in PostgreSQL (run.sh --store postgres: a private
# server, a database per organisation), so the main job runs on that backend too.
say "the main job with one relayer per organisation (PostgreSQL stores), for $ORG_RUN_SECS s"
ORG_RUN_LOG=".chain/$ORG_CHAIN/run.log"
ORG_RUN_PORT=$((PORT_BASE + 244)) ORG_WEB_PORT=$((PORT_BASE + 254))
DIACHAIN_CHAIN_ID=$ORG_CHAIN DIACHAIN_RELAYER_BIN=$RELAYER_BIN DIACHAIN_SIMULATE_BIN=$SIMULATE_BIN \
  bash scripts/run.sh --no-build --orgs 3 --store postgres --devices 6 --for "$ORG_RUN_SECS" \
  --port "$ORG_RUN_PORT" --web-port "$ORG_WEB_PORT" > "$ORG_RUN_LOG" 2>&1 &
ORG_RUN_PID=$!
trap 'kill -TERM "$ORG_RUN_PID" 2>/dev/null; wait "$ORG_RUN_PID" 2>/dev/null; bash scripts/chain.sh stop --chain-id "$ORG_CHAIN"; stop_all' EXIT
for _ in $(seq 1 900); do
  grep -q "DiaChain is running" "$ORG_RUN_LOG" && break
  kill -0 "$ORG_RUN_PID" 2>/dev/null || { cat "$ORG_RUN_LOG" >&2; echo "e2e: the main job with --orgs 3 stopped" >&2; exit 1; }
  sleep 0.5
done
grep -q "DiaChain is running" "$ORG_RUN_LOG" || { cat "$ORG_RUN_LOG" >&2; echo "e2e: the main job with --orgs 3 did not start in 450 s" >&2; exit 1; }
# While the three relayers stream: the TypeScript client's governance tests and the dashboard's
# consortium view in Chromium, on the governed network (each proposes and rejects its own).
bash scripts/client-test.sh --live-only "$ORG_CHAIN" --live-path test/live/governance.test.ts
CONSORTIUM_REQUIRED=1 bash scripts/web-test.sh --browser "$ORG_CHAIN" --relayer "http://127.0.0.1:$ORG_RUN_PORT" \
  --web-port "$ORG_WEB_PORT" --only consortium.test.mjs --screenshots ".chain/$ORG_CHAIN/screenshots"
wait "$ORG_RUN_PID" || { cat "$ORG_RUN_LOG" >&2; echo "e2e: the main job with --orgs 3 failed" >&2; exit 1; }
trap 'bash scripts/chain.sh stop --chain-id "$ORG_CHAIN"; stop_all' EXIT
grep -E "proposal [0-9]+:|pin-codes: proposal|DiaChain is running|relayer wasm1.*anchored" "$ORG_RUN_LOG" >&2 || true
DIACHAIN_E2E_CHAIN_ID=$ORG_CHAIN cargo test --locked --workspace --test consortium --test governance \
  -- --ignored --test-threads=1 --nocapture
faults_start=$SECONDS
DIACHAIN_E2E_CHAIN_ID=$ORG_CHAIN DIACHAIN_RELAYER_BIN=$RELAYER_BIN cargo test --locked --workspace \
  --test validator_faults -- --ignored --test-threads=1 --nocapture
say "validator faults took $((SECONDS - faults_start)) s: $(jq -c . ".chain/$ORG_CHAIN/validator-faults.json")"
bash scripts/chain.sh stop --chain-id "$ORG_CHAIN"
say "the consortium took $((SECONDS - main_done)) s"
say "passed in $((SECONDS - start)) s (network start, deployment and tests)"
