// The relayer's signed requests (packages/relayer/src/auth/{request,adr036}.rs): the canonical
// request text, the ADR-036 amino sign doc a wallet's `signArbitrary` signs, and the address of
// a compressed secp256k1 key.
import { toBech32 } from '@cosmjs/encoding';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { toBase64, toHex, utf8Bytes } from './bytes.js';

export const H_ADDRESS = 'x-diachain-address';
export const H_PUBLIC_KEY = 'x-diachain-pubkey';
export const H_TIMESTAMP = 'x-diachain-timestamp';
export const H_NONCE = 'x-diachain-nonce';
export const H_SIGNATURE = 'x-diachain-signature';

/** The parts of a request that its signature covers. */
export interface RequestParts {
  method: string;
  path: string;
  /** The query as sent, without `?` (order does not matter: the pairs are sorted). */
  query?: string;
  body?: Uint8Array;
}

/** The five `x-diachain-*` headers of a signed request. */
export interface SignedHeaders {
  [H_ADDRESS]: string;
  [H_PUBLIC_KEY]: string;
  [H_TIMESTAMP]: string;
  [H_NONCE]: string;
  [H_SIGNATURE]: string;
}

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/** Whether the relayer accepts `nonce` (16–64 of A-Z a-z 0-9 - _). */
export function wellFormedNonce(nonce: string): boolean {
  return NONCE.test(nonce);
}

/** Bytes compared as the Rust side sorts `&str`: by UTF-8 bytes, not UTF-16 units. */
function byteOrder(a: string, b: string): number {
  const x = utf8Bytes(a);
  const y = utf8Bytes(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** `DIACHAIN-REQUEST/v1\nMETHOD\npath\nsorted query\nhex sha256(body)\ntimestamp\nnonce`. */
export function canonicalRequest(r: RequestParts, timestamp: number, nonce: string): Uint8Array {
  const query = (r.query ?? '').split('&').filter((p) => p.length > 0).sort(byteOrder);
  const lines = [
    'DIACHAIN-REQUEST/v1',
    r.method.toUpperCase(),
    r.path,
    query.join('&'),
    toHex(sha256(r.body ?? new Uint8Array())),
    String(timestamp),
    nonce,
  ];
  return utf8Bytes(lines.join('\n'));
}

/** The ADR-036 `StdSignDoc` for `data` (what `signAmino` is given). */
export function adr036StdSignDoc(signer: string, data: Uint8Array) {
  return {
    chain_id: '',
    account_number: '0',
    sequence: '0',
    fee: { gas: '0', amount: [] as { denom: string; amount: string }[] },
    msgs: [{ type: 'sign/MsgSignData', value: { signer, data: toBase64(data) } }],
    memo: '',
  };
}

function escapeJson(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  return s.replace(/["\\<>&\u0000-\u001f]/g, (c) => {
    if (c === '"') return '\\"';
    if (c === '\\') return '\\\\';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** The sign doc's bytes: amino JSON, keys sorted, no spaces, `<>&` escaped (as wallets serialise it). */
export function adr036SignDocBytes(signer: string, data: Uint8Array): Uint8Array {
  const json =
    '{"account_number":"0","chain_id":"","fee":{"amount":[],"gas":"0"},"memo":"",' +
    `"msgs":[{"type":"sign/MsgSignData","value":{"data":"${toBase64(data)}","signer":"${escapeJson(signer)}"}}],"sequence":"0"}`;
  return utf8Bytes(json);
}

/** The bech32 account address of a 33-byte compressed secp256k1 key. */
export function addressOf(publicKey: Uint8Array, prefix: string): string {
  if (publicKey.length !== 33 || (publicKey[0] !== 2 && publicKey[0] !== 3)) {
    throw new Error(`the public key is ${publicKey.length} bytes; expected a 33-byte compressed secp256k1 key`);
  }
  return toBech32(prefix, ripemd160(sha256(publicKey)));
}
