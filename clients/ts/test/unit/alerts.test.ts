// The alert stream's parser, the client's alert calls (signed as the relayer checks them) and
// the webhook signature check against a delivery signed as the relayer signs it.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { RelayerClient, RelayerError, SseParser, rawKeySigner, toStreamEvent, verifyWebhookSignature } from '../../src/index.js';
import type { AlertStreamEvent } from '../../src/index.js';

const signer = rawKeySigner(new Uint8Array(32).fill(0x22), 'wasm');
const PATIENT = 'wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr';
const ALERT = { id: 'al-00112233445566778899aabbccddeeff', seq: 7, patient: PATIENT, kind: 'low', at: 1767229200, device_id: 'ns-1', value_mgdl: 66, rate_mgdl_per_min: -2.3, threshold: 70, received_at_ms: 1767229200123, raised_at_ms: 1767229200130 };

describe('SseParser', () => {
  it('splits events across chunks, skips comments and unnamed events, joins data lines', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\n\nevent: ready\ndata: {"patient":"p","basis":"grant"}\n')).toEqual([]);
    expect(p.push('\nevent: alert\nid: 7\ndata: {"a":\ndata: 1}\n\ndata: orphan\n\n')).toEqual([
      { event: 'ready', data: '{"patient":"p","basis":"grant"}' },
      { event: 'alert', data: '{"a":\n1}', id: '7' },
    ]);
    expect(p.push('event: end\r\ndata: {}\r\n\r\n')).toEqual([{ event: 'end', data: '{}' }]);
  });

  it('types the events the relayer sends and ignores unknown or broken ones', () => {
    expect(toStreamEvent({ event: 'alert', data: JSON.stringify(ALERT) })).toEqual({ type: 'alert', alert: ALERT });
    expect(toStreamEvent({ event: 'end', data: '{"error":"grant_revoked","message":"revoked"}' })).toEqual({ type: 'end', error: 'grant_revoked', message: 'revoked' });
    expect(toStreamEvent({ event: 'ready', data: '{"patient":"p","basis":"owner_or_guardian"}' })).toMatchObject({ basis: 'owner_or_guardian' });
    expect(toStreamEvent({ event: 'surprise', data: '{}' })).toBeUndefined();
    expect(toStreamEvent({ event: 'alert', data: '{broken' })).toBeUndefined();
  });
});

describe('alerts through RelayerClient', () => {
  it('follows a stream until it ends, and surfaces a refused stream as a RelayerError', async () => {
    const body = 'event: ready\ndata: {"patient":"p","basis":"grant"}\n\n' +
      `event: alert\nid: 7\ndata: ${JSON.stringify(ALERT)}\n\n` +
      'event: end\ndata: {"error":"grant_revoked","message":"The grant was revoked."}\n\n';
    let asked = '';
    const fetchOk: typeof fetch = (input) => {
      asked = input as string;
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          // Cut mid-event, as a network does.
          const bytes = new TextEncoder().encode(body);
          c.enqueue(bytes.slice(0, 40));
          c.enqueue(bytes.slice(40));
          c.close();
        },
      });
      return Promise.resolve(new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
    };
    const events: AlertStreamEvent[] = [];
    await new RelayerClient({ url: 'http://relayer.test', signer, fetch: fetchOk }).followAlerts(PATIENT, (e) => events.push(e), { since: 6 });
    expect(asked).toBe(`http://relayer.test/v1/patients/${PATIENT}/alerts/stream?since=6`);
    expect(events.map((e) => e.type)).toEqual(['ready', 'alert', 'end']);

    const refused: typeof fetch = () => Promise.resolve(new Response('{"error":"no_grant","message":"No grant."}', { status: 403 }));
    const e = await new RelayerClient({ url: 'http://relayer.test', signer, fetch: refused }).followAlerts(PATIENT, () => undefined).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RelayerError);
    expect(e).toMatchObject({ status: 403, code: 'no_grant' });
  });

  it('sends settings and webhooks as signed JSON requests', async () => {
    const seen: { url: string; method: string; body: string }[] = [];
    const fake: typeof fetch = (input, init) => {
      seen.push({ url: input as string, method: init?.method ?? 'GET', body: (init?.body as string | undefined) ?? '' });
      return Promise.resolve(new Response('{}', { status: 200 }));
    };
    const c = new RelayerClient({ url: 'http://relayer.test', signer, fetch: fake });
    await c.putAlertSettings(PATIENT, { urgent_low_mgdl: 55, low_mgdl: 70, high_mgdl: null, rising_mgdl_per_min: 3, falling_mgdl_per_min: 3, no_data_minutes: 30, snooze_minutes: 30 });
    await c.createWebhook(PATIENT, 'https://hooks.example.org/a', ['urgent_low']);
    await c.alerts(PATIENT, { since: 4, limit: 20 });
    await c.alerts(PATIENT);
    await c.revokeWebhook(PATIENT, 'wh-01');
    expect(seen.map((s) => `${s.method} ${s.url.replace(`/v1/patients/${PATIENT}`, '')}`)).toEqual([
      'PUT http://relayer.test/alerts/settings',
      'POST http://relayer.test/alerts/webhooks',
      'GET http://relayer.test/alerts?since=4&limit=20',
      'GET http://relayer.test/alerts?limit=100',
      'DELETE http://relayer.test/alerts/webhooks/wh-01',
    ]);
    expect(JSON.parse(seen[1]!.body)).toEqual({ url: 'https://hooks.example.org/a', kinds: ['urgent_low'] });
  });
});

describe('verifyWebhookSignature', () => {
  const secret = '11'.repeat(32);
  const body = JSON.stringify(ALERT);
  const sign = (ts: number, b: string, key = secret) => `sha256=${createHmac('sha256', Buffer.from(key, 'hex')).update(`${ts}.${b}`).digest('hex')}`;

  it('accepts a delivery signed with the secret and refuses any change, another secret or an old one', async () => {
    const now = 1767229300;
    expect(await verifyWebhookSignature(secret, { timestamp: String(now), signature: sign(now, body) }, body, now)).toBe(true);
    expect(await verifyWebhookSignature(secret, { timestamp: String(now), signature: sign(now, body) }, body.replace('66', '67'), now)).toBe(false);
    expect(await verifyWebhookSignature(secret, { timestamp: String(now), signature: sign(now, body, '22'.repeat(32)) }, body, now)).toBe(false);
    expect(await verifyWebhookSignature(secret, { timestamp: String(now - 301), signature: sign(now - 301, body) }, body, now)).toBe(false);
    expect(await verifyWebhookSignature(secret, { timestamp: 'x', signature: sign(now, body) }, body, now)).toBe(false);
    expect(await verifyWebhookSignature('zz', { timestamp: String(now), signature: sign(now, body) }, body, now)).toBe(false);
  });
});
