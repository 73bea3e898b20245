import { RelayerError } from "@diachain/client";
import { useState } from "react";
import { Async } from "../../components/Async";
import { formatTime } from "../../lib/format";
import { relayerFor, type SkipLog, type SkippedItem, type UploaderInfo } from "../../lib/relayer";
import { useAsync } from "../../lib/useAsync";
import { useSession } from "../../session";

/** The relayer's skip reasons (docs/data-api.md), as a patient reads them. */
export const SKIP_REASONS: Record<string, string> = {
  malformed: "not readable (no usable type, date or value)",
  in_the_future: "stamped in the future",
  not_stored: "a kind of entry that is not stored",
  before_binding: "measured before the uploader was bound to you",
  erased: "measured before your last erasure",
  too_close: "less than a minute from another reading",
  day_full: "its day already holds all the readings the chain counts",
  duplicate: "a duplicate within the upload",
  already_stored: "already stored",
};

export function reasonLabel(reason: string): string {
  return SKIP_REASONS[reason] ?? reason.replace(/_/g, " ");
}

/** Rows of the recent skipped items shown at a time. */
const PAGE = 10;

/** The patient's Nightscout uploaders (from the relayer, signed) and what their uploads left out. */
export function Uploaders() {
  const { cfg, wallet, version } = useSession();
  const [state, reload] = useAsync(async () => {
    try {
      return await relayerFor(cfg, wallet).uploaders(wallet.address);
    } catch (e) {
      // A relayer without a chain to register uploaders on takes no Nightscout uploads.
      if (e instanceof RelayerError && e.code === "nightscout_disabled") return null;
      throw e;
    }
  }, `${wallet.address}:${version}`);
  return (
    <section aria-labelledby="uploaders-h" data-testid="uploaders">
      <h2 id="uploaders-h">Nightscout uploaders <button type="button" onClick={reload} data-testid="uploaders-refresh">Refresh</button></h2>
      <p className="small">
        Apps such as xDrip+, AndroidAPS or Loop upload to the relayer as to a Nightscout site. What an upload holds that
        cannot be stored is left out; the relayer keeps the count by reason and the latest 50 items, with the sentence the
        app was answered.
      </p>
      <Async state={state} what="your uploaders">
        {(uploaders) =>
          uploaders === null ? (
            <p className="empty" data-testid="uploaders-disabled">This relayer takes no Nightscout uploads.</p>
          ) : uploaders.length === 0 ? (
            <p className="empty" data-testid="uploaders-empty">You have no Nightscout uploader.</p>
          ) : (
            uploaders.map((u) => <Uploader key={u.device_id} u={u} />)
          )
        }
      </Async>
    </section>
  );
}

export function uploaderStatus(u: UploaderInfo): { key: "revoked" | "bound" | "not-bound"; label: string; tone: string } {
  if (u.revoked_at != null) return { key: "revoked", label: `revoked ${formatTime(new Date(u.revoked_at * 1000))}${u.bound ? " (still bound on chain)" : ""}`, tone: "bad" };
  if (u.bound) return { key: "bound", label: "bound to you", tone: "ok" };
  return { key: "not-bound", label: "not bound yet: it cannot upload", tone: "warn" };
}

function Uploader({ u }: { u: UploaderInfo }) {
  const st = uploaderStatus(u);
  return (
    <article className="card uploader" data-testid={`uploader-${u.device_id}`} data-status={st.key}>
      <h3>
        {u.name ?? <code>{u.device_id}</code>} <span className={`badge ${st.tone}`} data-testid="uploader-status">{st.label}</span>
      </h3>
      <p className="small">
        {u.name ? <>Device <code>{u.device_id}</code> · </> : null}created {formatTime(new Date(u.created_at * 1000))}
      </p>
      <Skips log={u.skipped} />
    </article>
  );
}

function Skips({ log }: { log: SkipLog | undefined }) {
  if (!log || log.total === 0)
    return <p className="empty" data-testid="skips-empty">Nothing its uploads sent has been left out.</p>;
  const reasons = Object.entries(log.by_reason).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (
    <div data-testid="skips" data-total={log.total}>
      <h4>
        {log.total} {log.total === 1 ? "item" : "items"} left out since it was created
      </h4>
      <ul className="plain skip-reasons">
        {reasons.map(([reason, n]) => (
          <li key={reason} data-testid="skip-reason" data-reason={reason} data-count={n}>
            <strong>{n}</strong> {reasonLabel(reason)} <code className="small">{reason}</code>
          </li>
        ))}
      </ul>
      <RecentSkips items={log.recent} total={log.total} />
    </div>
  );
}

function RecentSkips({ items, total }: { items: SkippedItem[]; total: number }) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / PAGE));
  const at = Math.min(page, pages - 1);
  const shown = items.slice(at * PAGE, at * PAGE + PAGE);
  return (
    <>
      <table data-testid="skipped-items">
        <thead>
          <tr><th>Upload received</th><th>Collection</th><th>Position</th><th>Reason</th><th>What the app was told</th></tr>
        </thead>
        <tbody>
          {shown.map((s, i) => (
            <tr key={`${s.at}:${s.collection}:${s.index}:${at * PAGE + i}`} data-testid="skip-row" data-reason={s.reason}
              data-collection={s.collection} data-index={s.index}>
              <td>{formatTime(new Date(s.at * 1000))}</td>
              <td>{s.collection}</td>
              <td>{s.index}</td>
              <td title={s.reason}>{reasonLabel(s.reason)}</td>
              <td>{s.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row small">
        {pages > 1 ? (
          <>
            <button type="button" disabled={at === 0} onClick={() => setPage(at - 1)} data-testid="skips-newer">← newer</button>
            <span>page {at + 1} of {pages}</span>
            <button type="button" disabled={at >= pages - 1} onClick={() => setPage(at + 1)} data-testid="skips-older">older →</button>
          </>
        ) : null}
        <span>
          {items.length < total ? `The latest ${items.length} of ${total} are listed one by one, newest first.` : "Newest first."}
        </span>
      </div>
    </>
  );
}
