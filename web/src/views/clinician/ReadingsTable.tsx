import { formatTime } from "../../lib/format";
import type { CheckedReading } from "../../lib/verify";
import { displayValue } from "./values";

export function ReadingsTable({ checked }: { checked: CheckedReading[] }) {
  if (checked.length === 0) return null;
  return (
    <details open={checked.some((c) => c.verdict.state === "failed")}>
      <summary>Every reading and its verification ({checked.length})</summary>
      <table className="readings" data-testid="readings">
        <thead>
          <tr><th>Measured</th><th>Device</th><th>Seq</th><th>Value</th><th>Trend</th><th>Signed by</th><th>Verification</th></tr>
        </thead>
        <tbody>
          {checked.map(({ served, batch, verdict }) => {
            const r = served.reading;
            return (
              <tr key={`${r.device_id}/${r.seq}`} className={`verdict-${verdict.state}`} data-testid="reading-row"
                data-verdict={verdict.state} data-device={r.device_id} data-seq={r.seq}>
                <td>{formatTime(new Date(r.measured_at * 1000))}</td>
                <td><code>{r.device_id}</code></td>
                <td>{r.seq}</td>
                <td>{displayValue(r)}</td>
                <td>{String(r.trend).replace(/_/g, " ")}</td>
                <td>{batch.attestation === "device_signed" ? "the device" : "the relayer (uploaded)"}</td>
                <td>{verdict.state === "verified" ? `✔ verified (anchored at block ${verdict.height})` : verdict.state === "failed" ? `✘ ${verdict.reason}` : `… ${verdict.reason}`}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}
