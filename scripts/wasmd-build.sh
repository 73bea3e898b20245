#!/usr/bin/env bash
# Builds the wasmd node binary pinned by chain/go.mod + chain/go.sum (the project's own Go
# module, which requires github.com/CosmWasm/wasmd and repeats its `replace` lines) and caches it
# in the ignored .tools/wasmd/<version>/ folder, with wasmvm's shared library next to it.
# Re-running is instant: the binary is rebuilt only when the pin (go.mod, go.sum, the clock
# hook chain/clock/offset.go) or the Go version changes. Go's module and build caches live in
# .tools/go/ too.
#
# One change to upstream: CometBFT's clock reads an optional offset (DIACHAIN_CLOCK_OFFSET,
# seconds; unset = upstream behaviour) so that `scripts/chain.sh advance-clock` can move a local
# network's time forward. The build uses a hard-linked copy of the pinned CometBFT module with
# chain/clock/offset.go added to types/time and one line of Now() changed, and checks that the
# copy differs from upstream in exactly that (see docs/chain.md).
# Prints nothing but progress on stderr; prints the binary's path on stdout.
# Usage: scripts/wasmd-build.sh [--force]
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"


command -v go >/dev/null || { log "Go (>= 1.25) is required: https://go.dev/dl/"; exit 2; }
command -v gcc >/dev/null || { log "gcc is required (wasmvm is linked with cgo)"; exit 2; }

export GOMODCACHE="$ROOT/.tools/go/mod" GOCACHE="$ROOT/.tools/go/cache"
export GOFLAGS="-modcacherw -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=1

VERSION=$(awk '$1=="github.com/CosmWasm/wasmd" {print $2; exit}' chain/go.mod)
[ -n "$VERSION" ] || { log "chain/go.mod does not require github.com/CosmWasm/wasmd"; exit 2; }
OUT="$ROOT/.tools/wasmd/$VERSION"
BIN="$OUT/wasmd"
PIN=$( { cat chain/go.mod chain/go.sum chain/clock/offset.go; go version; } | sha256sum | cut -d' ' -f1)

if [ "${1:-}" != "--force" ] && [ -x "$BIN" ] && [ "$(cat "$OUT/.pin" 2>/dev/null)" = "$PIN" ] \
   && "$BIN" version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi

log "building wasmd $VERSION with $(go version | awk '{print $3}') (first build takes several minutes)"
start=$(date +%s)
mkdir -p "$OUT"
rm -f "$OUT/.pin"

# CometBFT with the clock offset (see the header). The copy's files are hard links into the
# module cache except the two that differ, which are written as new files.
CMT=github.com/cometbft/cometbft
(cd chain && go mod download "$CMT")
CMT_DIR=$(cd chain && go list -m -f '{{.Dir}}' "$CMT")
[ -d "$CMT_DIR" ] || { log "cannot find the module $CMT"; exit 1; }
WORK="$ROOT/.tools/wasmd/build"
rm -rf "$WORK"
mkdir -p "$WORK"
cp -al "$CMT_DIR" "$WORK/cometbft"
# The folder is the copy's own; its files are the module cache's, so they are replaced, never
# written to or chmod-ed.
chmod u+w "$WORK/cometbft/types/time"
NOW_UPSTREAM=$'\treturn Canonical(time.Now())'
NOW_OFFSET=$'\treturn Canonical(time.Now().Add(offset))'
T="$WORK/cometbft/types/time"
[ "$(grep -cxF "$NOW_UPSTREAM" "$T/time.go")" = 1 ] \
  || { log "$CMT/types/time/time.go no longer has the line '$NOW_UPSTREAM' once; update chain/clock/ and this script for the new CometBFT"; exit 1; }
awk -v from="$NOW_UPSTREAM" -v to="$NOW_OFFSET" '$0 == from { print to; next } { print }' \
  "$T/time.go" > "$WORK/time.go"
rm -f "$T/time.go"
mv "$WORK/time.go" "$T/time.go"
cp chain/clock/offset.go "$T/diachain_offset.go"
DIFF=$(diff -r "$CMT_DIR" "$WORK/cometbft" || true)
EXPECTED="$(printf 'Only in %s/cometbft/types/time: diachain_offset.go\n' "$WORK")"
if [ "$(echo "$DIFF" | grep -c '^[<>]')" != 2 ] || [ "$(echo "$DIFF" | grep -c '^Only in')" != 1 ] \
   || ! echo "$DIFF" | grep -qxF "$EXPECTED"; then
  log "the CometBFT copy differs from upstream in more than the clock line:"
  echo "$DIFF" >&2
  exit 1
fi
cp chain/go.mod chain/go.sum "$WORK/"
printf '\nreplace %s => %s\n' "$CMT" "$WORK/cometbft" >> "$WORK/go.mod"
(
  cd chain
  sdk=github.com/cosmos/cosmos-sdk/version
  go build -modfile "$WORK/go.mod" -trimpath -o "$BIN.tmp" \
    -ldflags "-X $sdk.Name=wasm -X $sdk.AppName=wasmd -X $sdk.Version=${VERSION#v} -X $sdk.Commit=diachain-pin -w -s -extldflags '-Wl,-rpath,\$ORIGIN'" \
    github.com/CosmWasm/wasmd/cmd/wasmd
)
# wasmvm ships its prebuilt VM as a shared library inside its Go module; keep a copy next to the
# binary (found through the $ORIGIN rpath) so the binary does not depend on the module cache.
WASMVM_DIR=$(cd chain && go list -m -f '{{.Dir}}' github.com/CosmWasm/wasmvm/v3)
cp -f "$WASMVM_DIR/internal/api/libwasmvm.$(uname -m).so" "$OUT/"
mv -f "$BIN.tmp" "$BIN"
"$BIN" version >/dev/null
echo "$PIN" > "$OUT/.pin"
# The binary is cached; Go's build cache for it (~2 GB) is not needed again.
go clean -cache
log "built $BIN ($("$BIN" version 2>&1)) in $(( $(date +%s) - start ))s"
echo "$BIN"
