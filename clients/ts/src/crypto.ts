// Device signatures as diachain-std's crypto.rs checks them: pure Ed25519 over the sign-bytes;
// ECDSA secp256k1 / P-256 over SHA-256 of the sign-bytes, 64-byte r||s, compressed or
// uncompressed SEC1 keys, high-S accepted (the chain's host normalises it).
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

import { headerSignBytes } from './encoding.js';
import type { BatchHeader, Domain, KeyAlgorithm } from './encoding.js';

export const SIGNATURE_LEN = 64;

/** A device's public key as the registry holds it. */
export interface DevicePublicKey {
  algorithm: KeyAlgorithm;
  key: Uint8Array;
}

function wellFormedKey(k: DevicePublicKey): boolean {
  if (k.algorithm === 'ed25519') return k.key.length === 32;
  const [first] = k.key;
  return (k.key.length === 33 && (first === 2 || first === 3)) || (k.key.length === 65 && first === 4);
}

/** Whether `signature` is `key`'s over `signBytes`; false (never a throw) for malformed input. */
export function verifySignature(key: DevicePublicKey, signBytes: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LEN || !wellFormedKey(key)) return false;
  try {
    switch (key.algorithm) {
      case 'ed25519':
        return ed25519.verify(signature, signBytes, key.key, { zip215: true });
      case 'secp256k1':
        return secp256k1.verify(signature, signBytes, key.key, { prehash: true, lowS: false });
      case 'secp256r1':
        return p256.verify(signature, signBytes, key.key, { prehash: true, lowS: false });
    }
  } catch {
    return false;
  }
}

/** Whether `signature` is the device key's over the header's sign-bytes for `domain` (chain id + anchors contract). */
export function verifyHeaderSignature(header: BatchHeader, domain: Domain, key: DevicePublicKey, signature: Uint8Array): boolean {
  return verifySignature(key, headerSignBytes(header, domain), signature);
}
