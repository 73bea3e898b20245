#!/usr/bin/env bash
# The version rule, checked (docs/conventions.md "Versions and migrations"): every contract's
# current version (its crate version, stored by cw2) has an entry in CHANGELOG.md, and the
# sha256 that entry gives is the checksum of the wasm built from this checkout. So a change to a
# contract's wasm cannot ship under the version it had: bump the version, add its entry with the
# new checksum (from artifacts/checksums.txt).
#   scripts/release-check.sh [ARTIFACTS_DIR [CHANGELOG]]
#   (defaults: artifacts/, built by scripts/build-wasm.sh, and CHANGELOG.md; test.sh passes others
#   to check the refusals)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
ARTIFACTS=${1:-artifacts}
CHANGELOG=${2:-CHANGELOG.md}
[ -f "$ARTIFACTS/checksums.txt" ] || { echo "release-check: no $ARTIFACTS/checksums.txt (run scripts/build-wasm.sh)" >&2; exit 2; }

status=0
for d in contracts/*/; do
  c=$(basename "$d")
  version=$(sed -n 's/^version *= *"\(.*\)"$/\1/p' "$d/Cargo.toml" | head -1)
  built=$(checksum_of "$ARTIFACTS/checksums.txt" "$c.wasm")
  [ -n "$built" ] || { echo "release-check: $ARTIFACTS has no $c.wasm" >&2; status=1; continue; }
  # The "### <version>" entry under the "## <contract> (" heading, up to the next heading.
  entry=$(awk -v c="$c" -v v="$version" '
    /^## / { in_c = index($0, "## " c " (") == 1; next }
    in_c && /^### / { in_v = ($2 == v); next }
    in_c && in_v { print }' "$CHANGELOG")
  if [ -z "$entry" ]; then
    echo "release-check: $CHANGELOG has no entry for $c $version: a change to a contract's wasm bumps its version and gets an entry (docs/conventions.md)" >&2
    status=1; continue
  fi
  # shellcheck disable=SC2016  # the backquotes are Markdown, not a command
  recorded=$(grep -o 'sha256 `[0-9a-f]\{64\}`' <<<"$entry" | head -1 | grep -o '[0-9a-f]\{64\}' || true)
  if [ -z "$recorded" ]; then
    echo "release-check: the $CHANGELOG entry of $c $version gives no sha256 (add: - sha256 \`$built\`)" >&2
    status=1
  elif [ "$recorded" != "$built" ]; then
    echo "release-check: $c $version: $CHANGELOG records sha256 $recorded, this checkout builds $built; the wasm changed under an unchanged version: bump $c's version and add its entry" >&2
    status=1
  else
    echo "release-check: $c $version matches its $CHANGELOG entry (${built:0:12}…)"
  fi
done
exit $status
