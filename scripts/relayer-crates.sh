#!/usr/bin/env bash
# Checks the relayer's crate graph against the rule of docs/conventions.md ("The relayer's
# crates"): each relayer crate depends only on the relayer crates below it (cargo itself refuses
# a cycle and an import of a crate that is not a dependency), the test kit is a dev-dependency of
# the crates above it only (the fixtures, below every relayer crate, are any crate's), and the
# production binary's dependency tree holds neither the gateway simulator, nor the test kit or
# the fixtures, nor a `testing`/`testkit` feature of any crate. Prints the
# relayer crates' edges; exits 1 on a breach.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

# crate: the relayer crates it may depend on (normal dependencies), lowest first
CRATES=(diachain-relayer-fixtures diachain-relayer-types diachain-relayer-core diachain-relayer-api
  diachain-relayer diachain-simulate diachain-relayer-testkit)
declare -A ALLOWED=(
  [diachain-relayer-fixtures]=""
  [diachain-relayer-types]=""
  [diachain-relayer-core]="diachain-relayer-types"
  [diachain-relayer-api]="diachain-relayer-types diachain-relayer-core"
  [diachain-relayer]="diachain-relayer-types diachain-relayer-core diachain-relayer-api"
  [diachain-simulate]="diachain-relayer-types"
  [diachain-relayer-testkit]="diachain-relayer-types diachain-relayer-core diachain-relayer-api diachain-relayer-fixtures"
)
# crates that may use the test kit (as a dev-dependency)
KIT_USERS="diachain-relayer diachain-simulate"

meta=$(cargo metadata --locked --format-version 1 --no-deps)
fail=0
for crate in "${CRATES[@]}"; do
  jq -e --arg c "$crate" '.packages[] | select(.name == $c)' <<<"$meta" >/dev/null \
    || { echo "relayer-crates: no crate $crate in the workspace" >&2; fail=1; continue; }
  # "<kind> <dependency>" for each relayer crate it depends on (kind: normal, dev or build)
  while read -r kind dep; do
    [ -n "$dep" ] || continue
    echo "  $crate -> $dep${kind:+ ($kind)}"
    if [ "$kind" = dev ]; then
      if [ "$dep" = diachain-relayer-testkit ] && [[ " $KIT_USERS " != *" $crate "* ]]; then
        echo "relayer-crates: $crate may not use the test kit: it sits below it" >&2; fail=1
      fi
      continue
    fi
    [[ " ${ALLOWED[$crate]} " == *" $dep "* ]] \
      || { echo "relayer-crates: $crate may not depend on $dep (docs/conventions.md)" >&2; fail=1; }
  done < <(jq -r --arg c "$crate" '.packages[] | select(.name == $c) | .dependencies[]
      | select(.name | test("^diachain-(relayer|simulate)")) | "\(.kind // "") \(.name)"' <<<"$meta" \
      | sed 's/^ /normal /' | sort)
done

tree=$(cargo tree --locked -p diachain-relayer -e normal,build --prefix none -f '{p} [{f}]' \
  | sed 's/ (\*)$//' | sort -u)
if grep -E '^diachain-(simulate|relayer-testkit|relayer-fixtures) ' <<<"$tree"; then
  echo "relayer-crates: the production binary's tree holds the simulator or test code" >&2; fail=1
fi
if grep -E '\[([^]]*,)?(testing|testkit)(,[^]]*)?\]' <<<"$tree"; then
  echo "relayer-crates: the production binary's tree enables a testing feature (above)" >&2; fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "relayer-crates: one-way dependencies; diachain-relayer's tree: $(cut -d' ' -f1,2 <<<"$tree" | sort -u | wc -l) crates, no simulator, test kit or testing feature"
