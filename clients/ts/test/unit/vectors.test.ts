// docs/encoding.md's ```vectors block, byte for byte: the same lines the Rust side passes
// (packages/diachain-std/tests/vectors.rs), and no others.
import { describe, expect, it } from 'vitest';

import {
  KeyAlgorithm, bindSignBytes, deviceTag, encodeHeaderBody, encodeReading, headerSignBytes,
  inclusionProof, rotateSignBytes, toHex,
} from '../../src/index.js';
import { documentedBlock } from './docs.js';
import { DEVICE, DOMAIN, PATIENT, header, headerV2, leaves, mixedHeaderV2, reading, testKey } from './fixtures.js';

function computed(): [string, string][] {
  const l = leaves();
  const signBytes = headerSignBytes(header(), DOMAIN);
  const v: [string, string][] = [
    ['reading[0] leaf bytes', toHex(encodeReading(reading(0)))],
    ['reading[0] leaf hash', toHex(l[0]!)],
    ['device tag', toHex(deviceTag(DEVICE))],
    ['reading[1] leaf hash', toHex(l[1]!)],
    ['reading[2] leaf hash', toHex(l[2]!)],
    ['batch root', toHex(header().root as Uint8Array)],
    ['proof of reading[1]', inclusionProof(l, 1)!.map(toHex).join(',')],
    ['header body', toHex(encodeHeaderBody(header()))],
    ['header sign-bytes', toHex(signBytes)],
    ['header v2 body', toHex(encodeHeaderBody(headerV2()))],
    ['header v2 sign-bytes', toHex(headerSignBytes(headerV2(), DOMAIN))],
    ['ed25519 header v2 signature', toHex(testKey('ed25519', 0x11).sign(headerSignBytes(headerV2(), DOMAIN)))],
    ['mixed header v2 body', toHex(encodeHeaderBody(mixedHeaderV2()))],
    ['bind sign-bytes', toHex(bindSignBytes(DOMAIN, DEVICE, PATIENT, 0))],
  ];
  const keys: [KeyAlgorithm, number][] = [['ed25519', 0x11], ['secp256k1', 0x22], ['secp256r1', 0x33]];
  for (const [alg, seed] of keys) {
    const k = testKey(alg, seed);
    v.push([`${alg} public key`, toHex(k.publicKey)]);
    v.push([`${alg} header signature`, toHex(k.sign(signBytes))]);
    const next = testKey(alg, seed + 1).publicKey;
    v.push([`${alg} rotate sign-bytes`, toHex(rotateSignBytes(DOMAIN, DEVICE, alg, next, 7))]);
  }
  return v;
}

describe('docs/encoding.md vectors', () => {
  const documented = documentedBlock('vectors');
  const ours = computed();

  it('lists exactly the vectors this implementation computes', () => {
    expect(documented.map(([n]) => n)).toEqual(ours.map(([n]) => n));
  });

  it.each(ours)('%s matches byte for byte', (name, hex) => {
    expect(documented.find(([n]) => n === name)?.[1], `vector \`${name}\` differs from docs/encoding.md`).toBe(hex);
  });
});
