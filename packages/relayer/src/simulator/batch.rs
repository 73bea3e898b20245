//! Batches: a device's readings are cut into a batch when `--batch-readings` are collected, or
//! earlier when the next reading falls on another UTC day (a batch's readings are of one day);
//! the header commits to their Merkle root and is signed by the device for the domain
//! (chain id, reading-anchors contract).

use cosmwasm_std::Binary;
use diachain_std::encoding::utc_day;
use diachain_std::{merkle, BatchHeader, Domain, Reading};

use super::keys::DeviceKey;
use super::SimError;
use crate::wire::{BatchRequest, ReadingJson};

/// Collects one device's readings into batches.
#[derive(Debug, Default)]
pub struct Batcher {
    pending: Vec<Reading>,
    size: usize,
}

impl Batcher {
    pub fn new(size: usize) -> Self {
        Batcher {
            pending: Vec::with_capacity(size),
            size: size.max(1),
        }
    }

    /// Adds a reading; returns a batch when one is complete: the pending readings when `r` is of
    /// another UTC day (then `r` starts the next batch), or the pending readings with `r` when
    /// they reach the batch size.
    pub fn push(&mut self, r: Reading) -> Option<Vec<Reading>> {
        let other_day = self
            .pending
            .first()
            .is_some_and(|f| utc_day(f.measured_at) != utc_day(r.measured_at));
        if other_day {
            let done = std::mem::take(&mut self.pending);
            self.pending.push(r);
            return Some(done);
        }
        self.pending.push(r);
        (self.pending.len() >= self.size).then(|| std::mem::take(&mut self.pending))
    }

    /// The readings collected but not yet in a batch, as the last batch (`None` if none).
    pub fn take(&mut self) -> Option<Vec<Reading>> {
        (!self.pending.is_empty()).then(|| std::mem::take(&mut self.pending))
    }

    /// Readings collected but not yet in a batch.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Renumbers the pending readings from `first_seq`; returns the seq after them (`None` on
    /// overflow, and nothing changes).
    pub fn renumber_pending(&mut self, first_seq: u64) -> Option<u64> {
        let moved = renumber(&self.pending, first_seq)?;
        let len = u64::try_from(moved.len()).ok()?;
        self.pending = moved;
        first_seq.checked_add(len)
    }
}

/// The signed `POST /v1/batches` body for `readings` (consecutive, of one device and day).
pub fn signed_request(
    key: &DeviceKey,
    readings: &[Reading],
    domain: &Domain,
) -> Result<BatchRequest, SimError> {
    let (Some(first), Some(last)) = (readings.first(), readings.last()) else {
        return Err(SimError::Invalid("an empty batch".into()));
    };
    let leaves = readings
        .iter()
        .map(Reading::leaf_hash)
        .collect::<Result<Vec<_>, _>>()?;
    let count = u32::try_from(readings.len())
        .map_err(|_| SimError::Invalid("too many readings in one batch".into()))?;
    let header = BatchHeader {
        device_id: first.device_id.clone(),
        first_seq: first.seq,
        last_seq: last.seq,
        count,
        first_time: first.measured_at,
        last_time: last.measured_at,
        root: Binary::new(merkle::root(&leaves).to_vec()),
        scopes: None,
    };
    let signature = key.sign(&header.sign_bytes(domain)?);
    Ok(BatchRequest {
        header,
        signature,
        readings: readings.iter().map(ReadingJson::from).collect(),
    })
}

/// The same readings numbered from `first_seq` (after the relayer reported a later head).
pub fn renumber(readings: &[Reading], first_seq: u64) -> Option<Vec<Reading>> {
    readings
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let seq = first_seq.checked_add(u64::try_from(i).ok()?)?;
            Some(Reading { seq, ..r.clone() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use cosmwasm_std::testing::MockApi;
    use diachain_std::crypto::verify_signature;
    use diachain_std::merkle::Hash;
    use diachain_std::KeyAlgorithm;

    use super::super::readings::{glucose_reading, GlucoseWalk};
    use super::*;

    const DAY0: u64 = 1_767_225_600;
    const DOMAIN: Domain<'static> = Domain {
        chain_id: "diachain-sim-1",
        contract: "wasm1anchors",
    };

    fn readings(first_seq: u64, first_time: u64, n: u64) -> Vec<Reading> {
        let mut walk = GlucoseWalk::new(1);
        (0..n)
            .map(|i| {
                glucose_reading(
                    "sim-cgm-1",
                    first_seq + i,
                    first_time + i * 300,
                    &mut walk,
                    300,
                )
            })
            .collect()
    }

    #[test]
    fn a_batch_is_cut_at_the_batch_size() {
        let mut b = Batcher::new(3);
        let mut out = vec![];
        for r in readings(1, DAY0, 7) {
            out.extend(b.push(r));
        }
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(out[1][0].seq, 4);
        assert_eq!(b.pending(), 1);
    }

    #[test]
    fn a_batch_is_cut_early_at_midnight_utc() {
        let mut b = Batcher::new(12);
        let rs = readings(1, DAY0 - 600, 4); // 23:50, 23:55, 00:00, 00:05
        assert!(b.push(rs[0].clone()).is_none());
        assert!(b.push(rs[1].clone()).is_none());
        let done = b.push(rs[2].clone()).unwrap();
        assert_eq!(done.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(b.pending(), 1);
    }

    #[test]
    fn the_signed_request_rebuilds_its_root_and_its_signature_verifies_for_every_algorithm() {
        let api = MockApi::default();
        for alg in [
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::Secp256r1,
            KeyAlgorithm::Secp256k1,
        ] {
            let key = DeviceKey::derive("seed", "sim-cgm-1", alg).unwrap();
            let rs = readings(41, DAY0, 12);
            let req = signed_request(&key, &rs, &DOMAIN).unwrap();
            let h = &req.header;
            assert_eq!((h.first_seq, h.last_seq, h.count), (41, 52, 12));
            assert_eq!((h.first_time, h.last_time), (DAY0, DAY0 + 11 * 300));
            let leaves: Vec<Hash> = req
                .readings
                .iter()
                .map(|r| r.to_reading().unwrap().leaf_hash().unwrap())
                .collect();
            assert_eq!(h.root.as_slice(), merkle::root(&leaves).as_slice());
            let sb = h.sign_bytes(&DOMAIN).unwrap();
            assert!(verify_signature(
                &api,
                &key.public_key(),
                &sb,
                &req.signature
            ));
            let other = Domain {
                chain_id: "other-1",
                ..DOMAIN
            };
            let sb = h.sign_bytes(&other).unwrap();
            assert!(!verify_signature(
                &api,
                &key.public_key(),
                &sb,
                &req.signature
            ));
        }
        assert!(signed_request(
            &DeviceKey::derive("s", "d", KeyAlgorithm::Ed25519).unwrap(),
            &[],
            &DOMAIN
        )
        .is_err());
    }

    #[test]
    fn renumbering_keeps_values_salts_and_times() {
        let rs = readings(1, DAY0, 3);
        let moved = renumber(&rs, 100).unwrap();
        assert_eq!(
            moved.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![100, 101, 102]
        );
        assert_eq!((moved[2].salt, moved[2].value), (rs[2].salt, rs[2].value));
        assert!(renumber(&rs, u64::MAX).is_none());
    }
}
