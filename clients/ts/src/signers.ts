// Signing a relayer request three ways, all giving the same ADR-036 signature: a raw secp256k1
// key, a cosmjs `OfflineAminoSigner` (signAmino over the ADR-036 StdSignDoc), or a
// Keplr-compatible `signArbitrary(chainId, signer, data)`. Each result is checked before use:
// the key must be the address's and the signature must verify over the sign doc.
import type { OfflineAminoSigner, StdSignature } from '@cosmjs/amino';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { fromBase64, toBase64 } from './bytes.js';
import {
  H_ADDRESS, H_NONCE, H_PUBLIC_KEY, H_SIGNATURE, H_TIMESTAMP, RequestParts, SignedHeaders,
  addressOf, adr036SignDocBytes, adr036StdSignDoc, canonicalRequest, wellFormedNonce,
} from './request.js';

/** What signs a request: its address, its compressed public key, and ADR-036 over `data`. */
export interface RequestSigner {
  address: string;
  publicKey: Uint8Array;
  /** 64-byte r||s over SHA-256 of the ADR-036 sign doc of `data`. */
  signArbitrary(data: Uint8Array): Promise<Uint8Array>;
}

/** Keplr's (and Leap's) `window.keplr.signArbitrary`. */
export type SignArbitraryFn = (chainId: string, signer: string, data: string | Uint8Array) => Promise<StdSignature>;

/** A signer from a raw 32-byte secp256k1 secret (tests, scripts). Deterministic, low S. */
export function rawKeySigner(secret: Uint8Array, prefix: string): RequestSigner {
  const publicKey = secp256k1.getPublicKey(secret, true);
  const address = addressOf(publicKey, prefix);
  return {
    address,
    publicKey,
    signArbitrary: (data) => Promise.resolve(secp256k1.sign(adr036SignDocBytes(address, data), secret, { prehash: true, lowS: true })),
  };
}

/** A signer from a cosmjs `OfflineAminoSigner` (a `Secp256k1HdWallet`, Keplr's `getOfflineSignerOnlyAmino`, ...). */
export async function aminoSigner(signer: OfflineAminoSigner, address?: string): Promise<RequestSigner> {
  const accounts = await signer.getAccounts();
  const account = address === undefined ? accounts[0] : accounts.find((a) => a.address === address);
  if (account === undefined) throw new Error(address === undefined ? 'the signer has no accounts' : `the signer holds no account ${address}`);
  if (account.algo !== 'secp256k1') throw new Error(`account ${account.address} is ${account.algo}; ADR-036 needs secp256k1`);
  return {
    address: account.address,
    publicKey: account.pubkey,
    signArbitrary: async (data) => {
      const res = await signer.signAmino(account.address, adr036StdSignDoc(account.address, data));
      return checked(account.address, account.pubkey, data, res.signature);
    },
  };
}

/** A signer from a Keplr-compatible `signArbitrary` and the account's address and public key (`getKey`). */
export function arbitrarySigner(signArbitrary: SignArbitraryFn, chainId: string, address: string, publicKey: Uint8Array): RequestSigner {
  return {
    address,
    publicKey,
    signArbitrary: async (data) => checked(address, publicKey, data, await signArbitrary(chainId, address, data)),
  };
}

function checked(address: string, publicKey: Uint8Array, data: Uint8Array, sig: StdSignature): Uint8Array {
  if (toBase64(publicKey) !== sig.pub_key.value) throw new Error(`the wallet signed with another key than ${address}'s`);
  const signature = fromBase64(sig.signature);
  if (!verifyAdr036(address, publicKey, data, signature)) throw new Error('the wallet\'s signature does not verify over the ADR-036 sign doc');
  return signature;
}

/** Checks an ADR-036 signature as the relayer does: low S, over SHA-256 of the sign doc. */
export function verifyAdr036(address: string, publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return secp256k1.verify(signature, sha256(adr036SignDocBytes(address, data)), publicKey, { prehash: false, lowS: true });
  } catch {
    return false;
  }
}

/** A fresh nonce: 32 hex characters from the platform's CSPRNG. */
export function randomNonce(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Signs a request and returns its five `x-diachain-*` headers. */
export async function signRequest(
  signer: RequestSigner,
  request: RequestParts,
  opts: { timestamp?: number; nonce?: string } = {},
): Promise<SignedHeaders> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = opts.nonce ?? randomNonce();
  if (!wellFormedNonce(nonce)) throw new Error(`nonce "${nonce}" is not 16-64 of A-Z a-z 0-9 - _`);
  const signature = await signer.signArbitrary(canonicalRequest(request, timestamp, nonce));
  return {
    [H_ADDRESS]: signer.address,
    [H_PUBLIC_KEY]: toBase64(signer.publicKey),
    [H_TIMESTAMP]: String(timestamp),
    [H_NONCE]: nonce,
    [H_SIGNATURE]: toBase64(signature),
  };
}
