// A study's datasets: the manifests the data-union contract holds (read from the chain), and for
// the sponsor the export at the custodian relayer (`/v1/studies/{id}/exports`): start one (CSV or
// FHIR NDJSON, times shifted or not), follow it (phase, participants, rows, who was left out and
// why), save the file once its manifest is on chain, and check it in the browser against the
// chain with verifyDataset (lib/datasets.ts, loaded then), every check shown with its detail.
import type { DataUnionTypes, DatasetFormat, DatasetVerdict, DatasetVerifyProgress, ExportStatus } from "@diachain/client";
import { fromBase64, RelayerError, toHex } from "@diachain/client";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Addr } from "../../components/Addr";
import { Async, ErrorBox } from "../../components/Async";
import { Time } from "../../components/Time";
import { allPages } from "../../lib/chain";
import { scopeLabel } from "../../lib/grants";
import { relayerFor } from "../../lib/relayer";
import { useAsync, type AsyncState } from "../../lib/useAsync";
import { useSession } from "../../session";

type Manifest = DataUnionTypes.Manifest;

const FORMATS: Record<DatasetFormat, string> = { csv: "CSV", fhir_ndjson: "FHIR NDJSON" };

const PHASES: Record<ExportStatus["phase"], string> = {
  planning: "Planning: reading the study, its members and their consents from the chain",
  writing: "Writing the de-identified rows",
  recording: "Recording the manifest on chain",
  ready: "Ready: the manifest is on chain",
  failed: "Failed",
};

/** Why members gave nothing to an export (the relayer's `excluded` keys). */
const EXCLUSIONS: Record<string, string> = {
  no_live_consent: "no live research consent",
  consent_to_another: "consent given to someone other than the sponsor",
  no_common_scope: "no scope in common with the study",
  no_common_period: "no period in common with the study",
  access_refused: "access refused by the consent contract",
  no_rows: "no anchored rows in their window",
};

/** A root (base64 on chain, or hex) as hex. */
const rootHex = (root: string): string => (/^[0-9a-f]{64}$/i.test(root) ? root.toLowerCase() : toHex(fromBase64(root)));
const short = (hex: string): string => (hex.length > 20 ? `${hex.slice(0, 8)}…${hex.slice(-8)}` : hex);

function Root({ root }: { root: string }) {
  const hex = rootHex(root);
  return <code className="root" title={hex} data-root={hex}>{short(hex)}</code>;
}

export function StudyDatasets({ study }: { study: DataUnionTypes.Study }) {
  const { queries, wallet, version } = useSession();
  const [manifests, reload] = useAsync(
    () => allPages<Manifest, number>((after) => queries.union.manifests({ studyId: study.id, startAfter: after, limit: 100 }), (m) => m.id, 10),
    `${study.id}:${version}`,
  );
  return (
    <div className="datasets" data-testid={`datasets-${study.id}`}>
      <h4 id={`datasets-h-${study.id}`}>Datasets recorded on chain</h4>
      <Async state={manifests} what="the study's dataset manifests" isEmpty={(l) => l.length === 0}
        empty="No dataset of this study is recorded on chain yet.">
        {(list) => <ManifestsTable list={[...list].reverse()} studyId={study.id} />}
      </Async>
      {study.sponsor === wallet.address ? <ExportDataset study={study} onRecorded={reload} /> : null}
    </div>
  );
}

function ScopeRows({ rows }: { rows: DataUnionTypes.ScopeRows[] }) {
  return <>{rows.map((s) => `${scopeLabel(s.scope)} ${s.rows}`).join(" · ")}</>;
}

function ManifestsTable({ list, studyId }: { list: Manifest[]; studyId: number }) {
  return (
    <table className="stack manifests" data-testid={`manifests-${studyId}`} aria-labelledby={`datasets-h-${studyId}`}>
      <thead>
        <tr><th>Manifest</th><th>Exported at</th><th>Participants</th><th>Rows</th><th>Period of data</th><th>Format</th><th>Times</th><th>Custodian</th><th>Root</th></tr>
      </thead>
      <tbody>
        {list.map((m) => (
          <tr key={m.id} data-testid={`manifest-${studyId}-${m.id}`} data-manifest={m.id} data-root={rootHex(m.root)} data-rows={m.rows} data-members={m.members}>
            <td data-label="Manifest">#{m.id} <span className="small">(block {m.height})</span></td>
            <td data-label="Exported at"><Time ns={m.exported_at} /></td>
            <td data-label="Participants">{m.members}</td>
            <td data-label="Rows">{m.rows} <span className="small">(<ScopeRows rows={m.scope_rows} />)</span></td>
            <td data-label="Period"><Time ns={m.data_from} /> – <Time ns={m.data_to} /></td>
            <td data-label="Format">{FORMATS[m.format]}</td>
            <td data-label="Times">{m.time_shifted ? "shifted by whole days per participant" : "not shifted"}</td>
            <td data-label="Custodian"><Addr a={m.custodian} /></td>
            <td data-label="Root"><Root root={m.root} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The file as saved: where, and what the browser checked. */
interface SavedFile {
  name: string;
  url: string;
  bytes: number;
  /** The relayer's `x-diachain-manifest-root`, when the page may read it. */
  relayerRoot: string | null;
}

type Run =
  | { step: "idle" }
  | { step: "starting" }
  | { step: "exporting"; status: ExportStatus }
  | { step: "downloading"; status: ExportStatus }
  | { step: "verifying"; status: ExportStatus; file: SavedFile; progress: string }
  | { step: "done"; status: ExportStatus; file: SavedFile; verdict: DatasetVerdict; sha256: string }
  | { step: "error"; status?: ExportStatus; file?: SavedFile; title: string; error: unknown };

const busy = (r: Run) => r.step === "starting" || r.step === "exporting" || r.step === "downloading" || r.step === "verifying";

function progressText(p: DatasetVerifyProgress): string {
  if (p.stage === "file") return `${(p.bytes / 1024).toFixed(0)} KB of the file read`;
  if (p.stage === "manifest") return "looking up the manifest on chain";
  return `${p.members} members' research grants read`;
}

/** Saves bytes as a file the way a download does (a link with `download`), and keeps its URL
 * for saving again. */
function saveAs(bytes: Uint8Array<ArrayBuffer>, name: string, type: string): string {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.appendChild(a);
  a.click();
  a.remove();
  return url;
}

function ExportDataset({ study, onRecorded }: { study: DataUnionTypes.Study; onRecorded: () => void }) {
  const { cfg, wallet, queries } = useSession();
  const [format, setFormat] = useState<DatasetFormat>("csv");
  const [shift, setShift] = useState(false);
  const [run, setRun] = useState<Run>({ step: "idle" });
  /** Runs begun (an export started, or one downloaded): which run the shown outcome is of. */
  const [runs, setRuns] = useState(0);
  const [exportsState, reloadExports] = useAsync(() => relayerFor(cfg, wallet).listExports(study.id), `${study.id}:${wallet.address}`);
  const live = useRef<AbortController | null>(null);
  const urls = useRef<string[]>([]);
  useEffect(() => {
    const c = new AbortController();
    live.current = c;
    const saved = urls.current;
    return () => {
      c.abort();
      saved.forEach((u) => URL.revokeObjectURL(u));
    };
  }, []);
  const id = study.id;
  const disabled = exportsState.status === "error" && exportsState.error instanceof RelayerError && exportsState.error.code === "exports_disabled";

  /** Downloads a ready export, saves it, and checks it against the chain. */
  const fetchAndVerify = async (status: ExportStatus) => {
    const signal = live.current?.signal;
    const set = (r: Run) => !signal?.aborted && setRun(r);
    set({ step: "downloading", status });
    let file: SavedFile;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      const d = await relayerFor(cfg, wallet).downloadExport(id, status.export_id);
      bytes = await d.bytes();
      if (signal?.aborted) return;
      const url = saveAs(bytes, d.filename, d.contentType || (d.format === "csv" ? "text/csv" : "application/fhir+ndjson"));
      urls.current.push(url);
      file = { name: d.filename, url, bytes: bytes.length, relayerRoot: d.root };
    } catch (error) {
      set({ step: "error", status, title: "The dataset could not be downloaded", error });
      return;
    }
    set({ step: "verifying", status, file, progress: "" });
    try {
      const { checkDataset } = await import("../../lib/datasets");
      const checked = await checkDataset(bytes, id, queries, (p) => {
        if (!signal?.aborted) setRun((r) => (r.step === "verifying" ? { ...r, progress: progressText(p) } : r));
      });
      set({ step: "done", status, file, verdict: checked.verdict, sha256: checked.sha256 });
    } catch (error) {
      set({ step: "error", status, file, title: "The dataset could not be checked against the chain", error });
    }
  };

  const start = async (e: FormEvent) => {
    e.preventDefault();
    const signal = live.current?.signal;
    const set = (r: Run) => !signal?.aborted && setRun(r);
    const relayer = relayerFor(cfg, wallet);
    setRuns((n) => n + 1);
    set({ step: "starting" });
    let status: ExportStatus;
    try {
      status = await relayer.startExport(id, { format, shiftTimes: shift });
    } catch (error) {
      set({ step: "error", title: "The export could not be started", error });
      return;
    }
    set({ step: "exporting", status });
    let last = status;
    try {
      status = await relayer.waitForExport(id, status.export_id, {
        signal,
        timeoutMs: 30 * 60_000,
        onProgress: (s) => {
          last = s;
          set({ step: "exporting", status: s });
        },
      });
    } catch (error) {
      set({ step: "error", status: last, title: "The export did not finish", error });
      reloadExports();
      return;
    }
    onRecorded();
    reloadExports();
    await fetchAndVerify(status);
  };

  return (
    <div className="export" data-testid={`export-${id}`} data-run={runs}>
      <h4 id={`export-h-${id}`}>Export the dataset</h4>
      <p className="small">
        The custodian relayer writes the de-identified rows of every member whose research consent allows it, records
        the dataset's manifest on chain, and only then lets the file go. The file is then checked here against the
        chain.
      </p>
      {disabled ? (
        <p className="hint" data-testid={`exports-disabled-${id}`}>{(exportsState.error as RelayerError).message}</p>
      ) : (
        <form className="card export-form" aria-label={`Export study #${id}'s dataset`} onSubmit={(e) => void start(e)}>
          <fieldset>
            <legend>Format</legend>
            <label><input type="radio" name={`export-format-${id}`} value="csv" checked={format === "csv"}
              onChange={() => setFormat("csv")} data-testid={`export-format-csv-${id}`} /> CSV</label>
            <label><input type="radio" name={`export-format-${id}`} value="fhir_ndjson" checked={format === "fhir_ndjson"}
              onChange={() => setFormat("fhir_ndjson")} data-testid={`export-format-ndjson-${id}`} /> FHIR NDJSON</label>
          </fieldset>
          <label><input type="checkbox" checked={shift} onChange={(e) => setShift(e.target.checked)} data-testid={`export-shift-${id}`} />{" "}
            Shift each participant's times by their own whole number of days (−7 to 7)</label>
          <button type="submit" disabled={busy(run)} data-testid={`export-start-${id}`}>Export dataset</button>
        </form>
      )}
      <RunView run={run} />
      {!disabled ? <RelayerExports state={exportsState} busy={busy(run)} onFetch={(s) => {
        setRuns((n) => n + 1);
        void fetchAndVerify(s);
      }} /> : null}
    </div>
  );
}

function RunView({ run }: { run: Run }) {
  if (run.step === "idle") return null;
  return (
    <div className="export-run" data-testid="export-run" data-step={run.step}>
      {run.step === "starting" ? <p className="loading" role="status">Asking the relayer to start the export…</p> : null}
      {"status" in run && run.status ? <ExportProgress status={run.status} /> : null}
      {run.step === "downloading" ? <p className="loading" role="status">Downloading the dataset…</p> : null}
      {"file" in run && run.file ? <Saved file={run.file} /> : null}
      {run.step === "verifying" ? (
        <p className="loading" role="status" data-testid="verifying">Checking the file against the chain…{run.progress ? ` (${run.progress})` : ""}</p>
      ) : null}
      {run.step === "done" ? <Verdict verdict={run.verdict} sha256={run.sha256} file={run.file} /> : null}
      {run.step === "error" ? <ErrorBox error={run.error} title={run.title} /> : null}
    </div>
  );
}

function ExportProgress({ status }: { status: ExportStatus }) {
  const excluded = Object.entries(status.excluded).filter(([, n]) => n > 0);
  return (
    <div className="export-progress" role="status" aria-live="polite" data-testid="export-progress" data-phase={status.phase}
      data-export={status.export_id} data-participants={status.participants} data-participants-done={status.participants_done}
      data-rows={status.rows} data-members={status.members}>
      <p>
        <span className={`badge ${status.phase === "ready" ? "ok" : status.phase === "failed" ? "bad" : "warn"}`}>{status.phase}</span>{" "}
        {PHASES[status.phase]}{" "}
        <span className="small">(export <code title={status.export_id}>{status.export_id.slice(0, 8)}</code>, {FORMATS[status.format]}{status.shift_times ? ", times shifted" : ""}, at <Time s={status.exported_at} />)</span>
      </p>
      {status.participants > 0 ? (
        <progress max={status.participants} value={status.participants_done} aria-label="Participants written" />
      ) : null}
      <ul className="plain export-counts">
        <li>Participants: {status.participants_done} of {status.participants} written <span className="small">({status.members} members)</span></li>
        <li>Rows: <span data-testid="export-rows">{status.rows}</span></li>
        {excluded.length > 0 ? (
          <li data-testid="export-excluded">Left out:{" "}
            {excluded.map(([why, n], i) => (
              <span key={why} data-reason={why} data-count={n}>{i > 0 ? "; " : ""}{n} member{n === 1 ? "" : "s"}: {EXCLUSIONS[why] ?? why}</span>
            ))}
          </li>
        ) : <li className="small">Nobody left out.</li>}
        {status.unanchored_batches > 0 ? <li>{status.unanchored_batches} batches not anchored yet, left out</li> : null}
        {status.manifest ? (
          <li>Manifest: {status.manifest.rows} rows of {status.manifest.members} participants, root <Root root={status.manifest.root} />
            {status.record ? <> — {status.record.state.state === "recorded" ? `recorded in block ${status.record.state.height}` : status.record.state.state.replace("_", " ")}</> : null}
          </li>
        ) : null}
      </ul>
    </div>
  );
}

function Saved({ file }: { file: SavedFile }) {
  return (
    <p data-testid="export-saved" data-filename={file.name} data-bytes={file.bytes}>
      Saved <strong>{file.name}</strong> ({file.bytes.toLocaleString("en-US")} bytes).{" "}
      <a href={file.url} download={file.name}>Save it again</a>
    </p>
  );
}

function Verdict({ verdict, sha256, file }: { verdict: DatasetVerdict; sha256: string; file: SavedFile }) {
  const relayerDiffers = file.relayerRoot !== null && verdict.root !== "" && file.relayerRoot !== verdict.root;
  return (
    <div className={`summary ${verdict.verified ? "verified" : "failed"}`} data-testid="dataset-verdict"
      data-verified={verdict.verified} data-root={verdict.root} data-rows={verdict.rows} data-participants={verdict.participants}
      data-manifest={verdict.manifest_id ?? ""} data-sha256={sha256} role="status">
      <p>
        <strong>{verdict.verified ? "Verified against the chain" : "Not verified against the chain"}</strong>:{" "}
        {file.name}, {verdict.rows} rows of {verdict.participants} participants
        {verdict.manifest_id !== null ? <>, manifest #{verdict.manifest_id}</> : null}
        {verdict.root ? <>, root <Root root={verdict.root} /></> : null}
      </p>
      <ul className="plain checks">
        {verdict.checks.map((c) => (
          <li key={c.check} data-check={c.check} data-ok={c.ok}>
            <span aria-hidden="true" className={c.ok ? "check-ok" : "check-bad"}>{c.ok ? "✓" : "✗"}</span>{" "}
            <strong>{c.check}</strong> <span className="visually-hidden">{c.ok ? "(holds)" : "(fails)"}</span>: <span className="detail">{c.detail}</span>
          </li>
        ))}
      </ul>
      {relayerDiffers ? <p className="error-text">The relayer named root {short(file.relayerRoot!)}, not the file's.</p> : null}
    </div>
  );
}

function RelayerExports({ state, busy: isBusy, onFetch }: {
  state: AsyncState<ExportStatus[]>;
  busy: boolean;
  onFetch: (s: ExportStatus) => void;
}) {
  return (
    <details className="relayer-exports" data-testid="relayer-exports">
      <summary>Exports kept by the relayer (24 hours each)</summary>
      <Async state={state} what="the relayer's exports" isEmpty={(l) => l.length === 0} empty="The relayer holds no export of this study for you.">
        {(list) => (
          <table className="stack">
            <thead><tr><th>Export</th><th>Started</th><th>Format</th><th>Phase</th><th>Rows</th><th>Participants</th><th>Kept until</th><th><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.export_id} data-export={s.export_id} data-phase={s.phase}>
                  <td data-label="Export"><code title={s.export_id}>{s.export_id.slice(0, 8)}</code></td>
                  <td data-label="Started"><Time s={s.exported_at} /></td>
                  <td data-label="Format">{FORMATS[s.format]}{s.shift_times ? ", shifted" : ""}</td>
                  <td data-label="Phase">{s.phase}{s.error ? <span className="small"> — {s.error.message}</span> : null}</td>
                  <td data-label="Rows">{s.rows}</td>
                  <td data-label="Participants">{s.participants}</td>
                  <td data-label="Kept until"><Time s={s.expires_at} /></td>
                  <td>{s.phase === "ready" ? <button type="button" disabled={isBusy} onClick={() => onFetch(s)}>Download and verify</button> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Async>
    </details>
  );
}
