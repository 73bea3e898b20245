import { describe, expect, it } from 'vitest';

import { inclusionProof, leafHash, merkleRoot, nodeHash, rootFromProof, verifyInclusion } from '../../src/index.js';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(i >> 24, i >> 16, i >> 8, i)));
const flip = (b: Uint8Array, at: number, bit = 1) => {
  const c = b.slice();
  c[at]! ^= bit;
  return c;
};

describe('RFC 6962 Merkle trees', () => {
  it('every leaf of trees of size 1..40 has a verifying proof, and none past the end', () => {
    for (let n = 1; n <= 40; n++) {
      const l = leaves(n);
      const root = merkleRoot(l);
      for (let i = 0; i < n; i++) {
        expect(verifyInclusion(l[i]!, i, n, inclusionProof(l, i)!, root), `n=${n} i=${i}`).toBe(true);
      }
      expect(inclusionProof(l, n)).toBeUndefined();
    }
  });

  it('a flipped bit in the leaf, a sibling or the root, another index, size or path length fails', () => {
    for (let n = 1; n <= 24; n++) {
      const l = leaves(n);
      const root = merkleRoot(l);
      for (let i = 0; i < n; i++) {
        const p = inclusionProof(l, i)!;
        expect(verifyInclusion(flip(l[i]!, 0), i, n, p, root)).toBe(false);
        expect(verifyInclusion(l[i]!, i, n, p, flip(root, 31, 0x80))).toBe(false);
        p.forEach((_, s) => {
          const bad = p.map((h, k) => (k === s ? flip(h, 31, 0x80) : h));
          expect(verifyInclusion(l[i]!, i, n, bad, root)).toBe(false);
        });
        for (let j = 0; j < n; j++) if (j !== i) expect(verifyInclusion(l[i]!, j, n, p, root), `n=${n} i=${i} j=${j}`).toBe(false);
        expect(verifyInclusion(l[i]!, n, n, p, root)).toBe(false);
        expect(verifyInclusion(l[i]!, i, n, [...p, new Uint8Array(32).fill(7)], root)).toBe(false);
        if (p.length > 0) expect(verifyInclusion(l[i]!, i, n, p.slice(1), root)).toBe(false);
      }
    }
  });

  it('a path with a short entry or more than 64 entries does not rebuild a root', () => {
    const l = leaves(5);
    const p = inclusionProof(l, 2)!;
    expect(rootFromProof(l[2]!, 2, 5, [p[0]!.slice(0, 31), ...p.slice(1)])).toBeUndefined();
    expect(rootFromProof(l[0]!, 0, 2n ** 63n, Array(65).fill(l[1]))).toBeUndefined();
  });

  it('indexes above 2^32 use full 64-bit arithmetic', () => {
    // A one-leaf-deep path at the last index of a huge tree: the right edge carries up.
    const leaf = leaves(1)[0]!;
    const size = 2n ** 40n + 1n;
    const sibling = leaves(2)[1]!;
    expect(rootFromProof(leaf, size - 1n, size, [sibling])).toEqual(nodeHash(sibling, leaf));
  });

  it('a leaf cannot pose as an inner node, and odd trees do not duplicate the last leaf', () => {
    const l = leaves(4);
    const forged = new Uint8Array([...l[0]!, ...l[1]!]);
    expect(leafHash(forged)).not.toEqual(nodeHash(l[0]!, l[1]!));
    const three = leaves(3);
    expect(merkleRoot(three)).not.toEqual(merkleRoot([...three, three[2]!]));
  });
});
