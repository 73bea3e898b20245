// Alerts off the relayer's event stream (`GET /v1/patients/{patient}/alerts/stream`, server-sent
// events read with fetch so that the request can be signed) and the check of a webhook
// delivery's signature (docs/data-api.md#alerts).
import { utf8Bytes } from './bytes.js';
import type { Alert, ReadingEvent } from './relayer-types.js';

/** One event of the alert stream. */
export type AlertStreamEvent =
  | { type: 'ready'; patient: string; basis: 'owner_or_guardian' | 'grant' }
  | { type: 'alert'; alert: Alert }
  | { type: 'reading'; reading: ReadingEvent }
  | { type: 'end'; error: string; message: string };

/** Parses server-sent events from a body's chunks: whole events out, the rest kept for the next. */
export class SseParser {
  private buf = '';

  /** The events completed by `chunk` (keep-alive comments and unnamed events are skipped). */
  push(chunk: string): { event: string; data: string; id?: string }[] {
    this.buf += chunk.replace(/\r\n?/g, '\n');
    const out: { event: string; data: string; id?: string }[] = [];
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end < 0) return out;
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      let event = '';
      const data: string[] = [];
      let id: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      if (event !== '') out.push({ event, data: data.join('\n'), ...(id === undefined ? {} : { id }) });
    }
  }
}

/** An event of the stream as the client's type, or undefined for one it does not know. */
export function toStreamEvent(e: { event: string; data: string }): AlertStreamEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(e.data);
  } catch {
    return undefined;
  }
  const o = v as Record<string, unknown>;
  switch (e.event) {
    case 'ready':
      return { type: 'ready', patient: String(o.patient), basis: o.basis === 'grant' ? 'grant' : 'owner_or_guardian' };
    case 'alert':
      return { type: 'alert', alert: v as Alert };
    case 'reading':
      return { type: 'reading', reading: v as ReadingEvent };
    case 'end':
      return { type: 'end', error: String(o.error), message: String(o.message) };
    default:
      return undefined;
  }
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Whether a webhook delivery is the relayer's: `x-diachain-signature` is
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` with the webhook's secret (hex, shown
 * once when it was created) and `x-diachain-timestamp`. Also refuses a timestamp more than
 * `maxSkewSeconds` from `now` (a replayed delivery).
 */
export async function verifyWebhookSignature(
  secretHex: string,
  headers: { timestamp: string; signature: string },
  body: string | Uint8Array,
  now: number = Math.floor(Date.now() / 1000),
  maxSkewSeconds = 300,
): Promise<boolean> {
  const key = hexBytes(secretHex);
  const tag = hexBytes(headers.signature.replace(/^sha256=/, ''));
  const ts = Number(headers.timestamp);
  if (!key || !tag || !Number.isSafeInteger(ts) || Math.abs(now - ts) > maxSkewSeconds) return false;
  const bytes = typeof body === 'string' ? utf8Bytes(body) : body;
  const message = new Uint8Array([...utf8Bytes(`${ts}.`), ...bytes]);
  const k = await globalThis.crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  return globalThis.crypto.subtle.verify('HMAC', k, tag, message);
}
