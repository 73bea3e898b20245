import { formatInZone, useTimeZone } from "../lib/timezone";

/** A moment in the chosen time zone ("2026-12-06 16:22:27 GMT+1"), as a `<time>` element whose
 * `data-time` is its unix second. Give `s` (seconds) or `ns` (the chain's nanoseconds). */
export function Time({ s, ns, seconds = true }: { s?: number; ns?: string; seconds?: boolean }) {
  const zone = useTimeZone();
  const ms = ns !== undefined ? Number(BigInt(ns) / 1_000_000n) : (s ?? 0) * 1000;
  return (
    <time dateTime={new Date(ms).toISOString()} data-time={Math.floor(ms / 1000)}>
      {formatInZone(ms, zone, { seconds })}
    </time>
  );
}
