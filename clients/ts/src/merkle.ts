// RFC 6962 / RFC 9162 Merkle trees over SHA-256, exactly as diachain-std's merkle.rs: leaf and
// node prefixes, split at the largest power of two below n, odd nodes carried up.
import { sha256 } from '@noble/hashes/sha2.js';

import { concatBytes, equalBytes } from './bytes.js';

export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;
/** Longest audit path accepted (as in Rust). */
export const MAX_PROOF_LEN = 64;

export function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256(concatBytes(Uint8Array.of(LEAF_PREFIX), leaf));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(Uint8Array.of(NODE_PREFIX), left, right));
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root of leaf hashes (SHA-256 of nothing for an empty list). */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array());
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/** The audit path of leaf `index`, siblings from the leaf up; `undefined` when out of range. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] | undefined {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) return undefined;
  const path: Uint8Array[] = [];
  collectPath(leaves, index, path);
  return path;
}

function collectPath(leaves: readonly Uint8Array[], index: number, path: Uint8Array[]): void {
  if (leaves.length <= 1) return;
  const k = splitPoint(leaves.length);
  if (index < k) {
    collectPath(leaves.slice(0, k), index, path);
    path.push(merkleRoot(leaves.slice(k)));
  } else {
    collectPath(leaves.slice(k), index - k, path);
    path.push(merkleRoot(leaves.slice(0, k)));
  }
}

/** The root that `path` rebuilds for `leaf` at `index` of `treeSize`; `undefined` if the path does not fit. */
export function rootFromProof(
  leaf: Uint8Array,
  index: number | bigint,
  treeSize: number | bigint,
  path: readonly Uint8Array[],
): Uint8Array | undefined {
  const size = BigInt(treeSize);
  let fn = BigInt(index);
  if (fn < 0n || fn >= size || path.length > MAX_PROOF_LEN) return undefined;
  let sn = size - 1n;
  let r = leaf;
  for (const p of path) {
    if (sn === 0n || p.length !== 32) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : undefined;
}

/** RFC 9162 inclusion check: `path` rebuilds `root` from `leaf` at `index` of a `treeSize`-leaf tree. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number | bigint,
  treeSize: number | bigint,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const rebuilt = rootFromProof(leaf, index, treeSize, path);
  return rebuilt !== undefined && equalBytes(rebuilt, root);
}
