// The inputs of docs/encoding.md's test vectors.
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

import {
  BatchHeader, Domain, KeyAlgorithm, Reading, merkleRoot, readingLeafHash, scopeCountsOf,
} from '../../src/index.js';

export const CHAIN_ID = 'diachain-local-1';
export const CONTRACT = 'wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s0phg4d';
export const PATIENT = 'wasm1j2mmggve9m6fpuahtzvwcrj3rud9cqjz9vmqhr';
export const DEVICE = 'cgm-7f3a9c2e51d04b88';
export const DOMAIN: Domain = { chainId: CHAIN_ID, contract: CONTRACT };

export function reading(i: number): Reading {
  return {
    salt: Uint8Array.from({ length: 16 }, (_, j) => 16 * i + j),
    device_id: DEVICE,
    seq: 1042 + i,
    measured_at: 1_767_225_600 + 300 * i,
    kind: 'glucose',
    unit: 'mg_per_dl',
    value: [142_000, 145_000, 151_000][i]!,
    trend: 'flat',
    flags: 0,
  };
}

export const leaves = (): Uint8Array[] => [0, 1, 2].map((i) => readingLeafHash(reading(i)));

export function header(): BatchHeader {
  return {
    device_id: DEVICE,
    first_seq: 1042,
    last_seq: 1044,
    count: 3,
    first_time: 1_767_225_600,
    last_time: 1_767_226_200,
    root: merkleRoot(leaves()),
  };
}

/** The same header in version 2: its three glucose readings listed as one scope. */
export function headerV2(): BatchHeader {
  return { ...header(), scopes: scopeCountsOf([0, 1, 2].map((i) => reading(i).kind)) };
}

/** The encoding of several scopes: as if two readings were glucose and one an insulin dose. */
export function mixedHeaderV2(): BatchHeader {
  return { ...header(), scopes: [{ scope: 'glucose', readings: 2 }, { scope: 'insulin', readings: 1 }] };
}

/**
 * A test key as diachain-std's `TestKey::new(algorithm, seed)`: the secret is 32 bytes of `seed`.
 * Like the Rust crates it mirrors, secp256k1 (k256) signs with low S and P-256 (p256) does not
 * normalise S.
 */
export function testKey(algorithm: KeyAlgorithm, seed: number) {
  const secret = new Uint8Array(32).fill(seed);
  switch (algorithm) {
    case 'ed25519':
      return { publicKey: ed25519.getPublicKey(secret), sign: (m: Uint8Array) => ed25519.sign(m, secret), uncompressed: undefined };
    case 'secp256k1':
      return {
        publicKey: secp256k1.getPublicKey(secret, true),
        sign: (m: Uint8Array) => secp256k1.sign(m, secret, { prehash: true, lowS: true }),
        uncompressed: secp256k1.getPublicKey(secret, false),
      };
    case 'secp256r1':
      return {
        publicKey: p256.getPublicKey(secret, true),
        sign: (m: Uint8Array) => p256.sign(m, secret, { prehash: true, lowS: false }),
        uncompressed: p256.getPublicKey(secret, false),
      };
  }
}
