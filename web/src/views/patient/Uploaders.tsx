import { RelayerError } from "@diachain/client";
import { useState, type FormEvent } from "react";
import { Async, ErrorBox } from "../../components/Async";
import { TxButton } from "../../components/TxButton";
import { describeError } from "../../lib/errors";
import { Time } from "../../components/Time";
import { formatTime } from "../../lib/format";
import { useTimeZone } from "../../lib/timezone";
import type { Signing } from "../../lib/signing";
import { relayerFor, type RevokedUploader, type SkipLog, type SkippedItem, type UploaderInfo } from "../../lib/relayer";
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

/** A secret the relayer shows only once, and (for a new uploader) the binding still to send. */
interface Shown {
  patient: string;
  deviceId: string;
  apiSecret: string;
  bind?: { contract: string; msg: Record<string, unknown> };
}

/** The patient's Nightscout uploaders (from the relayer, signed) and what their uploads left out;
 * create one (then bind it on chain), rename it, give it a new secret, revoke it (then unbind it). */
export function Uploaders() {
  const { cfg, wallet, version } = useSession();
  const [shown, setShown] = useState<Shown | null>(null);
  // Revocation answers, by device: the unbind message the relayer gave for each.
  const [revoked, setRevoked] = useState<Record<string, RevokedUploader>>({});
  const [state, reload] = useAsync(async () => {
    try {
      return await relayerFor(cfg, wallet).uploaders(wallet.address);
    } catch (e) {
      // A relayer without a chain to register uploaders on takes no Nightscout uploads.
      if (e instanceof RelayerError && e.code === "nightscout_disabled") return null;
      throw e;
    }
  }, `${wallet.address}:${version}`);
  const create = async () => {
    const nu = await relayerFor(cfg, wallet).createUploader(wallet.address);
    setShown({ patient: wallet.address, deviceId: nu.device_id, apiSecret: nu.api_secret, bind: { contract: nu.registry_contract, msg: nu.bind_device } });
    reload();
  };
  const actions: Actions = {
    rename: async (id, name) => {
      await relayerFor(cfg, wallet).renameUploader(wallet.address, id, name);
      reload();
    },
    rotate: async (id) => {
      const r = await relayerFor(cfg, wallet).rotateUploaderSecret(wallet.address, id);
      setShown({ patient: wallet.address, deviceId: r.device_id, apiSecret: r.api_secret });
    },
    revoke: async (id) => {
      const r = await relayerFor(cfg, wallet).revokeUploader(wallet.address, id);
      setRevoked((m) => ({ ...m, [id]: r }));
      if (shown?.deviceId === id) setShown(null);
      reload();
    },
    revokedAnswer: (id) => revoked[id],
  };
  return (
    <section aria-labelledby="uploaders-h" data-testid="uploaders">
      <h2 id="uploaders-h">Nightscout uploaders <button type="button" onClick={reload} data-testid="uploaders-refresh">Refresh</button></h2>
      <p className="small">
        Apps such as xDrip+, AndroidAPS or Loop upload to the relayer as to a Nightscout site. What an upload holds that
        cannot be stored is left out; the relayer keeps the count by reason and the latest 50 items, with the sentence the
        app was answered.
      </p>
      {state.status === "ok" && state.data === null ? null : (
        <div className="row">
          <Action label="Create an uploader" testId="uploader-create" run={create} />
          <span className="small">At most 4 bound and 2 waiting to be bound; revoked ones do not count.</span>
        </div>
      )}
      {shown && shown.patient === wallet.address ? (
        // The relayer sees the binding within a block or two: list again a little later too.
        <SecretOnce shown={shown} onDismiss={() => setShown(null)} onBound={() => window.setTimeout(reload, 3000)} />
      ) : null}
      <Async state={state} what="your uploaders">
        {(uploaders) =>
          uploaders === null ? (
            <p className="empty" data-testid="uploaders-disabled">This relayer takes no Nightscout uploads.</p>
          ) : uploaders.length === 0 ? (
            <p className="empty" data-testid="uploaders-empty">You have no Nightscout uploader.</p>
          ) : (
            uploaders.map((u) => <Uploader key={u.device_id} u={u} actions={actions} />)
          )
        }
      </Async>
    </section>
  );
}

interface Actions {
  rename: (deviceId: string, name: string) => Promise<void>;
  rotate: (deviceId: string) => Promise<void>;
  revoke: (deviceId: string) => Promise<void>;
  revokedAnswer: (deviceId: string) => RevokedUploader | undefined;
}

/** A button that calls the relayer, showing that it is busy and why it failed. */
function Action(props: { label: string; testId: string; run: () => Promise<void>; confirm?: string; danger?: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const click = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setError(null);
    try {
      await props.run();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="tx">
      <button type="button" className={props.danger ? "danger" : undefined} disabled={busy} onClick={click} data-testid={props.testId}>
        {busy ? "Asking the relayer…" : props.label}
      </button>
      {error ? <span className="error inline" role="alert" data-testid={`${props.testId}-error`}>{describeError(error)}</span> : null}
    </span>
  );
}

/** The secret of a new or re-keyed uploader, shown once; for a new one, the binding to send. */
function SecretOnce({ shown, onDismiss, onBound }: { shown: Shown; onDismiss: () => void; onBound: () => void }) {
  const { cfg, wallet } = useSession();
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const [bound, setBound] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(shown.apiSecret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  };
  const bind = shown.bind;
  return (
    <div className="card secret-once" data-testid="uploader-secret" data-device={shown.deviceId}>
      <p>
        <strong>Copy this secret now: it is shown only this once.</strong> The relayer keeps only its hash; if it is lost,
        give the uploader a new secret.
      </p>
      <p>
        In the uploader app: Nightscout URL <code>{cfg.relayer.replace(/\/*$/, "/")}</code>, API secret{" "}
        <code className="secret" data-testid="uploader-secret-value">{shown.apiSecret}</code>{" "}
        <button type="button" onClick={copy}>Copy</button>
        {copied === "yes" ? <span className="ok">copied</span> : null}
        {copied === "failed" ? <span className="small"> (the browser did not allow it: select the secret and copy it)</span> : null}
      </p>
      <p className="small">Device <code>{shown.deviceId}</code></p>
      {bind ? (
        <p>
          {bound ? "It is bound to you: its uploads are stored as your readings." : "Then bind it to yourself on chain, with your wallet: until then it cannot upload."}{" "}
          <TxButton label="Bind it to me on chain" testId="uploader-bind" disabled={bound} onDone={() => {
            setBound(true);
            onBound();
          }}
            run={(signing) => signing.cosm.execute(wallet.address, bind.contract, bind.msg, "auto")} />
        </p>
      ) : null}
      <button type="button" onClick={onDismiss} data-testid="uploader-secret-dismiss"
        title={bind && !bound ? "Bind it first: the binding cannot be sent later" : undefined}>
        I have copied it
      </button>
      {bind && !bound ? <span className="small"> The binding can be sent only from here: bind it before closing this.</span> : null}
    </div>
  );
}

export function uploaderStatus(u: UploaderInfo, zone: string): { key: "revoked" | "bound" | "not-bound"; label: string; tone: string } {
  if (u.revoked_at != null) return { key: "revoked", label: `revoked ${formatTime(new Date(u.revoked_at * 1000), zone)}${u.bound ? " (still bound on chain)" : ""}`, tone: "bad" };
  if (u.bound) return { key: "bound", label: "bound to you", tone: "ok" };
  return { key: "not-bound", label: "not bound yet: it cannot upload", tone: "warn" };
}

function Uploader({ u, actions }: { u: UploaderInfo; actions: Actions }) {
  const { wallet } = useSession();
  const [renaming, setRenaming] = useState(false);
  const zone = useTimeZone();
  const st = uploaderStatus(u, zone);
  const id = u.device_id;
  const live = u.revoked_at == null;
  const answer = actions.revokedAnswer(id);
  const unbind = (signing: Signing) =>
    answer?.unbind_device
      ? signing.cosm.execute(wallet.address, answer.registry_contract, answer.unbind_device, "auto")
      : signing.registry.unbindDevice({ deviceId: id });
  return (
    <article className="card uploader" data-testid={`uploader-${id}`} data-status={st.key}>
      <h3>
        {u.name ?? <code>{id}</code>} <span className={`badge ${st.tone}`} data-testid="uploader-status">{st.label}</span>
      </h3>
      <p className="small">
        {u.name ? <>Device <code>{id}</code> · </> : null}created <Time s={u.created_at} />
        {live && !u.bound ? " · If its binding was never sent, revoke it and create another." : ""}
      </p>
      <div className="actions">
        {live ? (
          <>
            <button type="button" onClick={() => setRenaming(!renaming)} data-testid={`uploader-rename-${id}`}>{renaming ? "Cancel" : "Rename"}</button>
            <Action label="New secret" testId={`uploader-rotate-${id}`} run={() => actions.rotate(id)}
              confirm="Give this uploader a new secret? The old one stops uploading at once: type the new one into the app." />
            <Action label="Revoke" danger testId={`uploader-revoke-${id}`} run={() => actions.revoke(id)}
              confirm="Revoke this uploader? Its secret stops uploading at once; what it stored stays." />
          </>
        ) : null}
        {!live && u.bound ? (
          <TxButton label="End its binding on chain" danger testId={`uploader-unbind-${id}`} run={unbind} />
        ) : null}
      </div>
      {renaming ? <RenameForm u={u} rename={(name) => actions.rename(id, name)} onDone={() => setRenaming(false)} /> : null}
      <Skips log={u.skipped} />
    </article>
  );
}

function RenameForm({ u, rename, onDone }: { u: UploaderInfo; rename: (name: string) => Promise<void>; onDone: () => void }) {
  const [name, setName] = useState(u.name ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await rename(name.trim());
      onDone();
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };
  const ok = name.trim().length > 0 && name.trim().length <= 40;
  return (
    <form className="card" onSubmit={submit} data-testid={`uploader-rename-form-${u.device_id}`}>
      <label>Name <input name="uploader-name" value={name} maxLength={40} onChange={(e) => setName(e.target.value)} placeholder="e.g. Lena's phone" /></label>
      <button type="submit" disabled={busy || !ok} data-testid={`uploader-rename-save-${u.device_id}`}>{busy ? "Saving…" : "Save"}</button>
      <small>1–40 characters; kept by the relayer, never on chain.</small>
      {error ? <ErrorBox error={error} title="Not renamed" /> : null}
    </form>
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
      <table className="stack" data-testid="skipped-items">
        <thead>
          <tr><th>Upload received</th><th>Collection</th><th>Position</th><th>Reason</th><th>What the app was told</th></tr>
        </thead>
        <tbody>
          {shown.map((s, i) => (
            <tr key={`${s.at}:${s.collection}:${s.index}:${at * PAGE + i}`} data-testid="skip-row" data-reason={s.reason}
              data-collection={s.collection} data-index={s.index}>
              <td data-label="Upload received"><Time s={s.at} /></td>
              <td data-label="Collection">{s.collection}</td>
              <td data-label="Position">{s.index}</td>
              <td data-label="Reason" title={s.reason}>{reasonLabel(s.reason)}</td>
              <td data-label="What the app was told">{s.detail}</td>
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
