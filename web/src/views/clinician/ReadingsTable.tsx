import { useState, type ReactNode } from "react";
import { Time } from "../../components/Time";
import type { CheckedReading } from "../../lib/verify";
import { displayValue } from "./values";

/** Rows of the readings table shown at a time: a period of 1-minute data holds thousands. */
export const PAGE_ROWS = 50;
/** Failures listed one by one above the table (the rest: the table's "failed" filter). */
const FAILURES_LISTED = 20;

type Filter = "all" | "failed" | "pending";

const key = (c: CheckedReading) => `${c.served.reading.device_id}/${c.served.reading.seq}`;

function verdictText(c: CheckedReading): string {
  const v = c.verdict;
  return v.state === "verified" ? `✔ verified (anchored at block ${v.height})` : v.state === "failed" ? `✘ ${v.reason}` : `… ${v.reason}`;
}

function Row({ c, testId, highlighted, action }: { c: CheckedReading; testId: string; highlighted?: boolean; action?: ReactNode }) {
  const r = c.served.reading;
  return (
    <tr className={`verdict-${c.verdict.state}${highlighted ? " highlighted" : ""}`} data-testid={testId}
      data-verdict={c.verdict.state} data-device={r.device_id} data-seq={r.seq} aria-current={highlighted ? "true" : undefined}>
      <td data-label="Measured"><Time s={r.measured_at} /></td>
      <td data-label="Device"><code>{r.device_id}</code></td>
      <td data-label="Seq">{r.seq}</td>
      <td data-label="Value">{displayValue(r)}</td>
      <td data-label="Trend">{String(r.trend).replace(/_/g, " ")}</td>
      <td data-label="Signed by">{c.batch.attestation === "device_signed" ? "the device" : "the relayer (uploaded)"}</td>
      <td data-label="Verification">{verdictText(c)}</td>
      {action ? <td className="no-print">{action}</td> : null}
    </tr>
  );
}

function Head({ action }: { action?: string }) {
  return (
    <thead>
      <tr><th scope="col">Measured</th><th scope="col">Device</th><th scope="col">Seq</th><th scope="col">Value</th><th scope="col">Trend</th>
        <th scope="col">Signed by</th><th scope="col">Verification</th>{action ? <th scope="col" className="no-print">{action}</th> : null}</tr>
    </thead>
  );
}

/** "x of y readings verified against the chain", the failures listed (each can be shown in the
 * table), then every reading with its verdict, PAGE_ROWS at a time: first, previous, next, last,
 * "page x of y", and a filter to the failed or not-anchored ones. */
export function ReadingsTable({ checked }: { checked: CheckedReading[] }) {
  const [filter, setFilter] = useState<Filter>("all");
  const [page, setPage] = useState(0);
  const [highlight, setHighlight] = useState<string | null>(null);
  // A new answer starts on its first page, unfiltered.
  const [shownFor, setShownFor] = useState(checked);
  if (shownFor !== checked) {
    setShownFor(checked);
    setFilter("all");
    setPage(0);
    setHighlight(null);
  }
  if (checked.length === 0) return null;
  const failed = checked.filter((c) => c.verdict.state === "failed");
  const pending = checked.filter((c) => c.verdict.state === "pending").length;
  const verified = checked.length - failed.length - pending;
  const rows = filter === "all" ? checked : checked.filter((c) => c.verdict.state === filter);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_ROWS));
  const at = Math.min(page, pages - 1);
  const shown = rows.slice(at * PAGE_ROWS, (at + 1) * PAGE_ROWS);
  const showInTable = (c: CheckedReading) => {
    const i = checked.indexOf(c);
    setFilter("all");
    setPage(Math.floor(i / PAGE_ROWS));
    setHighlight(key(c));
  };
  return (
    <section className="readings" aria-labelledby="readings-h" data-testid="readings" data-total={checked.length}>
      <h3 id="readings-h">Readings and their verification</h3>
      <p className={`readings-summary ${failed.length ? "bad" : ""}`} data-testid="readings-summary"
        data-verified={verified} data-total={checked.length} data-failed={failed.length} data-pending={pending}>
        <strong>{verified} of {checked.length} readings verified against the chain</strong>
        {pending ? `; ${pending} not anchored yet` : ""}
        {failed.length ? <>; <strong>{failed.length} FAILED</strong></> : ""}.
      </p>
      {failed.length ? (
        <div data-testid="failed-readings">
          <h4>Readings that failed verification</h4>
          <div className="table-wrap">
            <table className="readings-table stack">
              <Head action="In the table" />
              <tbody>
                {failed.slice(0, FAILURES_LISTED).map((c) => (
                  <Row key={key(c)} c={c} testId="failed-row" action={
                    <button type="button" onClick={() => showInTable(c)} data-testid={`show-failed-${c.served.reading.device_id}-${c.served.reading.seq}`}>
                      Show <span className="visually-hidden">seq {c.served.reading.seq} of {c.served.reading.device_id} in the table</span>
                    </button>} />
                ))}
              </tbody>
            </table>
          </div>
          {failed.length > FAILURES_LISTED ? (
            <p className="small">and {failed.length - FAILURES_LISTED} more: show only the failed ones in the table below.</p>
          ) : null}
        </div>
      ) : null}
      <div className="row no-print">
        <label>Show{" "}
          <select value={filter} data-testid="readings-filter" onChange={(e) => {
            setFilter(e.target.value as Filter);
            setPage(0);
          }}>
            <option value="all">every reading ({checked.length})</option>
            <option value="failed">failed ({failed.length})</option>
            <option value="pending">not anchored yet ({pending})</option>
          </select>
        </label>
      </div>
      {rows.length === 0 ? <p className="empty">No reading is {filter === "failed" ? "failing" : "waiting to be anchored"}.</p> : (
        <>
          <div className="table-wrap">
            <table className="readings-table stack" data-testid="readings-table" aria-describedby="readings-page">
              <Head />
              <tbody>
                {shown.map((c) => <Row key={key(c)} c={c} testId="reading-row" highlighted={highlight === key(c)} />)}
              </tbody>
            </table>
          </div>
          <nav className="pager no-print" aria-label="Pages of readings">
            <button type="button" onClick={() => setPage(0)} disabled={at === 0} data-testid="readings-first">« First</button>
            <button type="button" onClick={() => setPage(at - 1)} disabled={at === 0} data-testid="readings-prev">‹ Previous</button>
            <span id="readings-page" data-testid="readings-page" data-page={at + 1} data-pages={pages} aria-live="polite">
              Page {at + 1} of {pages} <span className="small">(readings {at * PAGE_ROWS + 1}–{at * PAGE_ROWS + shown.length} of {rows.length})</span>
            </span>
            <button type="button" onClick={() => setPage(at + 1)} disabled={at >= pages - 1} data-testid="readings-next">Next ›</button>
            <button type="button" onClick={() => setPage(pages - 1)} disabled={at >= pages - 1} data-testid="readings-last">Last »</button>
          </nav>
        </>
      )}
    </section>
  );
}
