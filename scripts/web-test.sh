#!/usr/bin/env bash
# The web dashboard's checks: installs the Node packages from the lockfiles (clients/ts, then
# web), lints, typechecks and builds; with --browser, serves the build and runs the real-browser
# tests (playwright-core driving Debian's Chromium, installed from apt when /usr/bin/chromium is
# missing) against a running local network and relayer, e.g. the main job's
# (DIACHAIN_CHAIN_ID=<id> bash scripts/run.sh ...).
#
# Usage: scripts/web-test.sh [--browser CHAIN_ID --relayer URL [--only FILE]] [--web-port P]
#                            [--screenshots DIR] [--build-only]
#   --browser ID     run the browser tests against network ID (deployments/ID.json, .chain/ID)
#   --relayer URL    its relayer; it must allow the dashboard's origin http://127.0.0.1:P
#                    (DIACHAIN_RELAYER_CORS_ORIGINS / --cors-origin; scripts/run.sh does)
#   --only FILE      run only that browser test file of web/tests/browser/ (e.g. the consortium
#                    view's on a governed network; CONSORTIUM_REQUIRED=1 fails it if ungoverned)
#   --web-port P     where the dashboard is served for the tests (default 8650); a dashboard
#                    already served there for the same network (scripts/run.sh) is reused
#   --screenshots D  where the tests write the screenshots (default docs/screenshots)
#   --build-only     install and build only (no lint, typecheck or tests)
# Without --browser it also runs the unit tests (vitest). Prints "web: N passed, M failed" last
# (tests: the unit or browser tests; a failed step counts as one failure, a passing step is not
# a test); exits non-zero if anything failed.
set -uo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

CHAIN_ID="" RELAYER="" ONLY="" WEB_PORT=8650 SHOTS="$ROOT/docs/screenshots" BUILD_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --browser) CHAIN_ID=${2:?--browser needs a chain id}; shift 2 ;;
    --relayer) RELAYER=${2:?--relayer needs a URL}; shift 2 ;;
    --only) ONLY=${2:?--only needs a test file}; shift 2 ;;
    --web-port) WEB_PORT=${2:?--web-port needs a port}; shift 2 ;;
    --screenshots) SHOTS=${2:?--screenshots needs a directory}; shift 2 ;;
    --build-only) BUILD_ONLY=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "web-test: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -z "$CHAIN_ID" ] || [ -n "$RELAYER" ] || { echo "web-test: --browser needs --relayer URL" >&2; exit 2; }
[ -z "$ONLY" ] || [ -f "web/tests/browser/$ONLY" ] || { echo "web-test: no browser test web/tests/browser/$ONLY" >&2; exit 2; }
# The tests run in web/: a relative directory is the repository's.
case "$SHOTS" in /*) ;; *) SHOTS="$ROOT/$SHOTS" ;; esac
die() { echo "web-test: $*" >&2; echo "web: 0 passed, 1 failed"; exit 1; }

command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed (Node >= 20.19)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node $(node --version) is too old: Vite 8 needs >= 20.19"

PASSED=0 FAILED=0 FAILURES=()
step() {  # step NAME COMMAND...: runs it; a failure counts as one failed test
  local name=$1 start=$SECONDS; shift
  log "$name"
  if "$@"; then log "$name ok ($((SECONDS - start)) s)"
  else FAILED=$((FAILED + 1)); FAILURES+=("$name"); log "$name FAILED"; fi
}

# Packages: the client first (the dashboard links it with file:../clients/ts and imports its build).
log "installing clients/ts and web from their lockfiles"
# shellcheck source=lib/npm.sh
source scripts/lib/npm.sh
{ npm_install clients/ts && (cd clients/ts && npm run --silent build); } || die "clients/ts could not be installed or built"
npm_install web || die "web could not be installed"

if [ "$BUILD_ONLY" = 1 ]; then
  (cd web && npm run --silent build) || die "the dashboard did not build"
  log "built web/dist"
  exit 0
fi

if [ -n "$ONLY" ] && [ -f web/dist/index.html ]; then
  log "one browser test file: the build in web/dist is used as it is (lint, typecheck, unit tests: a full run)"
else
  step "lint (eslint)" bash -c 'cd web && npm run --silent lint'
  step "typecheck (tsc --noEmit)" bash -c 'cd web && npm run --silent typecheck'
  step "build (vite)" bash -c 'cd web && npm run --silent build'
fi
if [ -z "$CHAIN_ID" ]; then
  # The view models' unit tests (vitest), counted as tests.
  log "unit tests (vitest)"
  REPORT=$(mktemp)
  (cd web && npx vitest run --reporter=default --reporter=json --outputFile="$REPORT")
  rc=$?
  if [ -s "$REPORT" ]; then
    read -r UP UF < <(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.numPassedTests, r.numFailedTests)' "$REPORT")
    PASSED=$((PASSED + UP)); FAILED=$((FAILED + UF)); [ "$UF" = 0 ] || FAILURES+=("$UF unit test(s)")
    log "unit tests: $UP passed, $UF failed"
  fi
  if [ "$rc" != 0 ] && { [ ! -s "$REPORT" ] || [ "${UF:-0}" = 0 ]; }; then FAILED=$((FAILED + 1)); FAILURES+=("unit tests"); fi
  rm -f "$REPORT"
fi

SERVE_PID=""
cleanup() { if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; fi; }
trap cleanup EXIT

if [ -n "$CHAIN_ID" ]; then
  DEP="deployments/$CHAIN_ID.json" KEYRING=".chain/$CHAIN_ID"
  [ -f "$DEP" ] || die "no $DEP: deploy to $CHAIN_ID first (scripts/run.sh does)"
  [ -f "$KEYRING/network.env" ] || die "no $KEYRING/network.env: $CHAIN_ID is not a local network of this checkout"
  curl -sf "$RELAYER/healthz" >/dev/null || die "the relayer at $RELAYER does not answer /healthz"
  if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
    log "installing Chromium from apt"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; } \
      || die "could not install chromium (apt-get install chromium)"
  fi
  WEB_URL="http://127.0.0.1:$WEB_PORT"
  ORIGIN_OK=$(curl -s -o /dev/null -D - -X OPTIONS -H "Origin: $WEB_URL" -H 'Access-Control-Request-Method: GET' \
    -H 'Access-Control-Request-Headers: x-diachain-address' "$RELAYER/v1/status" | grep -ci "^access-control-allow-origin")
  [ "$ORIGIN_OK" -ge 1 ] || die "the relayer at $RELAYER does not allow the origin $WEB_URL: start it with DIACHAIN_RELAYER_CORS_ORIGINS=$WEB_URL (scripts/run.sh sets it for its --web-port)"
  if curl -sf "$WEB_URL/config.json" 2>/dev/null | grep -q "\"chainId\":\"$CHAIN_ID\""; then
    log "reusing the dashboard already served at $WEB_URL"
  else
    node web/serve.mjs --deployment "$DEP" --relayer "$RELAYER" --port "$WEB_PORT" --local-keyring "$KEYRING" \
      > "${TMPDIR:-/tmp}/diachain-web-serve-$WEB_PORT.log" 2>&1 &
    SERVE_PID=$!
    for _ in $(seq 1 50); do curl -sf "$WEB_URL/healthz" >/dev/null && break; sleep 0.2; done
    curl -sf "$WEB_URL/healthz" >/dev/null || die "the dashboard server did not start: $(cat "${TMPDIR:-/tmp}/diachain-web-serve-$WEB_PORT.log")"
  fi
  log "browser tests against $CHAIN_ID at $WEB_URL (screenshots in $SHOTS)"
  OUT=$(mktemp)
  (cd web && WEB_URL="$WEB_URL" WEB_SCREENSHOTS="$SHOTS" node --test --test-concurrency=1 --test-reporter=spec "tests/browser/$ONLY") 2>&1 | tee "$OUT" >&2
  # The spec reporter ends with "ℹ pass N" / "ℹ fail M".
  BP=$(grep -aE '^ℹ pass [0-9]+' "$OUT" | awk '{print $3}' | tail -1)
  BF=$(grep -aE '^ℹ fail [0-9]+' "$OUT" | awk '{print $3}' | tail -1)
  rm -f "$OUT"
  if [ -z "$BP" ] || [ -z "$BF" ]; then FAILED=$((FAILED + 1)); FAILURES+=("browser tests (no result)")
  else PASSED=$((PASSED + BP)); FAILED=$((FAILED + BF)); [ "$BF" = 0 ] || FAILURES+=("$BF browser test(s)"); fi
fi

[ ${#FAILURES[@]} -eq 0 ] || log "failed: ${FAILURES[*]}"
echo "web: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
