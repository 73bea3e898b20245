// A client for the relayer's data API (docs/data-api.md): every request signed as the relayer's
// auth/request.rs checks it, every refusal surfaced as a `RelayerError` with its code.
import type { AlertStreamEvent } from './alerts.js';
import { SseParser, toStreamEvent } from './alerts.js';
import { utf8Bytes } from './bytes.js';
import type {
  AlertKind,
  AlertSettings,
  AlertSettingsView,
  AlertsResponse,
  DataScope,
  DatasetFormat,
  ErasuresResponse,
  ErasureView,
  ErrorBody,
  ExportRequest,
  ExportStatus,
  NewUploader,
  ReadingsResponse,
  RenameUploader,
  RevokedUploader,
  RotatedSecret,
  RowMapEntry,
  NewWebhookSecret,
  SummaryResponse,
  UploaderInfo,
  WebhookInfo,
  Dictionary,
} from './relayer-types.js';
import type { RequestSigner } from './signers.js';
import { signRequest } from './signers.js';

/** A refusal by the relayer (its `error` code and `message`), or an answer that is not the API's. */
export class RelayerError extends Error {
  override name = 'RelayerError';
  constructor(
    /** HTTP status (0 when the relayer could not be reached, or the client stopped waiting). */
    readonly status: number,
    /** The relayer's machine-readable code (`no_grant`, `stale_request`, ...), or `unreachable` /
     * `bad_response` / `timeout` (`waitForExport` gave up). */
    readonly code: string,
    message: string,
    /** The refusal's other fields (`grant_id`, `max_seconds`, ...). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface RelayerClientOptions {
  /** The relayer's base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  signer: RequestSigner;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Seconds since 1970; defaults to the system clock (the relayer allows 60 s of skew). */
  now?: () => number;
}

export interface Period {
  from: number;
  to: number;
}

/** A study dataset being downloaded (`GET …/exports/{export_id}/data`). Its body can be read
 * once: by `text()`, `bytes()` or `chunks()` (a stream, e.g. for `verifyDataset`). */
export interface ExportDownload {
  /** The relayer's answer (200), its body not yet read. */
  response: Response;
  /** The manifest's root in hex as the relayer names it (`x-diachain-manifest-root`); `null`
   * when the header cannot be read (a page on another origin reads only the headers the
   * relayer exposes to it). The chain's manifest is what counts: `verifyDataset`. */
  root: string | null;
  /** The server's file name (`Content-Disposition`), else the same name made here:
   * `study-<study_id>-<export_id>.csv` or `.ndjson`. */
  filename: string;
  /** `text/csv; charset=utf-8` or `application/fhir+ndjson`. */
  contentType: string;
  format: DatasetFormat;
  text(): Promise<string>;
  bytes(): Promise<Uint8Array<ArrayBuffer>>;
  /** The body's chunks as they arrive. */
  chunks(): AsyncGenerator<Uint8Array>;
}

/** How to wait for an export (`waitForExport`). */
export interface WaitForExportOptions {
  /** Called with each status read (the first at once), while it runs and the last one. */
  onProgress?: (status: ExportStatus) => void;
  /** Give up after this long (default 10 minutes): a `RelayerError` with code `timeout`. */
  timeoutMs?: number;
  /** Between two reads of the status (default 1,000 ms). */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** The data dictionary (`GET /v1/datasets/dictionary`), as the relayer's schema types it. */
export type DatasetDictionary = Dictionary;

function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as ErrorBody).error === 'string' && typeof (v as ErrorBody).message === 'string';
}

export class RelayerClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: RelayerClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The signer's address (the caller the relayer sees). */
  get address(): string {
    return this.opts.signer.address;
  }

  readings(patient: string, scope: DataScope, period: Period): Promise<ReadingsResponse> {
    const query = `scope=${encodeURIComponent(scope)}&from=${period.from}&to=${period.to}`;
    return this.signed('GET', `${patientPath(patient)}/readings`, query);
  }

  /**
   * The CGM summary of a period (`GET …/summary`): the consensus metrics (time in ranges, mean,
   * SD, CV, GMI, % time active, hypoglycaemic events) of the period and of each of its days, the
   * days of the clock `utcOffsetMinutes` ahead of UTC (−840…840; UTC by default). The relayer
   * computes them from the patient's glucose readings in batches anchored on chain and serves no
   * reading: the numbers cannot be verified value by value, only related to the anchored batches
   * listed (`batches`, `anchored_heights`). For the patient, their guardian, or a grantee the
   * consent contract allows `summaries_only` (or `glucose`) for the period; a grantee's access is
   * recorded on chain with that scope (`scope`). `cgmMetricsFromSummary` gives `metrics` (and each
   * day's) as `cgmMetrics` gives them, for `formatCgmMetrics`.
   */
  summary(patient: string, period: Period, opts: { utcOffsetMinutes?: number } = {}): Promise<SummaryResponse> {
    const offset = opts.utcOffsetMinutes === undefined ? '' : `&utc_offset_minutes=${opts.utcOffsetMinutes}`;
    return this.signed('GET', `${patientPath(patient)}/summary`, `from=${period.from}&to=${period.to}${offset}`);
  }

  /** The glucose readings as a FHIR R4 searchset Bundle. */
  fhirObservations(patient: string, period: Period): Promise<Record<string, unknown>> {
    return this.signed('GET', `${patientPath(patient)}/fhir/Observation`, `from=${period.from}&to=${period.to}`);
  }

  /** Crypto-shreds the patient's data (patient or guardian only). */
  requestErasure(patient: string): Promise<ErasureView> {
    return this.signed('POST', `${patientPath(patient)}/erasure`, '', JSON.stringify({ confirm: true }));
  }

  erasures(patient: string): Promise<ErasuresResponse> {
    return this.signed('GET', `${patientPath(patient)}/erasures`, '');
  }

  /** The patient's Nightscout uploaders, revoked ones too, oldest first, each with what its
   * uploads left out (`skipped`). Patient or guardian only. */
  uploaders(patient: string): Promise<UploaderInfo[]> {
    return this.signed('GET', uploadersPath(patient), '');
  }

  /** Creates an uploader (the relayer registers its key on chain). The answer's `api_secret` is
   * shown only now; the patient then sends `bind_device` to `registry_contract` with their key. */
  createUploader(patient: string): Promise<NewUploader> {
    return this.signed('POST', uploadersPath(patient), '');
  }

  /** Names an uploader (1–40 characters; kept by the relayer, never on chain). */
  renameUploader(patient: string, deviceId: string, name: string): Promise<UploaderInfo> {
    const body: RenameUploader = { name };
    return this.signed('PATCH', uploaderPath(patient, deviceId), '', JSON.stringify(body));
  }

  /** A new secret for the uploader, shown only now; the old one no longer uploads. */
  rotateUploaderSecret(patient: string, deviceId: string): Promise<RotatedSecret> {
    return this.signed('POST', `${uploaderPath(patient, deviceId)}/secret`, '');
  }

  /** Revokes the uploader (answered again if it is revoked already); when it is still bound, the
   * answer's `unbind_device` is the message that ends the binding, for the patient to send to
   * `registry_contract`. */
  revokeUploader(patient: string, deviceId: string): Promise<RevokedUploader> {
    return this.signed('DELETE', uploaderPath(patient, deviceId), '');
  }

  /** The patient's alert settings (the defaults until they set any). Patient or guardian only. */
  alertSettings(patient: string): Promise<AlertSettingsView> {
    return this.signed('GET', `${patientPath(patient)}/alerts/settings`, '');
  }

  /** Replaces the patient's alert settings (checked: a refusal names the field). */
  putAlertSettings(patient: string, settings: AlertSettings): Promise<AlertSettingsView> {
    return this.signed('PUT', `${patientPath(patient)}/alerts/settings`, '', JSON.stringify(settings));
  }

  /** The alerts numbered after `since` (without it, the latest `limit`), oldest first (a
   * grantee's read is recorded on chain). */
  alerts(patient: string, opts: { since?: number; limit?: number } = {}): Promise<AlertsResponse> {
    const q = [opts.since === undefined ? '' : `since=${opts.since}`, `limit=${opts.limit ?? 100}`].filter(Boolean).join('&');
    return this.signed('GET', `${patientPath(patient)}/alerts`, q);
  }

  /** A webhook for the caller (the patient, their guardian, or a grantee with glucose now); the
   * answer's `secret` (hex, for `verifyWebhookSignature`) is shown only now. */
  createWebhook(patient: string, url: string, kinds?: AlertKind[]): Promise<NewWebhookSecret> {
    return this.signed('POST', webhooksPath(patient), '', JSON.stringify(kinds ? { url, kinds } : { url }));
  }

  /** The patient's webhooks (a grantee sees their own). */
  webhooks(patient: string): Promise<WebhookInfo[]> {
    return this.signed('GET', webhooksPath(patient), '');
  }

  revokeWebhook(patient: string, id: string): Promise<WebhookInfo> {
    return this.signed('DELETE', `${webhooksPath(patient)}/${encodeURIComponent(id)}`, '');
  }

  /**
   * Follows the patient's alert stream until `signal` aborts it or the relayer ends it: `onEvent`
   * gets `ready`, then each `alert` and `reading` (and a final `end` when a grantee's grant stops
   * allowing glucose). `since` replays the alerts numbered after it first. Resolves when the
   * stream closes; rejects with a `RelayerError` when it is refused.
   */
  async followAlerts(
    patient: string,
    onEvent: (e: AlertStreamEvent) => void,
    opts: { since?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const path = `${patientPath(patient)}/alerts/stream`;
    const query = opts.since === undefined ? '' : `since=${opts.since}`;
    const timestamp = this.opts.now?.();
    const headers = { ...(await signRequest(this.opts.signer, { method: 'GET', path, query, body: new Uint8Array() }, { timestamp })) };
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${path}${query ? `?${query}` : ''}`, { headers, signal: opts.signal ?? null });
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw new RelayerError(0, 'unreachable', `the relayer at ${this.base} could not be reached: ${(e as Error).message}`);
    }
    if (!res.ok || !res.body) {
      const json = parseJson(await res.text());
      if (isErrorBody(json)) {
        const { error, message, ...details } = json;
        throw new RelayerError(res.status, error, message, details);
      }
      throw new RelayerError(res.status, 'bad_response', `GET ${path} answered ${res.status}`);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const raw of parser.push(value)) {
          const e = toStreamEvent(raw);
          if (e) onEvent(e);
        }
      }
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw new RelayerError(0, 'unreachable', `the alert stream broke: ${(e as Error).message}`);
    }
  }

  /**
   * Starts an export of the study's dataset (the study's sponsor only; `POST
   * /v1/studies/{id}/exports`): 202 with its status, phase `planning`. One export is written at
   * a time per relayer (429 `export_busy`); a study keeps at most 10 (429 `too_many_exports`).
   */
  startExport(studyId: number, opts: { format: DatasetFormat; shiftTimes?: boolean }): Promise<ExportStatus> {
    const body: ExportRequest = { format: opts.format, shift_times: opts.shiftTimes ?? false };
    return this.signed('POST', exportsPath(studyId), '', JSON.stringify(body));
  }

  /** The caller's exports of the study this relayer holds, newest first. */
  listExports(studyId: number): Promise<ExportStatus[]> {
    return this.signed('GET', exportsPath(studyId), '');
  }

  /** One export's status (its sponsor only). */
  exportStatus(studyId: number, exportId: string): Promise<ExportStatus> {
    return this.signed('GET', exportPath(studyId, exportId), '');
  }

  /**
   * Reads the export's status until it is `ready` (its manifest on chain: the dataset can be
   * downloaded), and returns that status. A `failed` export rejects with the refusal a download
   * would get (409, the status's `error` code and message); so does a status read refused.
   */
  async waitForExport(studyId: number, exportId: string, opts: WaitForExportOptions = {}): Promise<ExportStatus> {
    const timeoutMs = opts.timeoutMs ?? 600_000;
    const interval = opts.intervalMs ?? 1000;
    const started = Date.now();
    for (;;) {
      opts.signal?.throwIfAborted();
      const status = await this.exportStatus(studyId, exportId);
      opts.onProgress?.(status);
      if (status.phase === 'ready') return status;
      if (status.phase === 'failed') {
        const code = status.error?.error ?? 'export_failed';
        throw new RelayerError(409, code, status.error?.message ?? `export ${exportId} of study ${studyId} failed`, { export_id: exportId, phase: 'failed' });
      }
      if (Date.now() - started + interval > timeoutMs) {
        throw new RelayerError(0, 'timeout', `export ${exportId} of study ${studyId} was still ${status.phase} after ${Math.round(timeoutMs / 1000)} s`, { export_id: exportId, phase: status.phase });
      }
      await sleep(interval, opts.signal);
    }
  }

  /**
   * Downloads the dataset once it is ready (the sponsor only; 409 `export_not_ready` before,
   * `export_failed` for a failed export). The body is streamed: read it with the answer's
   * `text()`, `bytes()` or `chunks()`.
   */
  async downloadExport(studyId: number, exportId: string): Promise<ExportDownload> {
    const path = `${exportPath(studyId, exportId)}/data`;
    const res = await this.signedResponse('GET', path, '');
    if (!res.ok) await this.refusal('GET', path, res);
    const contentType = res.headers.get('content-type') ?? '';
    const format: DatasetFormat = contentType.includes('ndjson') ? 'fhir_ndjson' : 'csv';
    const disposition = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '');
    const filename = disposition?.[1] ?? `study-${studyId}-${exportId}.${format === 'csv' ? 'csv' : 'ndjson'}`;
    const root = res.headers.get('x-diachain-manifest-root');
    return {
      response: res,
      root: root === null || root === '' ? null : root.toLowerCase(),
      filename,
      contentType,
      format,
      text: () => res.text(),
      bytes: async () => new Uint8Array(await res.arrayBuffer()),
      chunks: () => bodyChunks(res),
    };
  }

  /**
   * The export's row map for an auditor (`GET …/rowmap`, NDJSON): one entry per row of the
   * participants whose every exported scope the caller's grants cover now (each such
   * participant is an access recorded on chain). 403 `no_audit_grant` when they cover none.
   */
  async exportRowMap(studyId: number, exportId: string): Promise<RowMapEntry[]> {
    const path = `${exportPath(studyId, exportId)}/rowmap`;
    const res = await this.signedResponse('GET', path, '');
    if (!res.ok) await this.refusal('GET', path, res);
    const text = await res.text();
    return text.split('\n').filter((l) => l.length > 0).map((line, i) => {
      const entry = parseJson(line);
      if (typeof entry !== 'object' || entry === null) throw new RelayerError(res.status, 'bad_response', `GET ${path}: line ${i + 1} is not a row map entry`);
      return entry as RowMapEntry;
    });
  }

  /** The study datasets' data dictionary (`GET /v1/datasets/dictionary`, not signed). */
  datasetDictionary(): Promise<DatasetDictionary> {
    return this.send('GET', '/v1/datasets/dictionary', '', {});
  }

  /** `/v1/status` (not signed): the relayer's anchoring and outbox state. */
  status(): Promise<Record<string, unknown>> {
    return this.send('GET', '/v1/status', '', {});
  }

  private async signedHeaders(method: string, path: string, query: string, body?: string): Promise<Record<string, string>> {
    const bytes = body === undefined ? new Uint8Array() : utf8Bytes(body);
    const timestamp = this.opts.now?.();
    const headers: Record<string, string> = { ...(await signRequest(this.opts.signer, { method, path, query, body: bytes }, { timestamp })) };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return headers;
  }

  private async signed<T>(method: string, path: string, query: string, body?: string): Promise<T> {
    return this.send(method, path, query, await this.signedHeaders(method, path, query, body), body);
  }

  /** A signed request's answer, its body unread (a failure to connect is a `RelayerError`). */
  private async signedResponse(method: string, path: string, query: string): Promise<Response> {
    const headers = await this.signedHeaders(method, path, query);
    try {
      return await this.fetchFn(`${this.base}${path}${query ? `?${query}` : ''}`, { method, headers });
    } catch (e) {
      throw new RelayerError(0, 'unreachable', `the relayer at ${this.base} could not be reached: ${(e as Error).message}`);
    }
  }

  /** Throws the refusal a non-2xx answer carries. */
  private async refusal(method: string, path: string, res: Response): Promise<never> {
    const text = await res.text();
    const json = parseJson(text);
    if (isErrorBody(json)) {
      const { error, message, ...details } = json;
      throw new RelayerError(res.status, error, message, details);
    }
    throw new RelayerError(res.status, 'bad_response', `${method} ${path} answered ${res.status} with ${text.length > 0 ? 'a body that is not the API\'s JSON' : 'no body'}`);
  }

  private async send<T>(method: string, path: string, query: string, headers: Record<string, string>, body?: string): Promise<T> {
    const url = `${this.base}${path}${query ? `?${query}` : ''}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, { method, headers, body });
    } catch (e) {
      throw new RelayerError(0, 'unreachable', `the relayer at ${this.base} could not be reached: ${(e as Error).message}`);
    }
    if (!res.ok) return this.refusal(method, path, res);
    const text = await res.text();
    const json = parseJson(text);
    if (json !== undefined) return json as T;
    throw new RelayerError(res.status, 'bad_response', `${method} ${path} answered ${res.status} with ${text.length > 0 ? 'a body that is not the API\'s JSON' : 'no body'}`);
  }
}

function exportsPath(studyId: number): string {
  return `/v1/studies/${encodeURIComponent(String(studyId))}/exports`;
}

function exportPath(studyId: number, exportId: string): string {
  return `${exportsPath(studyId)}/${encodeURIComponent(exportId)}`;
}

/** A response body's chunks, read with its reader (no need for ReadableStream's async iteration). */
async function* bodyChunks(res: Response): AsyncGenerator<Uint8Array> {
  if (!res.body) {
    yield new Uint8Array(await res.arrayBuffer());
    return;
  }
  const reader = res.body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      if (value.length > 0) yield value;
    }
  } finally {
    // A reader that stopped early (an error in the caller's loop) lets the download go.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function patientPath(patient: string): string {
  return `/v1/patients/${encodeURIComponent(patient)}`;
}

function webhooksPath(patient: string): string {
  return `${patientPath(patient)}/alerts/webhooks`;
}

function uploadersPath(patient: string): string {
  return `${patientPath(patient)}/nightscout/uploaders`;
}

function uploaderPath(patient: string, deviceId: string): string {
  return `${uploadersPath(patient)}/${encodeURIComponent(deviceId)}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
