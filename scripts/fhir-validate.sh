#!/usr/bin/env bash
# Validates FHIR R4 JSON files with HAPI FHIR's instance validator (tests/fhir-validator, an
# independent check of the relayer's FHIR export): prints every issue, exits 1 on any error.
#   bash scripts/fhir-validate.sh bundle.json [more.json ...]
#   bash scripts/fhir-validate.sh --build     # only build it (scripts/install-tools.sh does)
# Built once with Maven into tests/fhir-validator/target; Maven's repository is .tools/m2.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
DIR="$ROOT/tests/fhir-validator"
STAMP="$DIR/target/.built"
if [ ! -f "$STAMP" ] || [ "$DIR/pom.xml" -nt "$STAMP" ] \
  || [ -n "$(find "$DIR/src" -newer "$STAMP" -print -quit)" ]; then
  (cd "$DIR" && mvn -q -B -Dmaven.repo.local="$ROOT/.tools/m2" package -DskipTests)
  touch "$STAMP"
fi
[ "${1:-}" = --build ] && exit 0
# DiaChain's own definitions (the chain-anchor extension) are loaded from docs/fhir.
exec java -Ddiachain.fhir.definitions="$ROOT/docs/fhir" \
  -cp "$DIR/target/classes:$DIR/target/lib/*" dev.diachain.fhir.Validate "$@"
