#!/usr/bin/env bash
# A soak: the relayer under a steady load for a long time, its memory, file descriptors and
# store size recorded, then checked for a leak.
#
#   scripts/soak.sh [--minutes M] [--gateways G] [--interval S] [--sample S] [--cache-bytes B]
#                   [--chain-id ID] [--port-base P] [--port R] [--no-build]
#
# A fresh network of its own (default diachain-soak-1, port base 28600: RPC 28601; the relayer on
# 127.0.0.1:28680) with the suite deployed (--no-build: artifacts/ as they are), the relayer under
# the network's admitted `relayer` key on an embedded store, and G (default 20) gateways of
# diachain-simulate posting batches of 12 readings, one reading every --interval seconds
# (default 1) each, for M minutes (default 30). The relayer runs with --cache-bytes B (default
# 2097152, 2 MiB): a page cache the store file outgrows in the first minutes, so that what the
# cache legitimately takes is all taken during the warm-up and the memory check can be strict.
# Every --sample seconds (default 30) one CSV row
# goes to .chain/<id>/soak/soak.csv:
#   elapsed_s      seconds since the gateways started
#   rss_kb         the relayer's resident memory (VmRSS of /proc/<pid>/status)
#   fds            its open file descriptors (entries of /proc/<pid>/fd)
#   threads        its threads (Threads of /proc/<pid>/status)
#   store_bytes    the size of its store file
#   readings_acked readings the relayer answered 201 for so far (the simulator's --acks log)
#   anchored       batches anchored so far, pending: waiting (/v1/status)
# At the end the table is printed and three checks decide the exit status (1 if any fails):
#   memory flat    the mean RSS of the last quarter of the run exceeds the second quarter's by at
#                  most 10 % of it plus what the page cache may still legitimately take in
#                  between: the growth of min(store file, B). The first quarter is warm-up (the
#                  allocator's arenas, the registry cache, the page cache filling). The embedded
#                  database keeps pages it read or wrote in its page cache, bounded at B: while
#                  the file is smaller than B, resident memory legitimately grows with it; once
#                  the file is past B (by the second quarter with the defaults), nothing may
#                  grow with the readings, and a leak shows as a rising second half.
#   no fd leak     the most descriptors open in the second half exceed the first half's most by at
#                  most 8 (connections come and go with the gateways' keep-alive)
#   size linear    store bytes per acknowledged reading in the last quarter are at most 1.5 times
#                  the second quarter's: the embedded database grows its file in steps of up to
#                  half its size, so bytes per reading move within one such step; a store whose
#                  size grew faster than its readings (rewrites, no reuse of freed pages) climbs
#                  past it. The growth over the second half, in bytes per reading, is printed.
# Not in CI; docs/reliability.md has a 30-minute run's table.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/faults.sh
source scripts/lib/faults.sh

CHAIN_ID=diachain-soak-1 PORT_BASE=28600 PORT=28680 MINUTES=30 GATEWAYS=20 SIM_INTERVAL=1 SAMPLE=30 CACHE_BYTES=2097152 BUILD=()
usage="usage: scripts/soak.sh [--minutes M] [--gateways G] [--interval S] [--sample S] [--cache-bytes B] [--chain-id ID] [--port-base P] [--port R] [--no-build]"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=${2:?--minutes needs a number}; shift 2 ;;
    --gateways) GATEWAYS=${2:?--gateways needs a number}; shift 2 ;;
    --interval) SIM_INTERVAL=${2:?--interval needs seconds}; shift 2 ;;
    --sample) SAMPLE=${2:?--sample needs seconds}; shift 2 ;;
    --cache-bytes) CACHE_BYTES=${2:?--cache-bytes needs a number of bytes}; shift 2 ;;
    --chain-id) CHAIN_ID=${2:?--chain-id needs a value}; shift 2 ;;
    --port-base) PORT_BASE=${2:?--port-base needs a port}; shift 2 ;;
    --port) PORT=${2:?--port needs a port}; shift 2 ;;
    --no-build) BUILD=(--no-build); shift ;;
    -h|--help) sed -n "2,$(grep -n '^# Not in CI' "$0" | cut -d: -f1)p" "$0"; exit 0 ;;
    *) die "$usage" ;;
  esac
done
for v in MINUTES GATEWAYS SIM_INTERVAL SAMPLE; do
  [[ "${!v}" =~ ^[1-9][0-9]{0,4}$ ]] || die "${v,,} must be a whole number >= 1, got '${!v}'"
done
[[ "$CACHE_BYTES" =~ ^[1-9][0-9]{6,12}$ ]] && [ "$CACHE_BYTES" -ge 1048576 ] || die "--cache-bytes must be a whole number of bytes, at least 1048576 (the relayer's minimum), got '$CACHE_BYTES'"
[ $((MINUTES * 60 / SAMPLE)) -ge 8 ] || die "--minutes $MINUTES with --sample $SAMPLE gives fewer than 8 rows: too few quarters to compare"

WORK=".chain/$CHAIN_ID/soak"
RELAYER_PID="" SIM_PID=""
cleanup() {
  trap - EXIT
  [ -z "$SIM_PID" ] || { kill -TERM "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; }
  relayer_stop
  bash scripts/chain.sh stop --chain-id "$CHAIN_ID" || true
}
trap cleanup EXIT
faults_network
rm -rf "$WORK" && mkdir -p "$WORK"
faults_binaries
faults_relayer_setup
RELAYER_ARGS+=(--cache-bytes "$CACHE_BYTES")
relayer_spawn
relayer_ready 120
sim_args
log "registering and binding $GATEWAYS gateways"
"$SIM" "${SIM_ARGS[@]}" --seed soak --devices "$GATEWAYS" --state "$WORK/simulate-state.json" --setup-only \
  > "$WORK/setup.json" 2>>"$WORK/simulate.log" || die "the gateways' setup failed; see $WORK/simulate.log"
"$SIM" "${SIM_ARGS[@]}" --seed soak --devices "$GATEWAYS" --state "$WORK/simulate-state.json" \
  --acks "$WORK/acks.jsonl" --duration-secs $((MINUTES * 60)) > "$WORK/simulate.json" 2>>"$WORK/simulate.log" &
SIM_PID=$!
t0=$SECONDS

CSV="$WORK/soak.csv"
echo "elapsed_s,rss_kb,fds,threads,store_bytes,readings_acked,anchored,pending" > "$CSV"
sample() {
  local p=/proc/$RELAYER_PID rss fds threads size acked s anchored pending
  kill -0 "$RELAYER_PID" 2>/dev/null || die "the relayer exited during the soak; log $WORK/relayer.log"
  rss=$(awk '/^VmRSS:/ { print $2 }' "$p/status")
  threads=$(awk '/^Threads:/ { print $2 }' "$p/status")
  fds=$(find "$p/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  size=$(stat -c %s "$WORK/store/relayer.redb")
  acked=$(jq -s 'map(.readings) | add // 0' "$WORK/acks.jsonl" 2>/dev/null || echo 0)
  s=$(relayer_status || echo '{}')
  anchored=$(jq '.anchored // -1' <<<"$s") pending=$(jq '(.pending // -1) + (.in_flight // 0)' <<<"$s")
  echo "$((SECONDS - t0)),$rss,$fds,$threads,$size,$acked,$anchored,$pending" >> "$CSV"
}
next=$SAMPLE
while kill -0 "$SIM_PID" 2>/dev/null; do
  if [ $((SECONDS - t0)) -ge "$next" ]; then
    sample
    [ $((next % 300)) -ne 0 ] || log "$(tail -n 1 "$CSV") (elapsed_s,rss_kb,fds,threads,store_bytes,readings_acked,anchored,pending)"
    next=$((next + SAMPLE))
  fi
  sleep 1
done
wait "$SIM_PID" || die "the gateway simulator failed; see $WORK/simulate.log"
SIM_PID=""
status=$(relayer_drained 300)
sample
echo "$status" > "$WORK/final-status.json"

column -s, -t "$CSV"
# The checks, by quarters of the sampled rows (the last row, taken after the drain, included).
verdict=$(awk -F, -v cache="$CACHE_BYTES" 'NR > 1 { n++; t[n] = $1; rss[n] = $2; fd[n] = $3; size[n] = $5; acked[n] = $6 }
  function mean(a, lo, hi,   i, s) { s = 0; for (i = lo; i <= hi; i++) s += a[i]; return s / (hi - lo + 1) }
  function bpr(lo, hi,   i, s) { s = 0; for (i = lo; i <= hi; i++) s += size[i] / acked[i]; return s / (hi - lo + 1) }
  function maxof(a, lo, hi,   i, m) { m = a[lo]; for (i = lo; i <= hi; i++) if (a[i] > m) m = a[i]; return m }
  function cached(lo, hi,   i, s) { s = 0; for (i = lo; i <= hi; i++) s += (size[i] < cache ? size[i] : cache); return s / (hi - lo + 1) / 1024 }
  END {
    q = int(n / 4); h = int(n / 2)
    q2 = mean(rss, q + 1, 2 * q); q4 = mean(rss, n - q + 1, n)
    s2 = mean(size, q + 1, 2 * q) / 1024; s4 = mean(size, n - q + 1, n) / 1024
    c2 = cached(q + 1, 2 * q); c4 = cached(n - q + 1, n)
    b2 = bpr(q + 1, 2 * q); b4 = bpr(n - q + 1, n)
    f1 = maxof(fd, 1, h); f2 = maxof(fd, h + 1, n)
    growth = (acked[n] > acked[2 * q]) ? (q4 - q2) * 1024 / (acked[n] - acked[2 * q]) : 0
    sgrowth = (acked[n] > acked[h]) ? (size[n] - size[h]) / (acked[n] - acked[h]) : 0
    printf "rss_q2_kb=%.0f rss_q4_kb=%.0f rss_ratio=%.3f rss_growth_bytes_per_reading=%.1f ", q2, q4, q4 / q2, growth
    printf "cache_kb=%.0f store_q2_kb=%.0f store_q4_kb=%.0f cache_may_grow_kb=%.0f rss_growth_beyond_cache_kb=%.0f ", cache / 1024, s2, s4, c4 - c2, (q4 - q2) - (c4 - c2)
    printf "fds_max_first_half=%d fds_max_second_half=%d ", f1, f2
    printf "store_bytes_per_reading_q2=%.1f store_bytes_per_reading_q4=%.1f bpr_ratio=%.3f store_growth_second_half_bytes_per_reading=%.1f ", b2, b4, b4 / b2, sgrowth
    printf "memory_flat=%s fds_flat=%s size_linear=%s\n", (q4 - q2 <= 0.10 * q2 + (c4 - c2)) ? "yes" : "no", (f2 <= f1 + 8) ? "yes" : "no", (b4 <= 1.5 * b2) ? "yes" : "no"
  }' "$CSV")
echo "$verdict" | tr ' ' '\n' | tee "$WORK/verdict.txt"
jq -c '{batches_accepted, readings_accepted, transport_errors, rejected, ack_latency_ms}' "$WORK/simulate.json"
echo "final status: $(jq -c '{anchored, failed, pending, in_flight}' <<<"$status")"
echo "csv: $CSV"
[ "$(jq '.failed' <<<"$status")" = 0 ] || die "FAILED: batches failed during the soak"
grep -q "memory_flat=yes" <<<"$verdict" && grep -q "fds_flat=yes" <<<"$verdict" && grep -q "size_linear=yes" <<<"$verdict" \
  || die "FAILED: memory, descriptors or store size did not stay within bounds (above)"
log "passed: memory flat, no descriptor leak, store size linear in readings over $MINUTES min"
