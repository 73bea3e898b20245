// Checks a published study dataset against the chain by itself, trusting neither the relayer nor
// the sponsor, exactly as `diachain-relayer verify-dataset` does without `--row-map`
// (packages/relayer/src/cli/verify_dataset.rs): the same checks, in the same order, with the same
// names, meaning and details, and the same verdict JSON.
// 1. the file's rows are read strictly (every row in its canonical form) and their Merkle root,
//    counts and period computed (`summarizeDatasetCsv` / `summarizeDatasetNdjson`, with the
//    study's data_from_day and id from the chain);
// 2. the data-union contract's manifest of the study with that root (or the one named) must
//    match: root, rows, rows per scope, participants, format, period (`checkDatasetAgainstManifest`);
// 3. participants: at most the study's members, and at most the members whose research grant was
//    in force at the export time (granted at or before it, not revoked at or before it, not
//    expired by it, for this study).
// Every list is read page by page with the contracts' largest page (100).
import { fromBase64, toHex } from './bytes.js';
import type { ConsentReadOnlyInterface } from './contracts/Consent.client.js';
import type { Grant } from './contracts/Consent.types.js';
import type { DataUnionReadOnlyInterface } from './contracts/DataUnion.client.js';
import type { Manifest, Member, Study } from './contracts/DataUnion.types.js';
import {
  DatasetRowError, checkDatasetAgainstManifest, formatDatasetTime, summarizeDatasetCsv, summarizeDatasetNdjson,
  type DatasetInput, type DatasetManifestFacts, type DatasetMismatch, type DatasetScopeRows, type DatasetSummary,
} from './dataset.js';

/** The contracts' largest page (`diachain_std::pagination::MAX_LIMIT`). */
export const CONTRACT_PAGE_LIMIT = 100;
/** What the data-union contract answers for a manifest it does not hold (`ManifestNotFound`). */
export const MANIFEST_NOT_FOUND = 'has no manifest';

/** The checks of `verify-dataset`, in its order; `canonical form` is this client's only addition
 * (see `verifyDataset`). */
export type DatasetCheckName =
  | 'manifest'
  | 'file matches manifest'
  | 'participants within membership'
  | 'consents covered the export time'
  | 'canonical form';

/** One check and its outcome (Rust's `Check`). */
export interface DatasetCheck {
  check: DatasetCheckName;
  ok: boolean;
  detail: string;
}

/** What `verify-dataset` prints (Rust's `DatasetVerdict`): `root` in hex. */
export interface DatasetVerdict {
  verified: boolean;
  study_id: number;
  manifest_id: number | null;
  root: string;
  rows: number;
  participants: number;
  checks: DatasetCheck[];
}

/** What is asked of the data-union contract: a `DataUnionQueryClient`, or anything with these. */
export type DatasetUnionQueries = Pick<DataUnionReadOnlyInterface, 'study' | 'manifest' | 'manifests' | 'members'>;
/** What is asked of the consent contract: a `ConsentQueryClient`, or anything with `grant`. */
export type DatasetConsentQueries = Pick<ConsentReadOnlyInterface, 'grant'>;

export type DatasetVerifyProgress =
  | { stage: 'file'; bytes: number }
  | { stage: 'manifest' }
  | { stage: 'consents'; members: number };

export interface VerifyDatasetOptions {
  /** The data-union study id. */
  studyId: number;
  /** The manifest to check against (default: the study's manifest whose root is the file's). */
  manifestId?: number;
  union: DatasetUnionQueries;
  consent: DatasetConsentQueries;
  /** Told how far the check is: bytes of the file read, the manifest looked up, members' grants read. */
  onProgress?: (p: DatasetVerifyProgress) => void;
  /** Grants asked at once (default 8). */
  parallel?: number;
}

const NS_PER_S = 1_000_000_000n;
const seconds = (ns: string): number => Number(BigInt(ns) / NS_PER_S);

/** Rust's `Mismatch` as it displays (`thiserror`), word for word. */
export function describeDatasetMismatch(m: DatasetMismatch): string {
  const shifted = (s: boolean) => (s ? ', even with the largest time shift (7 days)' : '');
  switch (m.mismatch) {
    case 'root': return `root: the manifest records ${m.manifest.toLowerCase()}, the file's rows give ${m.file.toLowerCase()}`;
    case 'rows': return `rows: the manifest records ${m.manifest}, the file has ${m.file}`;
    case 'scope_rows': return `rows of scope ${m.scope}: the manifest records ${m.manifest}, the file has ${m.file}`;
    case 'scope_order': return "scope_rows: the manifest's list is not sorted by scope with each scope once";
    case 'members': return `members: the manifest records ${m.manifest}, the file has ${m.file} distinct participants`;
    case 'format': return `format: the manifest records ${m.manifest}, the file is ${m.file}`;
    case 'study': return `study: the manifest is of study ${m.manifest}, the file's Observations of study ${m.file}`;
    case 'period': return `period: the manifest's data_from (${formatDatasetTime(m.data_from)}) is after its data_to (${formatDatasetTime(m.data_to)})`;
    case 'before_period': return `period: the first row (${formatDatasetTime(m.first_time)}) is before the manifest's data_from (${formatDatasetTime(m.bound)})${shifted(m.time_shifted)}`;
    case 'after_period': return `period: the last row (${formatDatasetTime(m.last_time)}) is after the manifest's data_to (${formatDatasetTime(m.bound)})${shifted(m.time_shifted)}`;
  }
}

/** The manifest's facts a file is checked against (Rust's `facts`), the root in hex. */
export function manifestFacts(m: Manifest): DatasetManifestFacts {
  return {
    study_id: m.study_id,
    members: m.members,
    rows: m.rows,
    scope_rows: m.scope_rows.map((s): DatasetScopeRows => ({ scope: s.scope, rows: s.rows })),
    data_from: seconds(m.data_from),
    data_to: seconds(m.data_to),
    format: m.format,
    time_shifted: m.time_shifted,
    root: toHex(fromBase64(m.root)),
  };
}

/**
 * Whether a member's research grant was in force at `at` (nanoseconds): granted at or before it,
 * not revoked at or before it, not expired by it (a grant that ends at a height is judged by its
 * revocation only: heights have no time), a research grant for study `studyId` to its sponsor
 * `sponsor`. As `consents_in_force`.
 */
export function grantInForceAt(g: Grant, at: string | bigint, studyId: number, sponsor: string): boolean {
  const t = BigInt(at);
  const granted = BigInt(g.granted_at) <= t;
  const notRevoked = g.revoked === undefined || g.revoked === null || BigInt(g.revoked.at) > t;
  const notExpired = 'at_time' in g.expires ? BigInt(g.expires.at_time) > t : true;
  const research = g.purpose === 'research' && g.study_id === studyId && g.grantee === sponsor;
  return granted && notRevoked && notExpired && research;
}

/** The input's chunks as bytes, with its first byte known (the format is told by it). */
async function peek(input: DatasetInput): Promise<{ first: number | undefined; chunks: AsyncGenerator<Uint8Array> }> {
  const enc = new TextEncoder();
  const asBytes = (c: string | Uint8Array) => (typeof c === 'string' ? enc.encode(c) : c);
  const source: AsyncIterator<string | Uint8Array> | Iterator<string | Uint8Array> =
    typeof input === 'string' || input instanceof Uint8Array ? [input][Symbol.iterator]()
      : Symbol.asyncIterator in input ? input[Symbol.asyncIterator]()
        : input[Symbol.iterator]();
  const held: Uint8Array[] = [];
  let first: number | undefined;
  let ended = false;
  while (first === undefined) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    const bytes = asBytes(next.value);
    held.push(bytes);
    first = bytes[0];
  }
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield* held;
    if (ended) return;
    for (let next = await source.next(); !next.done; next = await source.next()) yield asBytes(next.value);
  }
  return { first, chunks: chunks() };
}

/** Reads the file once: its summary (root, counts) in whichever format it is (NDJSON when its first
 * byte is `{`, as Rust tells them apart by the first line). */
async function summarize(input: DatasetInput, study: Study, onProgress?: (p: DatasetVerifyProgress) => void): Promise<DatasetSummary> {
  const { first, chunks } = await peek(input);
  let bytes = 0;
  let told = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of chunks) {
      bytes += c.length;
      if (onProgress && bytes - told >= 1 << 20) {
        told = bytes;
        onProgress({ stage: 'file', bytes });
      }
      yield c;
    }
    onProgress?.({ stage: 'file', bytes });
  }
  const ctx = { dataFromDay: study.data_from_day, studyId: study.id };
  return first === 0x7b ? summarizeDatasetNdjson(counted(), ctx) : summarizeDatasetCsv(counted(), ctx);
}

/** The manifest named, or the study's manifest whose root is `root` (hex); `undefined` if none. */
async function findManifest(union: DatasetUnionQueries, studyId: number, manifestId: number | undefined, root: string): Promise<Manifest | undefined> {
  if (manifestId !== undefined) {
    try {
      return await union.manifest({ studyId, manifestId });
    } catch (e) {
      if (e instanceof Error && e.message.includes(MANIFEST_NOT_FOUND)) return undefined;
      throw e;
    }
  }
  let startAfter: number | undefined;
  for (;;) {
    const page = await union.manifests({ studyId, startAfter, limit: CONTRACT_PAGE_LIMIT });
    const hit = page.items.find((m) => toHex(fromBase64(m.root)) === root);
    if (hit) return hit;
    const last = page.items[page.items.length - 1];
    if (!page.has_more || last === undefined) return undefined;
    startAfter = last.id;
  }
}

/** How many of the study's members held a research grant in force at the manifest's export time. */
async function consentsInForce(opts: VerifyDatasetOptions, studyId: number, sponsor: string, manifest: Manifest): Promise<number> {
  const parallel = Math.max(1, opts.parallel ?? 8);
  let count = 0;
  let read = 0;
  let startAfter: string | undefined;
  for (;;) {
    const page = await opts.union.members({ studyId, startAfter, limit: CONTRACT_PAGE_LIMIT });
    const items: Member[] = page.items;
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const m = items[next++]!;
        const g = await opts.consent.grant({ grantId: m.grant_id });
        if (grantInForceAt(g.grant, manifest.exported_at, studyId, sponsor)) count += 1;
      }
    }));
    read += items.length;
    opts.onProgress?.({ stage: 'consents', members: read });
    const last = items[items.length - 1];
    if (!page.has_more || last === undefined) return count;
    startAfter = last.patient;
  }
}

/**
 * Checks a dataset file (text, bytes, or a stream of chunks, e.g. `fs.createReadStream(path)` or
 * `ExportDownload.chunks()`) against study `studyId`'s manifest on chain, as `diachain-relayer
 * verify-dataset` does: the verdict has the same fields and checks (`manifest`, `file matches
 * manifest`, `participants within membership`, `consents covered the export time`) with the same
 * details. `verified` is true only when every check holds.
 *
 * Where the command stops without a verdict (exit 1) because the file is not a dataset in
 * canonical form (a row not in canonical form, CRLF, no final newline, …), this returns a verdict
 * with the one failing check `canonical form` whose detail is the command's sentence (`the file
 * is not a dataset in canonical form: line 3, value: …`), and no root. Where the command cannot
 * ask the chain (exit 2: no such study, the node unreachable), this rejects with the query's error.
 */
export async function verifyDataset(file: DatasetInput, opts: VerifyDatasetOptions): Promise<DatasetVerdict> {
  const study = (await opts.union.study({ studyId: opts.studyId })).study;
  let summary: DatasetSummary;
  try {
    summary = await summarize(file, study, opts.onProgress);
  } catch (e) {
    if (!(e instanceof DatasetRowError)) throw e;
    return {
      verified: false, study_id: study.id, manifest_id: null, root: '', rows: 0, participants: 0,
      checks: [{ check: 'canonical form', ok: false, detail: `the file is not a dataset in canonical form: ${e.message}` }],
    };
  }
  const v: DatasetVerdict = {
    verified: false,
    study_id: study.id,
    manifest_id: null,
    root: summary.root,
    rows: summary.rows,
    participants: summary.participants,
    checks: [],
  };
  const push = (check: DatasetCheckName, ok: boolean, detail: string) => v.checks.push({ check, ok, detail });
  opts.onProgress?.({ stage: 'manifest' });
  const manifest = await findManifest(opts.union, opts.studyId, opts.manifestId, summary.root);
  if (!manifest) {
    const which = opts.manifestId !== undefined ? `${opts.manifestId}` : `with the file's root ${v.root}`;
    push('manifest', false, `study ${study.id} has no manifest ${which} on chain`);
    return v;
  }
  v.manifest_id = manifest.id;
  push('manifest', true, `manifest ${manifest.id} recorded by custodian ${manifest.custodian} at height ${manifest.height}`);
  const mismatches = checkDatasetAgainstManifest(summary, manifestFacts(manifest));
  push(
    'file matches manifest',
    mismatches.length === 0,
    mismatches.length === 0
      ? `root, ${summary.rows} rows, rows per scope, ${summary.participants} participants, format and period as recorded`
      : mismatches.map(describeDatasetMismatch).join('; '),
  );
  const inForce = await consentsInForce(opts, study.id, study.sponsor, manifest);
  push('participants within membership', manifest.members <= study.members,
    `${manifest.members} participants; the study has had ${study.members} members`);
  push('consents covered the export time', manifest.members <= inForce,
    `${manifest.members} participants; ${inForce} members' research grants (to the sponsor) were in force at ${formatDatasetTime(seconds(manifest.exported_at))}`);
  v.verified = v.checks.every((c) => c.ok);
  return v;
}
