#!/usr/bin/env bash
# The version rule, checked (docs/conventions.md "Versions and migrations"): every contract's
# current version (its crate version, stored by cw2) has an entry in CHANGELOG.md, and the
# sha256 that entry gives is the checksum of the wasm built from this checkout. So a change to a
# contract's wasm cannot ship under the version it had: bump the version, add its entry with the
# new checksum (from artifacts/checksums.txt).
# The same for cw-plus's cw4-group and cw3-flex-multisig (the version third-party/cw-plus's
# Cargo.lock pins; their entries record our build of crates.io's code, the first sha256 of an
# entry being the current build), and that this build is crates.io's code unchanged: every
# package of that Cargo.lock but its own comes from crates.io with the checksum cargo verifies
# each download against (no path, git or patched source).
#   scripts/release-check.sh [ARTIFACTS_DIR [CHANGELOG]]
#   (defaults: artifacts/, built by scripts/build-wasm.sh, and CHANGELOG.md; test.sh passes others
#   to check the refusals)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
ARTIFACTS=${1:-artifacts}
CHANGELOG=${2:-CHANGELOG.md}
[ -f "$ARTIFACTS/checksums.txt" ] || { echo "release-check: no $ARTIFACTS/checksums.txt (run scripts/build-wasm.sh)" >&2; exit 2; }

# The sha256 of the "### <version>" entry under the "## <contract> (" heading (up to the next
# heading); "none" when it has no entry, "" when its entry gives no sha256.
recorded_sha256() {
  local entry
  entry=$(awk -v c="$1" -v v="$2" '
    /^## / { in_c = index($0, "## " c " (") == 1; next }
    in_c && /^### / { in_v = ($2 == v); next }
    in_c && in_v { print }' "$CHANGELOG")
  [ -n "$entry" ] || { echo none; return; }
  # shellcheck disable=SC2016  # the backquotes are Markdown, not a command
  grep -o 'sha256 `[0-9a-f]\{64\}`' <<<"$entry" | head -1 | grep -o '[0-9a-f]\{64\}' || true
}

# check <contract> <version> <label> <what its missing entry needs> <what a differing build needs>
check() {
  local c=$1 version=$2 label=$3 missing=$4 differs=$5 built recorded
  built=$(checksum_of "$ARTIFACTS/checksums.txt" "$c.wasm")
  [ -n "$built" ] || { echo "release-check: $ARTIFACTS has no $c.wasm" >&2; return 1; }
  recorded=$(recorded_sha256 "$c" "$version")
  if [ "$recorded" = none ]; then
    echo "release-check: $CHANGELOG has no entry for $c $version: $missing" >&2
  elif [ -z "$recorded" ]; then
    echo "release-check: the $CHANGELOG entry of $c $version gives no sha256 (add: - sha256 \`$built\`)" >&2
  elif [ "$recorded" != "$built" ]; then
    echo "release-check: $c $version$label: $CHANGELOG records sha256 $recorded, this checkout builds $built; $differs" >&2
  else
    echo "release-check: $c $version$label matches its $CHANGELOG entry (${built:0:12}…)"
    return 0
  fi
  return 1
}

status=0
for d in contracts/*/; do
  c=$(basename "$d")
  version=$(sed -n 's/^version *= *"\(.*\)"$/\1/p' "$d/Cargo.toml" | head -1)
  check "$c" "$version" "" \
    "a change to a contract's wasm bumps its version and gets an entry (docs/conventions.md)" \
    "the wasm changed under an unchanged version: bump $c's version and add its entry" || status=1
done

LOCK=$THIRD_PARTY_DIR/Cargo.lock
own=$(cargo metadata --format-version 1 --no-deps --manifest-path "$THIRD_PARTY_DIR/Cargo.toml" | jq -r '.packages[].name')
foreign=$(awk -v own="$own" -v reg=registry+https://github.com/rust-lang/crates.io-index '
  function check() { if (name != "" && name != own && !(src == reg && sum)) print name " (" (src == "" ? "a path" : src) (sum ? "" : ", no checksum") ")" }
  /^\[\[package\]\]/ { check(); name = src = ""; sum = 0; next }
  $1 == "name" { name = $3; gsub(/"/, "", name) }
  $1 == "source" { src = $3; gsub(/"/, "", src) }
  $1 == "checksum" { sum = 1 }
  END { check() }' "$LOCK")
if [ -n "$foreign" ]; then
  echo "release-check: $LOCK: not crates.io's code as published: ${foreign//$'\n'/; }" >&2
  status=1
fi
while read -r c; do
  version=$(third_party_version "$c")
  [ -n "$version" ] || { echo "release-check: $LOCK pins no $c" >&2; status=1; continue; }
  check "$c" "$version" " (cw-plus)" "add its entry (cw-plus, pinned by $LOCK) with its sha256 and size" \
    "the source is the same crate, so the toolchain, the profile, a dependency in $LOCK or the build changed its bytes: record this build first in its entry" || status=1
done < <(third_party_contracts)
exit $status
