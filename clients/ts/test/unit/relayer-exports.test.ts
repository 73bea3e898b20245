// RelayerClient's study dataset routes against a fake fetch: signed requests the relayer accepts
// (checked as auth/request.rs checks them), the export's status followed to ready or failed,
// the streamed download with its headers, the row map's NDJSON, the dictionary, refusals typed.
import { describe, expect, it } from 'vitest';

import {
  RelayerClient, RelayerError, canonicalRequest, fromBase64, rawKeySigner, utf8Bytes, verifyAdr036,
  type ExportStatus, type RowMapEntry,
} from '../../src/index.js';

const signer = rawKeySigner(new Uint8Array(32).fill(0x22), 'wasm');
const EXPORT = '0123456789abcdef0123456789abcdef';

interface Seen { url: URL; method: string; headers: Record<string, string>; body: string }

/** A fetch whose answers come from `route` (path → a Response), recording what was sent. */
function fakeFetch(route: (s: Seen) => Response, seen: Seen[] = []): typeof fetch {
  return (input, init) => {
    const s = { url: new URL(input as string), method: init?.method ?? 'GET', headers: (init?.headers ?? {}) as Record<string, string>, body: (init?.body as string | undefined) ?? '' };
    seen.push(s);
    return Promise.resolve(route(s));
  };
}

function relayerAccepts(s: Seen): boolean {
  const h = s.headers;
  const text = canonicalRequest({ method: s.method, path: s.url.pathname, query: s.url.search.slice(1), body: utf8Bytes(s.body) }, Number(h['x-diachain-timestamp']), h['x-diachain-nonce']!);
  return h['x-diachain-address'] === signer.address && verifyAdr036(signer.address, fromBase64(h['x-diachain-pubkey']!), text, fromBase64(h['x-diachain-signature']!));
}

function status(phase: ExportStatus['phase'], over: Partial<ExportStatus> = {}): ExportStatus {
  return {
    export_id: EXPORT, study_id: 7, format: 'csv', shift_times: false, phase, exported_at: 1_767_398_400, expires_at: 1_767_484_800,
    members: 3, participants: 2, participants_done: phase === 'planning' ? 0 : 2, rows: phase === 'planning' ? 0 : 5,
    excluded: { no_live_consent: 1 }, unanchored_batches: 0, bytes: null, error: null, manifest: null, record: null, ...over,
  };
}

const json = (body: unknown, code = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status: code, headers: { 'content-type': 'application/json', ...headers } });

describe('RelayerClient: study dataset exports', () => {
  it('starts, lists and reads exports with signed requests', async () => {
    const seen: Seen[] = [];
    const client = new RelayerClient({
      url: 'http://relayer.test/', signer,
      fetch: fakeFetch((s) => (s.method === 'POST' ? json(status('planning'), 202) : s.url.pathname.endsWith('/exports') ? json([status('ready')]) : json(status('writing'))), seen),
    });
    expect((await client.startExport(7, { format: 'fhir_ndjson', shiftTimes: true })).phase).toBe('planning');
    await client.startExport(7, { format: 'csv' });
    expect((await client.listExports(7)).map((e) => e.phase)).toEqual(['ready']);
    expect((await client.exportStatus(7, EXPORT)).phase).toBe('writing');
    expect(seen.map((s) => [s.method, s.url.pathname, s.body])).toEqual([
      ['POST', '/v1/studies/7/exports', '{"format":"fhir_ndjson","shift_times":true}'],
      ['POST', '/v1/studies/7/exports', '{"format":"csv","shift_times":false}'],
      ['GET', '/v1/studies/7/exports', ''],
      ['GET', `/v1/studies/7/exports/${EXPORT}`, ''],
    ]);
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen.every(relayerAccepts)).toBe(true);
  });

  it('surfaces the export refusals with their codes', async () => {
    const refuse = (code: number, error: string) => new RelayerClient({
      url: 'http://relayer.test', signer, fetch: fakeFetch(() => json({ error, message: `refused: ${error}` }, code)),
    });
    await expect(refuse(403, 'not_the_sponsor').startExport(7, { format: 'csv' })).rejects.toMatchObject({ status: 403, code: 'not_the_sponsor', message: 'refused: not_the_sponsor' });
    await expect(refuse(429, 'export_busy').startExport(7, { format: 'csv' })).rejects.toMatchObject({ status: 429, code: 'export_busy' });
    await expect(refuse(503, 'exports_disabled').listExports(7)).rejects.toMatchObject({ status: 503, code: 'exports_disabled' });
    await expect(refuse(409, 'export_not_ready').downloadExport(7, EXPORT)).rejects.toMatchObject({ status: 409, code: 'export_not_ready' });
    await expect(refuse(403, 'no_audit_grant').exportRowMap(7, EXPORT)).rejects.toMatchObject({ status: 403, code: 'no_audit_grant' });
    await expect(refuse(404, 'unknown_export').exportStatus(7, EXPORT)).rejects.toBeInstanceOf(RelayerError);
  });

  it('waits for an export, telling each status, until it is ready', async () => {
    const phases: ExportStatus['phase'][] = ['planning', 'writing', 'recording', 'ready'];
    let n = 0;
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fakeFetch(() => json(status(phases[Math.min(n++, 3)]!))) });
    const told: string[] = [];
    const done = await client.waitForExport(7, EXPORT, { intervalMs: 1, onProgress: (s) => told.push(s.phase) });
    expect(done.phase).toBe('ready');
    expect(told).toEqual(phases);
  });

  it('rejects a failed export with its error, and gives up after the timeout', async () => {
    const failed = status('failed', { error: { error: 'export_failed', message: 'No member has rows to export.' } });
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fakeFetch(() => json(failed)) });
    await expect(client.waitForExport(7, EXPORT, { intervalMs: 1 })).rejects.toMatchObject({ status: 409, code: 'export_failed', message: 'No member has rows to export.' });
    const slow = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fakeFetch(() => json(status('writing'))) });
    await expect(slow.waitForExport(7, EXPORT, { intervalMs: 5, timeoutMs: 20 })).rejects.toMatchObject({ status: 0, code: 'timeout' });
    const abort = new AbortController();
    abort.abort(new Error('stopped by the user'));
    await expect(slow.waitForExport(7, EXPORT, { signal: abort.signal })).rejects.toThrow('stopped by the user');
  });

  it('downloads the dataset: the server\'s file name, the root header, the body as text, bytes or chunks', async () => {
    const csv = 'participant,study_day,time_utc,scope,kind,value,unit,trend,flags\n';
    const seen: Seen[] = [];
    const answer = (headers: Record<string, string>) => fakeFetch(() => new Response(csv, { status: 200, headers }), seen);
    const headers = {
      'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="study-7-${EXPORT}.csv"`,
      'x-diachain-manifest-root': 'AB'.repeat(32),
    };
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: answer(headers) });
    const d = await client.downloadExport(7, EXPORT);
    expect([d.filename, d.root, d.format, d.contentType]).toEqual([`study-7-${EXPORT}.csv`, 'ab'.repeat(32), 'csv', 'text/csv; charset=utf-8']);
    expect(await d.text()).toBe(csv);
    expect(new TextDecoder().decode(await (await client.downloadExport(7, EXPORT)).bytes())).toBe(csv);
    const parts: Uint8Array[] = [];
    for await (const c of (await client.downloadExport(7, EXPORT)).chunks()) parts.push(c);
    expect(new TextDecoder().decode(Buffer.concat(parts))).toBe(csv);
    expect(seen[0]!.url.pathname).toBe(`/v1/studies/7/exports/${EXPORT}/data`);
    expect(seen.every(relayerAccepts)).toBe(true);
    // Headers a page on another origin cannot read: the name is made as the server makes it.
    const bare = new RelayerClient({ url: 'http://relayer.test', signer, fetch: answer({ 'content-type': 'application/fhir+ndjson' }) });
    const b = await bare.downloadExport(7, EXPORT);
    expect([b.filename, b.root, b.format]).toEqual([`study-7-${EXPORT}.ndjson`, null, 'fhir_ndjson']);
  });

  it('reads the row map as NDJSON, one entry a line', async () => {
    const entry = (row: number): RowMapEntry => ({
      row, participant: 'P-3f2a9c1e5b7d8046', patient: 'wasm1patient', shift_secs: 0,
      proof: { device_id: 'dev-1', seq: row + 1 } as unknown as RowMapEntry['proof'],
    });
    const body = [entry(0), entry(1), entry(2)].map((e) => JSON.stringify(e)).join('\n') + '\n';
    const seen: Seen[] = [];
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fakeFetch(() => new Response(body, { headers: { 'content-type': 'application/x-ndjson' } }), seen) });
    const map = await client.exportRowMap(7, EXPORT);
    expect(map.map((e) => e.row)).toEqual([0, 1, 2]);
    expect(seen[0]!.url.pathname).toBe(`/v1/studies/7/exports/${EXPORT}/rowmap`);
    expect(relayerAccepts(seen[0]!)).toBe(true);
    const broken = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fakeFetch(() => new Response('{"row":0}\nnot json\n')) });
    await expect(broken.exportRowMap(7, EXPORT)).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('reads the data dictionary without signing', async () => {
    const seen: Seen[] = [];
    const dictionary = { format: 'diachain-dataset-row/v1', csv_header: 'participant,…', columns: [], kinds: [], units: [], flags: [], ndjson: {} };
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fakeFetch(() => json(dictionary), seen) });
    expect((await client.datasetDictionary()).format).toBe('diachain-dataset-row/v1');
    expect(seen[0]!.url.pathname).toBe('/v1/datasets/dictionary');
    expect(seen[0]!.headers['x-diachain-signature']).toBeUndefined();
  });
});
