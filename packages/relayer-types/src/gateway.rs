//! The gateway side of `POST /v1/batches`: a device's signing key, readings cut into batches
//! (at a batch size, or earlier at a UTC midnight: a batch's readings are of one day), and the
//! signed request for a batch, whose header commits to the readings' Merkle root and is signed
//! for the domain (chain id, reading-anchors contract). The gateway simulator
//! (`diachain-simulate`) and the relayer's Nightscout uploads (which sign with an uploader key
//! the relayer holds) build their batches here.
//!
//! Signing is what devices do: pure Ed25519 over the sign-bytes; ECDSA (P-256, secp256k1) over
//! SHA-256 of the sign-bytes with RFC 6979 nonces and a low S, which every verifier accepts.

use cosmwasm_std::Binary;
use diachain_std::encoding::ScopeCount;
use diachain_std::encoding::{utc_day, EncodingError};
use diachain_std::{merkle, BatchHeader, Domain, KeyAlgorithm, PublicKey, Reading};

use crate::wire::{BatchRequest, ReadingJson};

/// A device's (or a relayer-held uploader's) signing key.
pub enum DeviceKey {
    Ed25519(ed25519_dalek::SigningKey),
    Secp256r1(p256::ecdsa::SigningKey),
    Secp256k1(k256::ecdsa::SigningKey),
}

impl DeviceKey {
    /// The key of `algorithm` with secret scalar `secret`; `None` when it is not a valid
    /// scalar of the curve (never for Ed25519).
    pub fn from_secret(algorithm: KeyAlgorithm, secret: &[u8; 32]) -> Option<Self> {
        match algorithm {
            KeyAlgorithm::Ed25519 => Some(DeviceKey::Ed25519(
                ed25519_dalek::SigningKey::from_bytes(secret),
            )),
            KeyAlgorithm::Secp256r1 => p256::ecdsa::SigningKey::from_slice(secret)
                .ok()
                .map(DeviceKey::Secp256r1),
            KeyAlgorithm::Secp256k1 => k256::ecdsa::SigningKey::from_slice(secret)
                .ok()
                .map(DeviceKey::Secp256k1),
        }
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            DeviceKey::Ed25519(_) => KeyAlgorithm::Ed25519,
            DeviceKey::Secp256r1(_) => KeyAlgorithm::Secp256r1,
            DeviceKey::Secp256k1(_) => KeyAlgorithm::Secp256k1,
        }
    }

    /// The public key as registered: 32 bytes for Ed25519, compressed SEC1 for ECDSA.
    pub fn public_key(&self) -> PublicKey {
        let key = match self {
            DeviceKey::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            DeviceKey::Secp256r1(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
            DeviceKey::Secp256k1(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
        };
        PublicKey {
            algorithm: self.algorithm(),
            key: Binary::new(key),
        }
    }

    /// The 64-byte signature over `sign_bytes`.
    pub fn sign(&self, sign_bytes: &[u8]) -> Binary {
        use ed25519_dalek::Signer as _;
        let bytes = match self {
            DeviceKey::Ed25519(k) => k.sign(sign_bytes).to_bytes().to_vec(),
            DeviceKey::Secp256r1(k) => {
                let s: p256::ecdsa::Signature = k.sign(sign_bytes);
                s.normalize_s().unwrap_or(s).to_bytes().to_vec()
            }
            DeviceKey::Secp256k1(k) => {
                let s: k256::ecdsa::Signature = k.sign(sign_bytes);
                s.normalize_s().unwrap_or(s).to_bytes().to_vec()
            }
        };
        Binary::new(bytes)
    }
}

/// Why a batch cannot be built.
#[derive(thiserror::Error, Debug, PartialEq, Eq)]
pub enum BatchError {
    #[error("an empty batch")]
    Empty,
    #[error("too many readings in one batch")]
    TooMany,
    #[error("encoding: {0}")]
    Encoding(#[from] EncodingError),
}

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

/// The batch header format a gateway signs (`docs/encoding.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderVersion {
    /// Readings count under the scope of the device's kind and keep the kind's rate only.
    V1,
    /// The header lists the scopes of its readings, so that they count as what they are (a phone
    /// relaying glucose: glucose, not its kind's nutrition); each scope keeps its own rate too
    /// (`scope_min_interval_seconds`).
    V2,
}

/// The signed `POST /v1/batches` body for `readings` (consecutive, of one device and day), with
/// a header of `version`.
pub fn signed_request(
    key: &DeviceKey,
    readings: &[Reading],
    domain: &Domain,
    version: HeaderVersion,
) -> Result<BatchRequest, BatchError> {
    let (Some(first), Some(last)) = (readings.first(), readings.last()) else {
        return Err(BatchError::Empty);
    };
    let leaves = readings
        .iter()
        .map(Reading::leaf_hash)
        .collect::<Result<Vec<_>, _>>()?;
    let count = u32::try_from(readings.len()).map_err(|_| BatchError::TooMany)?;
    let header = BatchHeader {
        device_id: first.device_id.clone(),
        first_seq: first.seq,
        last_seq: last.seq,
        count,
        first_time: first.measured_at,
        last_time: last.measured_at,
        root: Binary::new(merkle::root(&leaves).to_vec()),
        scopes: match version {
            HeaderVersion::V1 => None,
            HeaderVersion::V2 => Some(ScopeCount::of_kinds(readings.iter().map(|r| r.kind))),
        },
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
    use diachain_std::encoding::{ReadingKind, Trend, Unit};
    use diachain_std::merkle::Hash;

    use super::*;
    use crate::crypto::verify_device_signature;

    const DAY0: u64 = 1_767_225_600;
    const DOMAIN: Domain<'static> = Domain {
        chain_id: "diachain-sim-1",
        contract: "wasm1anchors",
    };

    fn key(alg: KeyAlgorithm, seed: u8) -> DeviceKey {
        DeviceKey::from_secret(alg, &[seed; 32]).unwrap()
    }

    fn readings(first_seq: u64, first_time: u64, n: u64) -> Vec<Reading> {
        (0..n)
            .map(|i| Reading {
                salt: [i as u8; 16],
                device_id: "sim-cgm-1".into(),
                seq: first_seq + i,
                measured_at: first_time + i * 300,
                kind: ReadingKind::Glucose,
                unit: Unit::MgPerDl,
                value: 100_000 + 1_000 * i as i64,
                trend: Trend::Flat,
                flags: 0,
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
        for alg in [
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::Secp256r1,
            KeyAlgorithm::Secp256k1,
        ] {
            let key = key(alg, 0x41);
            let rs = readings(41, DAY0, 12);
            let req = signed_request(&key, &rs, &DOMAIN, HeaderVersion::V2).unwrap();
            let h = &req.header;
            assert_eq!((h.first_seq, h.last_seq, h.count), (41, 52, 12));
            // A version 2 header, listing the readings' scope.
            assert_eq!(
                h.scopes,
                Some(vec![ScopeCount {
                    scope: diachain_std::DataScope::Glucose,
                    readings: 12
                }])
            );
            assert_eq!((h.first_time, h.last_time), (DAY0, DAY0 + 11 * 300));
            let leaves: Vec<Hash> = req
                .readings
                .iter()
                .map(|r| r.to_reading().unwrap().leaf_hash().unwrap())
                .collect();
            assert_eq!(h.root.as_slice(), merkle::root(&leaves).as_slice());
            let sb = h.sign_bytes(&DOMAIN).unwrap();
            assert!(verify_device_signature(
                &key.public_key(),
                &sb,
                &req.signature
            ));
            let other = Domain {
                chain_id: "other-1",
                ..DOMAIN
            };
            let sb = h.sign_bytes(&other).unwrap();
            assert!(!verify_device_signature(
                &key.public_key(),
                &sb,
                &req.signature
            ));
            // Version 1: no list, the same root, a signature over the version 1 sign-bytes.
            let v1 = signed_request(&key, &rs, &DOMAIN, HeaderVersion::V1).unwrap();
            assert_eq!(
                (v1.header.scopes.as_ref(), &v1.header.root),
                (None, &h.root)
            );
            let sb = v1.header.sign_bytes(&DOMAIN).unwrap();
            assert_ne!(sb, h.sign_bytes(&DOMAIN).unwrap(), "another tag and body");
            assert!(verify_device_signature(
                &key.public_key(),
                &sb,
                &v1.signature
            ));
        }
        assert_eq!(
            signed_request(
                &key(KeyAlgorithm::Ed25519, 1),
                &[],
                &DOMAIN,
                HeaderVersion::V2
            )
            .unwrap_err(),
            BatchError::Empty
        );
    }

    #[test]
    fn keys_sign_verifiably_for_every_algorithm_and_only_valid_scalars_make_ecdsa_keys() {
        for alg in [
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::Secp256r1,
            KeyAlgorithm::Secp256k1,
        ] {
            let a = key(alg, 7);
            let c = key(alg, 8);
            assert_eq!(a.algorithm(), alg);
            assert_eq!(a.public_key(), key(alg, 7).public_key());
            let sig = a.sign(b"message");
            assert!(verify_device_signature(&a.public_key(), b"message", &sig));
            assert!(!verify_device_signature(&c.public_key(), b"message", &sig));
        }
        assert!(DeviceKey::from_secret(KeyAlgorithm::Secp256r1, &[0; 32]).is_none());
        assert!(DeviceKey::from_secret(KeyAlgorithm::Secp256k1, &[0xFF; 32]).is_none());
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
