//! The dataset's root: RFC 9162 over the rows' leaves, computed as the rows stream by.

use diachain_std::merkle::{self, leaf_hash, node_hash, Hash};

/// What every row's leaf opens with: a row's leaf hash can never be a reading's (whose leaf
/// opens with the version byte 1) or another format's.
pub const ROW_DOMAIN: &[u8] = b"diachain-dataset-row/v1\n";

/// A row's Merkle leaf: `leaf_hash(ROW_DOMAIN ++ line)`, `line` the row's canonical text
/// (without its `\n`).
pub fn row_leaf(line: &str) -> Hash {
    let mut bytes = Vec::with_capacity(ROW_DOMAIN.len() + line.len());
    bytes.extend_from_slice(ROW_DOMAIN);
    bytes.extend_from_slice(line.as_bytes());
    leaf_hash(&bytes)
}

/// The root of [`diachain_std::merkle::root`], one leaf hash at a time, in O(log n) memory:
/// the roots of the perfect subtrees so far (one per bit set in the count, largest first),
/// joined right to left at the end.
#[derive(Clone, Debug, Default)]
pub struct MerkleBuilder {
    stack: Vec<Hash>,
    count: u64,
}

impl MerkleBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = leaf;
        let mut n = self.count;
        // Each trailing 1 bit of the count is a perfect subtree of the size the new node now
        // reaches: join them.
        while n & 1 == 1 {
            let left = self
                .stack
                .pop()
                .expect("one subtree per bit set in the count");
            node = node_hash(&left, &node);
            n >>= 1;
        }
        self.stack.push(node);
        self.count += 1;
    }

    /// Leaves pushed so far.
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The root of the leaves so far (SHA-256 of nothing for none, as `merkle::root`).
    pub fn root(&self) -> Hash {
        let mut nodes = self.stack.iter().rev();
        match nodes.next() {
            None => merkle::root(&[]),
            Some(last) => nodes.fold(*last, |right, left| node_hash(left, &right)),
        }
    }

    pub fn finish(self) -> Hash {
        self.root()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize, seed: u64) -> Vec<Hash> {
        (0..n as u64)
            .map(|i| leaf_hash(&(i ^ seed.rotate_left(17)).to_be_bytes()))
            .collect()
    }

    #[test]
    fn the_streamed_root_is_merkle_root_for_every_size_up_to_300() {
        let l = leaves(300, 1);
        let mut b = MerkleBuilder::new();
        assert_eq!(b.root(), merkle::root(&[]));
        for n in 1..=300 {
            b.push(l[n - 1]);
            assert_eq!(b.len(), n as u64);
            assert_eq!(b.root(), merkle::root(&l[..n]), "n {n}");
            assert!(b.stack.len() <= 9, "n {n}: {} nodes held", b.stack.len());
        }
    }

    #[test]
    fn the_streamed_root_is_merkle_root_for_random_larger_sizes() {
        // A fixed xorshift, so a failure names its size and repeats.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..12 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = 301 + (x % 9_000) as usize;
            let l = leaves(n, x);
            let mut b = MerkleBuilder::new();
            l.iter().for_each(|h| b.push(*h));
            assert!(b.stack.len() as u32 <= n.count_ones());
            assert_eq!(b.finish(), merkle::root(&l), "n {n}");
        }
        for n in [511, 512, 513, 1023, 1024, 1025, 4096, 65_537] {
            let l = leaves(n, 7);
            let mut b = MerkleBuilder::new();
            l.iter().for_each(|h| b.push(*h));
            assert_eq!(b.finish(), merkle::root(&l), "n {n}");
        }
    }

    #[test]
    fn a_rows_leaf_is_the_prefixed_line_under_the_leaf_prefix() {
        let line = "P-0123456789abcdef,0,2026-01-01T00:00:00Z,glucose,glucose,142,mg_per_dl,flat,0";
        assert_eq!(
            row_leaf(line),
            leaf_hash(format!("diachain-dataset-row/v1\n{line}").as_bytes())
        );
        assert_ne!(row_leaf(line), leaf_hash(line.as_bytes()));
    }
}
