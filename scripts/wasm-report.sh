#!/usr/bin/env bash
# Where each contract's wasm bytes go (docs/wasm-sizes.md). Builds the contracts the way
# scripts/build-wasm.sh does (one cdylib each, with the release profile's LTO, the same path
# remaps, wasm-opt -Os with the same lowering passes) except that function names are kept (no
# `-C link-arg=-s`, wasm-opt --debuginfo), into target/wasm-report/, and prints for each:
#   - its size without names, which is build-wasm.sh's to within a few bytes;
#   - twiggy's sizes of its functions and data segments summed by kind (the first rule that
#     matches a name; code inlined into a function counts as that function's);
#   - its largest functions and data segments.
# `floor` builds tests/wasm-floor, a contract of one message on cosmwasm-std 3 alone, in a
# temporary folder with this checkout's Cargo.lock: what no contract built this way goes below.
# Needs twiggy 0.8 on PATH or in .tools/bin (cargo install twiggy --version 0.8.0 --locked).
# Usage: scripts/wasm-report.sh [--top N] [contract ... | floor]   (default: every contract, floor)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

TOP=25
if [ "${1:-}" = --top ]; then TOP=${2:?--top needs a number}; shift 2; fi
if [ $# -gt 0 ]; then
  items=("$@")
else
  items=()
  for d in contracts/*/; do items+=("$(basename "$d")"); done
  items+=(floor)
fi
export PATH="$ROOT/.tools/bin:$PATH"
command -v twiggy >/dev/null || die "twiggy not found (cargo install twiggy --version 0.8.0 --locked)"
bash scripts/install-tools.sh rust wasm-opt >/dev/null

OUT=target/wasm-report
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CARGO_HOME_DIR=${CARGO_HOME:-$HOME/.cargo}

# build <manifest dir> <package> <root to remap> <target dir>: named, optimized wasm in $OUT.
build() {
  local dir=$1 pkg=$2 root=$3 target=$4 flags
  flags=$(jq -cn --arg root "$root" --arg target "$target" --arg cargo "$CARGO_HOME_DIR" \
    '["--remap-path-prefix=\($root)=/diachain",
      "--remap-path-prefix=\($target)=/diachain/target", "--remap-path-prefix=\($cargo)=/cargo"]')
  (cd "$dir" && CARGO_TARGET_DIR="$target" cargo rustc --quiet --release --lib \
    --crate-type cdylib --target wasm32-unknown-unknown \
    --config "target.wasm32-unknown-unknown.rustflags=$flags" -p "$pkg")
  wasm-opt -Os --enable-bulk-memory --llvm-memory-copy-fill-lowering --signext-lowering \
    --debuginfo "$target/wasm32-unknown-unknown/release/${pkg//-/_}.wasm" -o "$OUT/$pkg.wasm"
  wasm-opt -Os --enable-bulk-memory --llvm-memory-copy-fill-lowering --signext-lowering \
    --strip-debug --strip-producers "$OUT/$pkg.wasm" -o "$OUT/$pkg.stripped.wasm"
}

# The kinds, in order: a name goes to the first whose pattern it matches.
KINDS='[
  ["names (custom sections; not shipped)", "subsection|^custom section"],
  ["data: strings, tables, panic locations", "^data segment"],
  ["std: panic, backtrace and symbol demangling", "rustc_demangle|backtrace|panicking|panic_handler|addr2line|gimli|miniz"],
  ["core: float formatting and parsing", "float|flt2dec|bignum|dragon|grisu|dec2flt|zmij"],
  ["allocator (dlmalloc) and Vec growth", "dlmalloc|__rust_(alloc|realloc|dealloc)|raw_vec|RawVec|finish_grow"],
  ["sha2", "sha2::|Sha256|compress256"],
  ["cosmwasm-std querier (cross-contract queries)", "ExternalQuerier|QuerierWrapper|SystemResult|SystemError"],
  ["serde of our types (#[wire] Deserialize, Serialize)", "diachain_std::de::|(Deserialize|Serialize|Visitor).*diachain_std|diachain_std.*(Deserialize|Serialize|Visitor)"],
  ["serde of cosmwasm-std types (Env, MessageInfo, Response, Binary)", "(Deserialize|Serialize|Visitor).*cosmwasm_std|cosmwasm_std.*(Deserialize|Serialize|Visitor)"],
  ["serde_json", "serde_json"],
  ["serde", "serde_core|serde::"],
  ["our code: entry points (with the message parsing inlined), handlers, state", "^(execute|query|instantiate|migrate|reply)$|^(<)?(device_registry|consent|data_union|reading_anchors|wasm_floor)::|ops::function::Fn::call"],
  ["cosmwasm-std: exports, Api, storage, math", "cosmwasm_std|cosmwasm_core|bnum"],
  ["cw-storage-plus, cw2, cw-utils", "cw_storage_plus|cw2::|cw_utils"],
  ["diachain-std: encodings, crypto, versions, errors", "diachain_std"],
  ["core and alloc: fmt, str, iterators, collections", "core|alloc|^<(u|i)(8|16|32|64|128|size)|^<char|^<str|^<bool"]
]'

report() {
  local name=$1 wasm=$OUT/$1.wasm json
  json=$(twiggy top -n 1000000 --format json "$wasm")
  echo
  echo "== $name: $(stat -c %s "$OUT/$name.stripped.wasm") bytes without names"
  jq -r --argjson kinds "$KINDS" '
    def kind($n): first($kinds[] | select(.[1] as $p | $n | test($p)) | .[0]) // "other";
    [ .[] | select(.name | startswith("... and ") | not) | {k: kind(.name), s: .shallow_size} ]
    | group_by(.k) | map({k: .[0].k, s: (map(.s) | add), n: length}) | sort_by(-.s)
    | .[] | "\(.s)\t\(.n)\t\(.k)"' <<<"$json" |
    awk -F'\t' 'BEGIN { printf "%9s %6s  %s\n", "bytes", "items", "kind" }
      { printf "%9d %6d  %s\n", $1, $2, $3 }'
  echo "largest:"
  jq -r --argjson top "$TOP" '
    [ .[] | select(.name | test("subsection|^custom section|^\\.\\.\\. and ") | not) ]
    | sort_by(-.shallow_size) | .[:$top] | .[]
    | "\(.shallow_size)\t\(.name | sub("::h[0-9a-f]{16}$"; "") | gsub("\\[[0-9a-f]+\\]"; ""))"' \
    <<<"$json" | awk -F'\t' '{ printf "%9d  %s\n", $1, substr($2, 1, 150) }'
}

# Its own cargo target (other flags than build-wasm.sh's); DIACHAIN_WASM_REPORT_TARGET reuses another.
TARGET=${DIACHAIN_WASM_REPORT_TARGET:-$OUT/target}
for item in "${items[@]}"; do
  if [ "$item" = floor ]; then
    floor=$(mktemp -d)
    trap 'rm -rf "$floor"' EXIT
    cp -r tests/wasm-floor/. "$floor/"
    cp Cargo.lock rust-toolchain.toml "$floor/"
    build "$floor" wasm-floor "$floor" "$OUT/floor-target"
    report wasm-floor
  else
    [ -f "contracts/$item/Cargo.toml" ] || die "no contract named $item in contracts/"
    build "$ROOT" "$item" "$ROOT" "$TARGET"
    report "$item"
  fi
done
