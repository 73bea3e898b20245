#!/usr/bin/env bash
# Writes every contract's JSON schema to schema/<contract>.json (what frontends build on).
# With --check, writes nothing and fails if a committed schema is stale or missing.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-write}
out_dir=schema
if [ "$mode" = "--check" ]; then
  out_dir=$(mktemp -d)
  trap 'rm -rf "$out_dir"' EXIT
fi
mkdir -p "$out_dir"
for d in contracts/*/; do
  c=$(basename "$d")
  cargo run --quiet --locked -p "$c" --bin "$c-schema" -- "$out_dir/$c.json"
done
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
    [ -e "$out_dir/$(basename "$f")" ] || { echo "schema: $f has no contract" >&2; stale=1; }
  done
  [ $stale -eq 0 ] && echo "schema: up to date"
  exit $stale
fi
echo "schema: written to schema/"
