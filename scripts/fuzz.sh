#!/usr/bin/env bash
# Coverage-guided fuzzing of every target in tests/fuzz (docs/fuzzing.md) on stable Rust:
# cargo-bolero's libFuzzer engine with --sanitizer NONE (no nightly), an instrumented build in
# its own target folder (target/fuzz, so it never fights the normal build), each target for a
# fixed time, starting from the committed corpus (tests/fuzz/corpus/<target>/).
#   scripts/fuzz.sh [--seconds N] [--list] [TARGET...]   (default: 15 s each, every target)
#   scripts/fuzz.sh --seconds 600                        the long run
# Inputs the fuzzer finds interesting are kept in target/fuzz/work/<target>/corpus (never in
# the committed corpus); a crash is written to target/fuzz/work/<target>/crashes and fails the
# run, with the command that reproduces it. Prints one line per target: runs, exec/s, corpus.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

SECONDS_EACH=15
TARGETS=()
LIST=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || DIE_STATUS=2 die "--seconds takes a whole number of seconds"
      SECONDS_EACH=$2; shift 2 ;;
    --list) LIST=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) DIE_STATUS=2 die "unknown option $1 (--seconds N, --list)" ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done

# Every target: the #[test] functions of tests/fuzz/tests/targets/main.rs that run `check!()`.
mapfile -t ALL < <(awk '/^fn / { name = $2; sub(/\(.*/, "", name) } /check!\(\)/ && name != "" { print name; name = "" }' \
  tests/fuzz/tests/targets/main.rs)
[ ${#ALL[@]} -gt 0 ] || die "no targets in tests/fuzz/tests/targets/main.rs"
if [ "$LIST" = 1 ]; then printf '%s\n' "${ALL[@]}"; exit 0; fi
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
  [[ " ${ALL[*]} " == *" $t "* ]] || DIE_STATUS=2 die "no target $t (scripts/fuzz.sh --list)"
  [ -d "tests/fuzz/corpus/$t" ] || die "target $t has no committed corpus (tests/fuzz/corpus/$t)"
done

bash scripts/install-tools.sh cargo-bolero >&2
# tests/fuzz is a workspace of its own (its own Cargo.lock): cargo bolero runs from there.
bolero() {
  (cd tests/fuzz && "$ROOT/.tools/bin/cargo-bolero" bolero test -p diachain-fuzz --engine libfuzzer \
    --sanitizer NONE --profile fuzz --target-dir "$ROOT/target/fuzz" "$@")
}
WORK=$ROOT/target/fuzz/work

# The instrumented build, once, before the clock of the first target starts.
start=$SECONDS
log "building the instrumented test binary (target/fuzz; the first build takes minutes)"
# (cargo bolero builds, then asks the binary where the target lives; --runs 0 stops there)
mkdir -p "$WORK/build"
bolero --corpus-dir "$WORK/build/corpus" --crashes-dir "$WORK/build/crashes" \
  --runs 1 "${TARGETS[0]}" > "$WORK/build/log" 2>&1 || { cat "$WORK/build/log" >&2; die "the instrumented build failed"; }
log "built in $((SECONDS - start)) s"

failed=()
SUMMARY=()
for t in "${TARGETS[@]}"; do
  dir="$WORK/$t"
  mkdir -p "$dir/corpus" "$dir/crashes"
  cp -n "$ROOT/tests/fuzz/corpus/$t"/* "$dir/corpus/"
  before=$(find "$dir/corpus" -type f | wc -l)
  crashes_before=$(find "$dir/crashes" -type f | wc -l)
  log "$t: ${SECONDS_EACH} s"
  # -timeout: the slowest single input allowed; the contracts target builds its journey states
  # on its first inputs (seconds in the instrumented build).
  status=0
  bolero --corpus-dir "$dir/corpus" --crashes-dir "$dir/crashes" \
    -T "${SECONDS_EACH}s" --timeout 120s --engine-args=-print_final_stats=1 "$t" > "$dir/log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  after=$(find "$dir/corpus" -type f | wc -l)
  crashes=$(( $(find "$dir/crashes" -type f | wc -l) - crashes_before ))
  line=$(printf '%-20s %10s runs %8s exec/s  corpus %4d -> %4d' "$t" "${runs:-?}" "${rate:-?}" "$before" "$after")
  if [ "$status" != 0 ] || [ "$crashes" -gt 0 ]; then
    line+="  FAILED (exit $status; log $dir/log)"
    failed+=("$t")
    grep -E '^(thread .* panicked|panicked at)|^Error:|deadly signal|==[0-9]+== ERROR' -A3 "$dir/log" | head -20 >&2 || true
    for f in "$dir/crashes"/*; do
      [ -f "$f" ] && log "$t: crash input $f; reproduce: cp $f tests/fuzz/corpus/$t/ && cargo test --manifest-path tests/fuzz/Cargo.toml --test targets -- --exact $t"
    done
  fi
  SUMMARY+=("$line")
done

printf '\nfuzz: %s s per target (cargo bolero, libfuzzer, --sanitizer NONE)\n' "$SECONDS_EACH"
printf '  %s\n' "${SUMMARY[@]}"
[ ${#failed[@]} = 0 ] || die "targets that failed: ${failed[*]}"
echo "fuzz: ${#TARGETS[@]} targets passed, no crash, in $((SECONDS - start)) s"
