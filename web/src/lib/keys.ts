// A test keyring account's secp256k1 key from its mnemonic, as `wasmd keys add` and cosmjs's
// HD wallets derive it: the BIP-39 seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic"), then
// BIP-32 along m/44'/118'/0'/0/0. Done here with the platform's WebCrypto (or @noble/hashes) and
// @noble/curves, so that choosing an account needs none of cosmjs; the caller checks that the
// key gives the account's address.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hmac } from "@noble/hashes/hmac.js";
import { pbkdf2Async } from "@noble/hashes/pbkdf2.js";
import { sha512 } from "@noble/hashes/sha2.js";

const HARDENED = 0x8000_0000;
/** The Cosmos SDK's default path, m/44'/118'/0'/0/0. */
export const COSMOS_PATH = [44 + HARDENED, 118 + HARDENED, HARDENED, 0, 0];

const enc = new TextEncoder();

async function bip39Seed(mnemonic: string, passphrase = ""): Promise<Uint8Array> {
  const password = enc.encode(mnemonic.normalize("NFKD").trim().split(/\s+/).join(" "));
  const salt = enc.encode(`mnemonic${passphrase.normalize("NFKD")}`);
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    const key = await subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    return new Uint8Array(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-512", salt, iterations: 2048 }, key, 512));
  }
  // (no WebCrypto outside a secure context)
  return pbkdf2Async(sha512, password, salt, { c: 2048, dkLen: 64 });
}

const toBig = (b: Uint8Array) => BigInt(`0x${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("") || "0"}`);
const to32 = (n: bigint) => Uint8Array.from(n.toString(16).padStart(64, "0").match(/../g)!.map((h) => parseInt(h, 16)));
const ser32 = (i: number) => Uint8Array.from([i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]);

/** BIP-32 private key derivation on secp256k1. */
export function deriveSecp256k1(seed: Uint8Array, path: number[]): Uint8Array {
  const n = secp256k1.Point.CURVE().n;
  let I = hmac(sha512, enc.encode("Bitcoin seed"), seed);
  let k = toBig(I.slice(0, 32));
  let c = I.slice(32);
  if (k === 0n || k >= n) throw new Error("the seed gives no valid master key");
  for (const index of path) {
    const data = index >= HARDENED
      ? Uint8Array.from([0, ...to32(k), ...ser32(index)])
      : Uint8Array.from([...secp256k1.getPublicKey(to32(k), true), ...ser32(index)]);
    I = hmac(sha512, c, data);
    const il = toBig(I.slice(0, 32));
    k = (il + k) % n;
    if (il >= n || k === 0n) throw new Error(`the key at index ${index} is not valid (BIP-32: try the next one)`);
    c = I.slice(32);
  }
  return to32(k);
}

/** The account's 32-byte secret key from its mnemonic. */
export async function secretFromMnemonic(mnemonic: string, path = COSMOS_PATH): Promise<Uint8Array> {
  return deriveSecp256k1(await bip39Seed(mnemonic), path);
}
