import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';

import { KeyAlgorithm, headerSignBytes, verifyHeaderSignature, verifySignature } from '../../src/index.js';
import { CHAIN_ID, CONTRACT, DOMAIN, header, testKey } from './fixtures.js';

const ALGORITHMS: KeyAlgorithm[] = ['ed25519', 'secp256k1', 'secp256r1'];

/** The same ECDSA signature with s replaced by n - s. */
function otherS(sig: Uint8Array, n: bigint): Uint8Array {
  const s = BigInt('0x' + Buffer.from(sig.slice(32)).toString('hex'));
  const flipped = (n - s).toString(16).padStart(64, '0');
  return new Uint8Array([...sig.slice(0, 32), ...Buffer.from(flipped, 'hex')]);
}

describe('header signatures', () => {
  it.each(ALGORITHMS)('%s: verify, and fail on another chain, contract, range, key or a short signature', (alg) => {
    const k = testKey(alg, 0x44);
    const good = headerSignBytes(header(), DOMAIN);
    const sig = k.sign(good);
    const key = { algorithm: alg, key: k.publicKey };
    expect(verifyHeaderSignature(header(), DOMAIN, key, sig)).toBe(true);
    expect(verifyHeaderSignature(header(), { chainId: 'diachain-2', contract: CONTRACT }, key, sig)).toBe(false);
    expect(verifyHeaderSignature(header(), { chainId: CHAIN_ID, contract: 'wasm1suhgf5svhu4usrurvxzlgn54ksxmn8gljarjtxqnapv8kjnp4nrss5maay' }, key, sig)).toBe(false);
    expect(verifyHeaderSignature({ ...header(), last_seq: 1045 }, DOMAIN, key, sig)).toBe(false);
    expect(verifySignature({ algorithm: alg, key: testKey(alg, 0x45).publicKey }, good, sig)).toBe(false);
    expect(verifySignature(key, good, sig.slice(0, 63))).toBe(false);
    const flipped = sig.slice();
    flipped[10]! ^= 1;
    expect(verifySignature(key, good, flipped)).toBe(false);
    if (k.uncompressed) expect(verifySignature({ algorithm: alg, key: k.uncompressed }, good, sig)).toBe(true);
  });

  it('accepts high-S ECDSA signatures, as the chain does', () => {
    const good = headerSignBytes(header(), DOMAIN);
    for (const [alg, n] of [['secp256k1', secp256k1.Point.CURVE().n], ['secp256r1', p256.Point.CURVE().n]] as const) {
      const k = testKey(alg, 0x46);
      const sig = k.sign(good);
      const key = { algorithm: alg, key: k.publicKey };
      expect(verifySignature(key, good, otherS(sig, n))).toBe(true);
    }
  });

  it('refuses malformed keys without throwing', () => {
    const good = headerSignBytes(header(), DOMAIN);
    const sig = testKey('secp256k1', 0x47).sign(good);
    expect(verifySignature({ algorithm: 'secp256k1', key: new Uint8Array(33).fill(2) }, good, sig)).toBe(false);
    expect(verifySignature({ algorithm: 'secp256k1', key: new Uint8Array(32) }, good, sig)).toBe(false);
    expect(verifySignature({ algorithm: 'ed25519', key: new Uint8Array(33) }, good, new Uint8Array(64))).toBe(false);
  });
});
