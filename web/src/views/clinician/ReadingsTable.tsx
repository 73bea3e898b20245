import { Time } from "../../components/Time";
import type { CheckedReading } from "../../lib/verify";
import { displayValue } from "./values";

function Rows({ rows, testId }: { rows: CheckedReading[]; testId: string }) {
  return (
    <table className="readings">
      <thead>
        <tr><th>Measured</th><th>Device</th><th>Seq</th><th>Value</th><th>Trend</th><th>Signed by</th><th>Verification</th></tr>
      </thead>
      <tbody>
        {rows.map(({ served, batch, verdict }) => {
          const r = served.reading;
          return (
            <tr key={`${r.device_id}/${r.seq}`} className={`verdict-${verdict.state}`} data-testid={testId}
              data-verdict={verdict.state} data-device={r.device_id} data-seq={r.seq}>
              <td><Time s={r.measured_at} /></td>
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
  );
}

/** The failing readings up front, and every reading with its verdict on demand. */
export function ReadingsTable({ checked }: { checked: CheckedReading[] }) {
  if (checked.length === 0) return null;
  const failed = checked.filter((c) => c.verdict.state === "failed");
  return (
    <>
      {failed.length ? (
        <div data-testid="failed-readings">
          <h3>Readings that failed verification</h3>
          <Rows rows={failed} testId="failed-row" />
        </div>
      ) : null}
      <details data-testid="readings">
        <summary>Every reading and its verification ({checked.length})</summary>
        <Rows rows={checked} testId="reading-row" />
      </details>
    </>
  );
}
