#!/usr/bin/env bash
# Writes every contract's JSON schema to schema/<contract>.json and the relayer's HTTP API
# (OpenAPI, generated from its Rust types by relayer-api-schema) to schema/relayer-api.json:
# what frontends and clients build on. With --check, writes nothing and fails if a committed
# schema is stale or missing.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
mode=${1:-write}
out_dir=schema
if [ "$mode" = "--check" ]; then
  out_dir=$(mktemp -d)
  trap 'rm -rf "$out_dir"' EXIT
fi
mkdir -p "$out_dir"
contracts=() bins=()
for d in contracts/*/; do
  contracts+=("$(basename "$d")")
  bins+=(--bin "$(basename "$d")-schema")
done
# One build with the workspace's features (as cargo test builds), not one per contract with
# each package's own: that would rebuild cosmwasm-std and the rest with other features.
cargo build --quiet --locked --workspace "${bins[@]}" --bin relayer-api-schema
target=$(target_dir)
for c in "${contracts[@]}"; do
  "$target/debug/$c-schema" "$out_dir/$c.json"
done
"$target/debug/relayer-api-schema" "$out_dir/relayer-api.json"
if [ "$mode" = "--check" ]; then
  stale=0
  for f in "$out_dir"/*.json; do
    name=$(basename "$f")
    if ! cmp -s "$f" "schema/$name"; then
      echo "schema: schema/$name is stale or missing; run scripts/schema.sh and commit" >&2
      stale=1
    fi
  done
  for f in schema/*.json; do
    [ -e "$f" ] || continue
    [ -e "$out_dir/$(basename "$f")" ] || { echo "schema: $f has no generator" >&2; stale=1; }
  done
  [ $stale -eq 0 ] && echo "schema: up to date"
  exit $stale
fi
echo "schema: written to schema/"
