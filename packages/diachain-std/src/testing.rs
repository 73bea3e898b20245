//! Deterministic device keys for tests (feature `testing`): they sign exactly as devices do
//! (pure Ed25519 over the sign-bytes; ECDSA P-256 / secp256k1 over SHA-256 of the sign-bytes,
//! low-S, RFC 6979 nonces), so contract tests exercise the real verification path.

use cosmwasm_std::Binary;
use ed25519_dalek::Signer as _;

use crate::device::{KeyAlgorithm, PublicKey};

pub enum TestKey {
    Ed25519(ed25519_dalek::SigningKey),
    Secp256k1(k256::ecdsa::SigningKey),
    Secp256r1(p256::ecdsa::SigningKey),
}

impl TestKey {
    /// The key whose secret is 32 bytes of `seed`: 1 to 254 (a secret of zeros is no key, and
    /// 32 bytes of 0xff exceed both ECDSA curves' order).
    ///
    /// # Panics
    ///
    /// For an ECDSA algorithm and `seed` 0 or 255.
    pub fn new(algorithm: KeyAlgorithm, seed: u8) -> Self {
        let secret = [seed; 32];
        match algorithm {
            KeyAlgorithm::Ed25519 => {
                TestKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&secret))
            }
            KeyAlgorithm::Secp256k1 => TestKey::Secp256k1(
                k256::ecdsa::SigningKey::from_slice(&secret).expect("valid k1 secret"),
            ),
            KeyAlgorithm::Secp256r1 => TestKey::Secp256r1(
                p256::ecdsa::SigningKey::from_slice(&secret).expect("valid r1 secret"),
            ),
        }
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            TestKey::Ed25519(_) => KeyAlgorithm::Ed25519,
            TestKey::Secp256k1(_) => KeyAlgorithm::Secp256k1,
            TestKey::Secp256r1(_) => KeyAlgorithm::Secp256r1,
        }
    }

    /// The public key as registered: 32 bytes for Ed25519, compressed SEC1 for ECDSA.
    pub fn public_key(&self) -> PublicKey {
        let key = match self {
            TestKey::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            TestKey::Secp256k1(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
            TestKey::Secp256r1(k) => k.verifying_key().to_encoded_point(true).as_bytes().to_vec(),
        };
        PublicKey {
            algorithm: self.algorithm(),
            key: Binary::new(key),
        }
    }

    /// The uncompressed SEC1 form (65 bytes) of an ECDSA key; `None` for Ed25519.
    pub fn uncompressed_public_key(&self) -> Option<Vec<u8>> {
        match self {
            TestKey::Ed25519(_) => None,
            TestKey::Secp256k1(k) => Some(
                k.verifying_key()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec(),
            ),
            TestKey::Secp256r1(k) => Some(
                k.verifying_key()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec(),
            ),
        }
    }

    /// A 64-byte signature over `sign_bytes`.
    pub fn sign(&self, sign_bytes: &[u8]) -> Binary {
        let sig = match self {
            TestKey::Ed25519(k) => k.sign(sign_bytes).to_bytes().to_vec(),
            TestKey::Secp256k1(k) => {
                let s: k256::ecdsa::Signature = k.sign(sign_bytes);
                s.to_bytes().to_vec()
            }
            TestKey::Secp256r1(k) => {
                let s: p256::ecdsa::Signature = k.sign(sign_bytes);
                s.to_bytes().to_vec()
            }
        };
        Binary::new(sig)
    }
}

/// A batch of generated readings, signed as a device would sign it.
#[derive(Clone, Debug)]
pub struct SignedBatch {
    pub header: crate::BatchHeader,
    pub signature: Binary,
    pub readings: Vec<crate::Reading>,
    pub leaves: Vec<crate::merkle::Hash>,
}

impl SignedBatch {
    /// The audit path of reading `seq`.
    pub fn proof(&self, seq: u64) -> Vec<crate::merkle::Hash> {
        let index = (seq - self.header.first_seq) as usize;
        crate::merkle::inclusion_proof(&self.leaves, index).expect("seq is in the batch")
    }
}

/// Builds `count` glucose readings `first_seq..` measured every `interval` seconds from
/// `first_time`, with deterministic salts, and signs their (version 1) batch header for
/// `domain`.
pub fn signed_batch(
    key: &TestKey,
    device_id: &str,
    first_seq: u64,
    count: u32,
    first_time: u64,
    interval: u64,
    domain: &crate::Domain,
) -> SignedBatch {
    let spec = BatchSpec {
        device_id,
        first_seq,
        count,
        first_time,
        interval,
    };
    sign(key, spec.readings(&[]), None, domain)
}

/// The same, with readings of `kinds` in turn (cycled: `[Glucose, InsulinBolus]` alternates),
/// in a version 2 header that lists their scopes.
#[allow(clippy::too_many_arguments)]
pub fn signed_batch_v2(
    key: &TestKey,
    device_id: &str,
    first_seq: u64,
    count: u32,
    first_time: u64,
    interval: u64,
    domain: &crate::Domain,
    kinds: &[crate::encoding::ReadingKind],
) -> SignedBatch {
    let spec = BatchSpec {
        device_id,
        first_seq,
        count,
        first_time,
        interval,
    };
    let readings = spec.readings(kinds);
    let scopes = crate::encoding::ScopeCount::of_kinds(readings.iter().map(|r| r.kind));
    sign(key, readings, Some(scopes), domain)
}

struct BatchSpec<'a> {
    device_id: &'a str,
    first_seq: u64,
    count: u32,
    first_time: u64,
    interval: u64,
}

impl BatchSpec<'_> {
    /// The readings, of `kinds` in turn (glucose when empty), with deterministic salts and
    /// values.
    fn readings(&self, kinds: &[crate::encoding::ReadingKind]) -> Vec<crate::Reading> {
        use crate::encoding::{ReadingKind, Trend, Unit};
        (0..u64::from(self.count))
            .map(|i| {
                let seq = self.first_seq + i;
                let mut salt = [0u8; crate::encoding::SALT_LEN];
                salt[..8].copy_from_slice(&seq.to_be_bytes());
                salt[8] = self.device_id.len() as u8;
                let kind = kinds
                    .get(i as usize % kinds.len().max(1))
                    .copied()
                    .unwrap_or(ReadingKind::Glucose);
                let unit = match kind.scope() {
                    crate::DataScope::Insulin => Unit::InsulinUnits,
                    crate::DataScope::Nutrition => Unit::Grams,
                    crate::DataScope::DeviceEvents => Unit::Count,
                    _ => Unit::MgPerDl,
                };
                crate::Reading {
                    salt,
                    device_id: self.device_id.to_string(),
                    seq,
                    measured_at: self.first_time + i * self.interval,
                    kind,
                    unit,
                    value: 90_000 + (seq.wrapping_mul(7_919) % 120_000) as i64,
                    trend: Trend::Flat,
                    flags: 0,
                }
            })
            .collect()
    }
}

/// Commits to the readings and signs their header.
fn sign(
    key: &TestKey,
    readings: Vec<crate::Reading>,
    scopes: Option<Vec<crate::encoding::ScopeCount>>,
    domain: &crate::Domain,
) -> SignedBatch {
    let leaves: Vec<_> = readings
        .iter()
        .map(|r| r.leaf_hash().expect("valid reading"))
        .collect();
    let (first, last) = (&readings[0], &readings[readings.len() - 1]);
    let header = crate::BatchHeader {
        device_id: first.device_id.clone(),
        first_seq: first.seq,
        last_seq: last.seq,
        count: readings.len() as u32,
        first_time: first.measured_at,
        last_time: last.measured_at,
        root: Binary::new(crate::merkle::root(&leaves).to_vec()),
        scopes,
    };
    let signature = key.sign(&header.sign_bytes(domain).expect("valid header"));
    SignedBatch {
        header,
        signature,
        readings,
        leaves,
    }
}

/// The `SubmitBatches` payload for these batches.
pub fn submission(batches: &[SignedBatch]) -> Binary {
    let pairs: Vec<_> = batches
        .iter()
        .map(|b| (b.header.clone(), b.signature.clone()))
        .collect();
    Binary::new(crate::anchors::encode_submission(&pairs).expect("valid batches"))
}
