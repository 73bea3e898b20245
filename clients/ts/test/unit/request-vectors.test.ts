// docs/encoding.md's ```request-vectors block: the same lines the relayer passes
// (packages/relayer/tests/request_vectors.rs).
import { describe, expect, it } from 'vitest';

import {
  adr036SignDocBytes, canonicalRequest, rawKeySigner, signRequest, toBase64, toHex, verifyAdr036,
} from '../../src/index.js';
import { documentedBlock } from './docs.js';

const REQUEST = {
  method: 'GET',
  path: '/v1/patients/wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr/readings',
  query: 'scope=glucose&to=1767229200&from=1767225600',
  body: new Uint8Array(),
};
const TIMESTAMP = 1_767_229_260;
const NONCE = 'diachain-vector-0001';

async function computed(): Promise<[string, string][]> {
  const signer = rawKeySigner(new Uint8Array(32).fill(0x22), 'wasm');
  const text = canonicalRequest(REQUEST, TIMESTAMP, NONCE);
  const signature = await signer.signArbitrary(text);
  expect(verifyAdr036(signer.address, signer.publicKey, text, signature)).toBe(true);
  const headers = await signRequest(signer, REQUEST, { timestamp: TIMESTAMP, nonce: NONCE });
  expect(headers['x-diachain-signature']).toBe(toBase64(signature));
  return [
    ['signer address', signer.address],
    ['canonical request (hex)', toHex(text)],
    ['sign doc', new TextDecoder().decode(adr036SignDocBytes(signer.address, text))],
    ['signature (base64)', toBase64(signature)],
    ['public key (base64)', headers['x-diachain-pubkey']],
  ];
}

describe('docs/encoding.md request vectors', () => {
  it('match the relayer byte for byte, and no others are listed', async () => {
    expect(documentedBlock('request-vectors')).toEqual(await computed());
  });
});
