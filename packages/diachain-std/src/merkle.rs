//! SHA-256 Merkle tree with RFC 6962 / RFC 9162 domain separation.
//!
//! * leaf hash  = SHA-256(0x00 || leaf bytes)
//! * node hash  = SHA-256(0x01 || left || right)
//! * a tree of `n > 1` leaves splits at `k`, the largest power of two smaller than `n`:
//!   `MTH(D[0..n]) = node(MTH(D[0..k]), MTH(D[k..n]))`.
//!
//! Because leaves and nodes carry distinct prefixes, a leaf can never be passed off as an
//! inner node (the second-preimage attack on unprefixed trees), and because odd nodes are
//! never duplicated, two different leaf lists never share a root (CVE-2012-2459).
//! An inclusion proof is the RFC 9162 audit path: the sibling hashes from the leaf upwards.

use sha2::{Digest, Sha256};

/// A 32-byte SHA-256 digest.
pub type Hash = [u8; 32];

pub const LEAF_PREFIX: u8 = 0x00;
pub const NODE_PREFIX: u8 = 0x01;
/// The longest audit path accepted by [`verify_inclusion`] (trees of up to 2^64 leaves).
pub const MAX_PROOF_LEN: usize = 64;

/// Hashes leaf bytes (for DiaChain, a reading's canonical encoding) with the leaf prefix.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(leaf);
    h.finalize().into()
}

/// Hashes two child hashes with the node prefix.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Largest power of two strictly smaller than `n` (`n >= 2`).
fn split_point(n: usize) -> usize {
    debug_assert!(n >= 2);
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The root of the tree over already-hashed leaves. The empty tree's root is SHA-256 of the
/// empty string, as in RFC 6962; DiaChain never anchors an empty batch.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split_point(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path proving `leaves[index]`, or `None` when `index` is out of range.
pub fn inclusion_proof(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut path = Vec::new();
    collect_path(leaves, index, &mut path);
    Some(path)
}

/// Every leaf's audit path at once (the same paths as [`inclusion_proof`]), in O(n log n)
/// rather than O(n) per leaf: each subtree's root is computed once.
pub fn inclusion_proofs(leaves: &[Hash]) -> Vec<Vec<Hash>> {
    let mut paths = vec![Vec::new(); leaves.len()];
    if !leaves.is_empty() {
        all_paths(leaves, &mut paths);
    }
    paths
}

/// Appends to `paths` (one per leaf, leaf upwards) the siblings within this subtree; its root.
fn all_paths(leaves: &[Hash], paths: &mut [Vec<Hash>]) -> Hash {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split_point(leaves.len());
    let (left_paths, right_paths) = paths.split_at_mut(k);
    let left = all_paths(&leaves[..k], left_paths);
    let right = all_paths(&leaves[k..], right_paths);
    left_paths.iter_mut().for_each(|p| p.push(right));
    right_paths.iter_mut().for_each(|p| p.push(left));
    node_hash(&left, &right)
}

fn collect_path(leaves: &[Hash], index: usize, path: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split_point(n);
    if index < k {
        collect_path(&leaves[..k], index, path);
        path.push(root(&leaves[k..]));
    } else {
        collect_path(&leaves[k..], index - k, path);
        path.push(root(&leaves[..k]));
    }
}

/// Recomputes the root from a leaf hash and its audit path (RFC 9162 §2.1.3.2).
/// Returns `None` when the index, size and path length do not fit together.
pub fn root_from_proof(leaf: &Hash, index: u64, tree_size: u64, path: &[Hash]) -> Option<Hash> {
    if index >= tree_size || path.len() > MAX_PROOF_LEN {
        return None;
    }
    let mut fn_ = index;
    let mut sn = tree_size - 1;
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some(r)
}

/// True when `path` proves that `leaf` sits at `index` in the tree of `tree_size` leaves
/// whose root is `expected_root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    tree_size: u64,
    path: &[Hash],
    expected_root: &Hash,
) -> bool {
    root_from_proof(leaf, index, tree_size, path).is_some_and(|r| &r == expected_root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u32).to_be_bytes()))
            .collect()
    }

    #[test]
    fn every_leaf_of_trees_of_size_1_to_33_has_a_verifying_proof() {
        for n in 1..=33 {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = inclusion_proof(&l, i).unwrap();
                assert!(
                    verify_inclusion(&l[i], i as u64, n as u64, &p, &r),
                    "n={n} i={i}"
                );
            }
            assert!(inclusion_proof(&l, n).is_none());
        }
    }

    #[test]
    fn tampered_leaf_sibling_index_or_size_fails_for_sizes_1_to_33() {
        for n in 1..=33usize {
            let l = leaves(n);
            let r = root(&l);
            for i in 0..n {
                let p = inclusion_proof(&l, i).unwrap();
                let mut bad_leaf = l[i];
                bad_leaf[0] ^= 1;
                assert!(!verify_inclusion(&bad_leaf, i as u64, n as u64, &p, &r));
                for s in 0..p.len() {
                    let mut bad = p.clone();
                    bad[s][31] ^= 0x80;
                    assert!(!verify_inclusion(&l[i], i as u64, n as u64, &bad, &r));
                }
                for j in 0..n {
                    if j != i {
                        assert!(
                            !verify_inclusion(&l[i], j as u64, n as u64, &p, &r),
                            "n={n} i={i} j={j}"
                        );
                    }
                }
                assert!(!verify_inclusion(&l[i], n as u64, n as u64, &p, &r));
                let mut longer = p.clone();
                longer.push([7u8; 32]);
                assert!(!verify_inclusion(&l[i], i as u64, n as u64, &longer, &r));
                if !p.is_empty() {
                    assert!(!verify_inclusion(&l[i], i as u64, n as u64, &p[1..], &r));
                }
            }
        }
    }

    #[test]
    fn a_leaf_cannot_pose_as_an_inner_node() {
        let l = leaves(4);
        let inner = node_hash(&l[0], &l[1]);
        // Presenting the inner node as a leaf of a 2-leaf tree [inner, node(l2,l3)] gives the
        // same root only if prefixes were absent; with prefixes the leaf hash of any bytes
        // differs from `inner`.
        let mut forged = vec![LEAF_PREFIX];
        forged.extend_from_slice(&l[0]);
        forged.extend_from_slice(&l[1]);
        assert_ne!(leaf_hash(&forged[1..]), inner);
    }

    #[test]
    fn odd_trees_do_not_duplicate_the_last_leaf() {
        let l = leaves(3);
        let mut dup = l.clone();
        dup.push(l[2]);
        assert_ne!(root(&l), root(&dup));
    }

    #[test]
    fn all_paths_at_once_are_each_leafs_own_path() {
        for n in 0..=40u8 {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&[i])).collect();
            let all = inclusion_proofs(&leaves);
            assert_eq!(all.len(), leaves.len());
            for (i, p) in all.iter().enumerate() {
                assert_eq!(
                    Some(p.clone()),
                    inclusion_proof(&leaves, i),
                    "n {n} leaf {i}"
                );
            }
        }
    }
}
