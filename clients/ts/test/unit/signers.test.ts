// Three ways to sign a relayer request give the same ADR-036 bytes; any change to the request
// breaks the signature; a wallet answering with another key or a bad signature is refused.
import { Secp256k1Wallet, StdSignature, serializeSignDoc } from '@cosmjs/amino';
import { describe, expect, it } from 'vitest';

import {
  RequestParts, SignArbitraryFn, adr036SignDocBytes, adr036StdSignDoc, aminoSigner, arbitrarySigner,
  canonicalRequest, fromBase64, rawKeySigner, signRequest, utf8Bytes, verifyAdr036,
} from '../../src/index.js';

const SECRET = new Uint8Array(32).fill(0x22);
const REQ: RequestParts = { method: 'POST', path: '/v1/patients/wasm1x/erasure', query: 'b=2&a=1', body: utf8Bytes('{"confirm":true}') };
const OPTS = { timestamp: 1_767_229_260, nonce: 'n0nce-0000000001' };

/** What Keplr's signArbitrary does, from a cosmjs amino wallet. */
function keplrLike(wallet: Secp256k1Wallet): SignArbitraryFn {
  return async (_chainId, signer, data) => {
    const bytes = typeof data === 'string' ? utf8Bytes(data) : data;
    return (await wallet.signAmino(signer, adr036StdSignDoc(signer, bytes))).signature;
  };
}

describe('request signers', () => {
  it('our sign doc serialises as cosmjs serialises the StdSignDoc', () => {
    const data = canonicalRequest(REQ, OPTS.timestamp, OPTS.nonce);
    expect(adr036SignDocBytes('wasm1abc', data)).toEqual(serializeSignDoc(adr036StdSignDoc('wasm1abc', data)));
  });

  it('a raw key, a cosmjs OfflineAminoSigner and a Keplr-style signArbitrary give the same headers', async () => {
    const wallet = await Secp256k1Wallet.fromKey(SECRET, 'wasm');
    const raw = rawKeySigner(SECRET, 'wasm');
    const amino = await aminoSigner(wallet);
    const keplr = arbitrarySigner(keplrLike(wallet), 'diachain-local-1', raw.address, raw.publicKey);
    const a = await signRequest(raw, REQ, OPTS);
    expect(await signRequest(amino, REQ, OPTS)).toEqual(a);
    expect(await signRequest(keplr, REQ, OPTS)).toEqual(a);
  });

  it('the signature covers method, path, query, body, time and nonce; not the query order', async () => {
    const raw = rawKeySigner(SECRET, 'wasm');
    const h = await signRequest(raw, REQ, OPTS);
    const sig = fromBase64(h['x-diachain-signature']);
    const ok = (r: RequestParts, ts = OPTS.timestamp, nonce = OPTS.nonce) => verifyAdr036(raw.address, raw.publicKey, canonicalRequest(r, ts, nonce), sig);
    expect(ok(REQ)).toBe(true);
    expect(ok({ ...REQ, query: 'a=1&b=2' })).toBe(true);
    expect(ok({ ...REQ, method: 'post' })).toBe(true);
    expect(ok({ ...REQ, method: 'GET' })).toBe(false);
    expect(ok({ ...REQ, path: '/v1/patients/wasm1y/erasure' })).toBe(false);
    expect(ok({ ...REQ, query: 'a=1&b=3' })).toBe(false);
    expect(ok({ ...REQ, body: utf8Bytes('{"confirm": true}') })).toBe(false);
    expect(ok(REQ, OPTS.timestamp + 1)).toBe(false);
    expect(ok(REQ, OPTS.timestamp, 'n0nce-0000000002')).toBe(false);
    expect(verifyAdr036(rawKeySigner(new Uint8Array(32).fill(0x23), 'wasm').address, raw.publicKey, canonicalRequest(REQ, OPTS.timestamp, OPTS.nonce), sig)).toBe(false);
  });

  it('refuses a wallet that signs with another key, or returns a signature that does not verify', async () => {
    const raw = rawKeySigner(SECRET, 'wasm');
    const other = await Secp256k1Wallet.fromKey(new Uint8Array(32).fill(0x24), 'wasm');
    const [otherAccount] = await other.getAccounts();
    const wrongKey: SignArbitraryFn = async (c, _s, d) => keplrLike(other)(c, otherAccount!.address, d);
    await expect(signRequest(arbitrarySigner(wrongKey, 'c', raw.address, raw.publicKey), REQ, OPTS)).rejects.toThrow('another key');
    const wallet = await Secp256k1Wallet.fromKey(SECRET, 'wasm');
    const tampering: SignArbitraryFn = async (c, s, d): Promise<StdSignature> => {
      const sig = await keplrLike(wallet)(c, s, d);
      const bytes = fromBase64(sig.signature);
      bytes[5]! ^= 1;
      return { ...sig, signature: Buffer.from(bytes).toString('base64') };
    };
    await expect(signRequest(arbitrarySigner(tampering, 'c', raw.address, raw.publicKey), REQ, OPTS)).rejects.toThrow('does not verify');
  });

  it('refuses a malformed nonce before signing', async () => {
    await expect(signRequest(rawKeySigner(SECRET, 'wasm'), REQ, { nonce: 'short' })).rejects.toThrow('nonce "short"');
  });
});
