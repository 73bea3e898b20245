// RelayerClient against a fake fetch: what it sends is a request the relayer accepts (checked
// as auth/request.rs checks it), and refusals come back typed.
import { describe, expect, it } from 'vitest';

import { RelayerClient, RelayerError, canonicalRequest, fromBase64, rawKeySigner, utf8Bytes, verifyAdr036 } from '../../src/index.js';

const signer = rawKeySigner(new Uint8Array(32).fill(0x22), 'wasm');
const PATIENT = 'wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr';

interface Seen { url: URL; method: string; headers: Record<string, string>; body: string }

function fake(status: number, body: string, seen: Seen[] = []): typeof fetch {
  return (input, init) => {
    seen.push({ url: new URL(input as string), method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, body: (init?.body as string | undefined) ?? '' });
    return Promise.resolve(new Response(body, { status }));
  };
}

/** The relayer's own check of the five headers. */
function relayerAccepts(s: Seen): boolean {
  const h = s.headers;
  const text = canonicalRequest({ method: s.method, path: s.url.pathname, query: s.url.search.slice(1), body: utf8Bytes(s.body) }, Number(h['x-diachain-timestamp']), h['x-diachain-nonce']!);
  return h['x-diachain-address'] === signer.address && verifyAdr036(signer.address, fromBase64(h['x-diachain-pubkey']!), text, fromBase64(h['x-diachain-signature']!));
}

describe('RelayerClient', () => {
  it('sends signed requests the relayer would accept, for readings and erasure', async () => {
    const seen: Seen[] = [];
    const client = new RelayerClient({ url: 'http://relayer.test/', signer, fetch: fake(200, '{"patient":"x","batches":[]}', seen) });
    await client.readings(PATIENT, 'glucose', { from: 10, to: 20 });
    await client.requestErasure(PATIENT);
    expect(seen[0]!.url.pathname).toBe(`/v1/patients/${PATIENT}/readings`);
    expect(seen[0]!.url.search).toBe('?scope=glucose&from=10&to=20');
    expect(seen[1]!.method).toBe('POST');
    expect(seen[1]!.body).toBe('{"confirm":true}');
    expect(seen.every(relayerAccepts)).toBe(true);
    expect(new Set(seen.map((s) => s.headers['x-diachain-nonce'])).size).toBe(2);
    const altered = { ...seen[1]!, body: '{"confirm":false}' };
    expect(relayerAccepts(altered)).toBe(false);
  });

  it('asks for a summary with a signed request, the offset only when given', async () => {
    const seen: Seen[] = [];
    const answer = { patient: PATIENT, from: 10, to: 20, utc_offset_minutes: -300, scope: 'summaries_only', batches: [] };
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fake(200, JSON.stringify(answer), seen) });
    const got = await client.summary(PATIENT, { from: 10, to: 20 }, { utcOffsetMinutes: -300 });
    await client.summary(PATIENT, { from: 10, to: 20 });
    expect(got).toEqual(answer);
    expect(seen.map((s) => [s.method, s.url.pathname, s.url.search])).toEqual([
      ['GET', `/v1/patients/${PATIENT}/summary`, '?from=10&to=20&utc_offset_minutes=-300'],
      ['GET', `/v1/patients/${PATIENT}/summary`, '?from=10&to=20'],
    ]);
    expect(seen.every(relayerAccepts)).toBe(true);
    // A refusal of the readings for a summaries-only grant names the summary.
    const refusal = { error: 'summaries_only', message: 'ask …/summary', summary: '/v1/patients/{patient}/summary' };
    const refused = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fake(422, JSON.stringify(refusal)) });
    const e = await refused.readings(PATIENT, 'summaries_only', { from: 1, to: 2 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 422, code: 'summaries_only', details: { summary: '/v1/patients/{patient}/summary' } });
  });

  it('surfaces a refusal as a RelayerError with its code, message and details', async () => {
    const body = JSON.stringify({ error: 'grant_revoked', message: 'The grant was revoked.', grant_id: 12 });
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fake(403, body) });
    const e = await client.readings(PATIENT, 'glucose', { from: 1, to: 2 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RelayerError);
    expect(e).toMatchObject({ status: 403, code: 'grant_revoked', message: 'The grant was revoked.', details: { grant_id: 12 } });
  });

  it('manages the patient\'s Nightscout uploaders with signed requests: list, create, rename, rotate, revoke', async () => {
    const seen: Seen[] = [];
    const listed = [{
      device_id: 'ns-5c1e', name: null, created_at: 1767229200, registered_tx: 'AB12', bound: true, revoked_at: null,
      skipped: { total: 1, by_reason: { malformed: 1 }, recent: [{ at: 1767229260, collection: 'entries', index: 1, reason: 'malformed', detail: '`sgv` -5 is negative' }] },
    }];
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fake(200, JSON.stringify(listed), seen) });
    const list = await client.uploaders(PATIENT);
    expect(list[0]!.skipped!.recent[0]!.reason).toBe('malformed');
    await client.createUploader(PATIENT);
    await client.renameUploader(PATIENT, 'ns-5c1e', 'Lena\'s phone');
    await client.rotateUploaderSecret(PATIENT, 'ns-5c1e');
    await client.revokeUploader(PATIENT, 'ns-5c1e');
    const base = `/v1/patients/${PATIENT}/nightscout/uploaders`;
    expect(seen.map((s) => `${s.method} ${s.url.pathname}${s.url.search}`)).toEqual([
      `GET ${base}`,
      `POST ${base}`,
      `PATCH ${base}/ns-5c1e`,
      `POST ${base}/ns-5c1e/secret`,
      `DELETE ${base}/ns-5c1e`,
    ]);
    expect(seen.map((s) => s.body)).toEqual(['', '', '{"name":"Lena\'s phone"}', '', '']);
    expect(seen[2]!.headers['content-type']).toBe('application/json');
    expect(seen.every(relayerAccepts)).toBe(true);
    // The signature covers the method and the device's path: another uploader's is refused.
    expect(relayerAccepts({ ...seen[4]!, method: 'GET' })).toBe(false);
    expect(relayerAccepts({ ...seen[4]!, url: new URL(`http://relayer.test${base}/ns-other`) })).toBe(false);
  });

  it('escapes a device id in the path it signs, and surfaces an uploader refusal with its details', async () => {
    const seen: Seen[] = [];
    const body = JSON.stringify({ error: 'uploader_revoked', message: 'The uploader ns-1 was revoked at 1767229300.', revoked_at: 1767229300 });
    const client = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fake(409, body, seen) });
    const e = await client.rotateUploaderSecret(PATIENT, 'ns/1 x').catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 409, code: 'uploader_revoked', details: { revoked_at: 1767229300 } });
    expect(seen[0]!.url.pathname).toBe(`/v1/patients/${PATIENT}/nightscout/uploaders/ns%2F1%20x/secret`);
    expect(relayerAccepts(seen[0]!)).toBe(true);
  });

  it('names an answer that is not the API\'s, and an unreachable relayer', async () => {
    const html = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fake(502, '<html>bad gateway</html>') });
    await expect(html.status()).rejects.toMatchObject({ code: 'bad_response', status: 502 });
    const down = new RelayerClient({ url: 'http://relayer.test', signer, fetch: () => Promise.reject(new TypeError('fetch failed')) });
    await expect(down.erasures(PATIENT)).rejects.toMatchObject({ code: 'unreachable', status: 0 });
  });
});
