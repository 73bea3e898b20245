//! Numbers and records as the PostgreSQL store keeps them.

use crate::store::{AnchorState, StoreError, StoredBatch};

/// The order-preserving map of an unsigned 64-bit number onto a `bigint` (the top bit flipped):
/// `a < b` exactly when `key(a) < key(b)`, over the whole range.
pub(crate) const fn key(v: u64) -> i64 {
    (v ^ (1 << 63)) as i64
}

/// The inverse of [`key`].
pub(crate) const fn unkey(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

/// A number the store makes itself (an id, a count): non-negative.
pub(crate) fn id(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt(format!("number {v} out of range")))
}

/// The inverse of [`id`].
pub(crate) fn unid(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative number {v}")))
}

/// A `limit` as SQL takes it.
pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn encode_batch(b: &StoredBatch) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(b).map_err(|e| StoreError::Corrupt(format!("batch record: {e}")))
}

pub(crate) fn decode_batch(bytes: &[u8]) -> Result<StoredBatch, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("batch record: {e}")))
}

/// The `state` column of an anchoring state.
pub(crate) fn state_name(s: &AnchorState) -> &'static str {
    match s {
        AnchorState::Pending => "pending",
        AnchorState::InFlight { .. } => "in_flight",
        AnchorState::Anchored { .. } => "anchored",
        AnchorState::Failed { .. } => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_keeps_the_order_of_the_whole_range() {
        let values = [
            0,
            1,
            2,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX - 1,
            u64::MAX,
        ];
        for w in values.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} < {}", w[0], w[1]);
        }
        for v in values {
            assert_eq!(unkey(key(v)), v);
        }
        assert_eq!(key(0), i64::MIN);
        assert_eq!(key(u64::MAX), i64::MAX);
    }

    #[test]
    fn ids_outside_bigint_are_refused() {
        assert_eq!(id(5).unwrap(), 5);
        assert!(id(u64::MAX).is_err());
        assert!(unid(-1).is_err());
    }
}
