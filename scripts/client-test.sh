#!/usr/bin/env bash
# The TypeScript client's checks (clients/ts): install from the lockfile, generated clients
# fresh against schema/, lint, typecheck, build, unit tests; with --live <chain-id>, also the
# integration tests against that local network (started by scripts/chain.sh, deployed by
# scripts/deploy.sh); with --live-only <chain-id>, only those (after a full run installed and
# built the package: scripts/e2e.sh uses it); --live-path P narrows the live tests to P (a file of
# test/live, e.g. the governance tests on a governed network). Ends with `ts client: N passed, M failed` (tests; a failed step counts as
# one failure) and exits non-zero if anything failed.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/npm.sh
source scripts/lib/npm.sh
cd clients/ts || exit 2

live="" only_live=0 live_path=test/live
while [ $# -gt 0 ]; do
  case "$1" in
    --live) live="${2:?--live needs a chain id}"; shift 2 ;;
    --live-only) live="${2:?--live-only needs a chain id}"; only_live=1; shift 2 ;;
    --live-path) live_path="${2:?--live-path needs a file}"; shift 2 ;;
    *) echo "client-test: unknown argument $1 (usage: scripts/client-test.sh [--live <chain-id> | --live-only <chain-id>] [--live-path P])" >&2; exit 2 ;;
  esac
done

command -v node >/dev/null || { echo "client-test: node is not installed (Node 20 or newer)" >&2; exit 2; }
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
passed=0
failed=0
failed_steps=()

step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "== ts client: $name"
  if "$@"; then
    echo "   $name ok ($((SECONDS - t0)) s)"
  else
    echo "   $name FAILED ($((SECONDS - t0)) s)" >&2
    failed=$((failed + 1))
    failed_steps+=("$name")
  fi
}

# Runs vitest on a directory and adds its test counts (from its JSON report) to the totals.
tests() {
  local name=$1 dir=$2 report="$results/$1.json"
  local t0=$SECONDS
  echo "== ts client: $name"
  npx vitest run "$dir" --reporter=default --reporter=json --outputFile="$report"
  local rc=$?
  if [ -s "$report" ]; then
    read -r p f < <(node -e 'const r=require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests)' "$report")
    passed=$((passed + p)); failed=$((failed + f))
    echo "   $name: $p passed, $f failed ($((SECONDS - t0)) s)"
  fi
  if [ $rc -ne 0 ] && { [ ! -s "$report" ] || [ "${f:-0}" -eq 0 ]; }; then
    failed=$((failed + 1)); failed_steps+=("$name")
  fi
}

if [ "$only_live" = 1 ]; then
  step "npm ci" npm_install .
  [ ${#failed_steps[@]} -gt 0 ] || DIACHAIN_CHAIN_ID="$live" tests "live tests ($live)" "$live_path"
elif step "npm ci" npm_install .; [ ${#failed_steps[@]} -eq 0 ]; then
  step "codegen check" npm run --silent codegen:check
  step "lint" npm run --silent lint
  step "typecheck" npm run --silent typecheck
  step "build" npm run --silent build
  tests "unit tests" test/unit
  if [ -n "$live" ]; then
    DIACHAIN_CHAIN_ID="$live" tests "live tests ($live)" "$live_path"
  fi
fi

[ ${#failed_steps[@]} -gt 0 ] && echo "ts client: failed steps: ${failed_steps[*]}" >&2
echo "ts client: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
