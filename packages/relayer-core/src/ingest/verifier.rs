//! Device signature verification with parsed keys kept in memory.
//!
//! Ed25519 (and secp256k1) goes through `diachain_std::crypto::verify_signature` with
//! `diachain_relayer_types::crypto::HostCrypto` (cosmwasm-crypto, the code the chain's host
//! functions run). P-256 checks the same thing as the host (ECDSA over
//! SHA-256 of the sign-bytes, r‖s, high-S accepted as the host accepts it after normalising)
//! but with `ring`'s assembly-optimised P-256, about five times faster here than the pure-Rust
//! `p256` crate the host uses (docs/benchmarks.md). Registered keys are parsed and decompressed
//! once by `p256` (33-byte compressed or 65-byte uncompressed SEC1; ring takes uncompressed
//! points) and cached. Tests check that both agree on good, bad and high-S signatures.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use diachain_relayer_types::crypto::verify_device_signature;
use diachain_std::crypto::SIGNATURE_LEN;
use diachain_std::{KeyAlgorithm, PublicKey};
use std::sync::Arc;

use p256::ecdsa::VerifyingKey;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

/// Most parsed keys kept; the cache is emptied when it would grow past this.
const MAX_CACHED_KEYS: usize = 100_000;

#[derive(Default)]
pub struct Verifier {
    /// Registered key bytes → the uncompressed SEC1 point.
    p256_keys: Mutex<HashMap<Vec<u8>, Arc<[u8]>>>,
}

impl Verifier {
    /// Whether `signature` over `sign_bytes` verifies with `key`.
    pub fn verify(&self, key: &PublicKey, sign_bytes: &[u8], signature: &[u8]) -> bool {
        match key.algorithm {
            KeyAlgorithm::Secp256r1 => self.verify_p256(key.key.as_slice(), sign_bytes, signature),
            _ => verify_device_signature(key, sign_bytes, signature),
        }
    }

    fn verify_p256(&self, key: &[u8], sign_bytes: &[u8], signature: &[u8]) -> bool {
        if signature.len() != SIGNATURE_LEN {
            return false;
        }
        let Some(point) = self.p256_key(key) else {
            return false;
        };
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &*point)
            .verify(sign_bytes, signature)
            .is_ok()
    }

    fn p256_key(&self, key: &[u8]) -> Option<Arc<[u8]>> {
        let mut cache = self
            .p256_keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(k) = cache.get(key) {
            return Some(k.clone());
        }
        let well_formed = matches!((key.len(), key.first()), (33, Some(2 | 3)) | (65, Some(4)));
        let parsed = VerifyingKey::from_sec1_bytes(key)
            .ok()
            .filter(|_| well_formed)?;
        let point: Arc<[u8]> = parsed.to_encoded_point(false).as_bytes().into();
        if cache.len() >= MAX_CACHED_KEYS {
            cache.clear();
        }
        cache.insert(key.to_vec(), point.clone());
        Some(point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diachain_relayer_types::crypto::HostCrypto;
    use diachain_std::crypto::verify_signature;
    use diachain_std::testing::TestKey;
    use p256::ecdsa::Signature;

    #[test]
    fn p256_verification_agrees_with_the_chains_host_crypto_for_good_bad_and_high_s_signatures() {
        let api = HostCrypto;
        let verifier = Verifier::default();
        let key = TestKey::new(KeyAlgorithm::Secp256r1, 0x33);
        let public = key.public_key();
        let message = b"DIACHAIN/BATCH/v1 test";
        let good = key.sign(message).to_vec();
        let high_s = {
            let sig = Signature::from_slice(&good).expect("sig");
            let (r, s) = sig.split_scalars();
            let flipped = Signature::from_scalars(r, -*s).expect("high-S");
            flipped.to_vec()
        };
        let mut bad = good.clone();
        bad[10] ^= 1;
        let other = TestKey::new(KeyAlgorithm::Secp256r1, 0x34)
            .sign(message)
            .to_vec();
        assert!(verifier.verify(&public, message, &good));
        assert!(
            verifier.verify(&public, message, &high_s),
            "the host accepts high-S"
        );
        // r or s out of range (≥ n, or 0) is refused by both.
        for sig in [
            good,
            high_s,
            bad,
            other,
            vec![0u8; 64],
            vec![0xFF; 64],
            vec![1u8; 63],
        ] {
            for _ in 0..2 {
                assert_eq!(
                    verifier.verify(&public, message, &sig),
                    verify_signature(&api, &public, message, &sig)
                );
            }
        }
        let uncompressed = PublicKey {
            algorithm: KeyAlgorithm::Secp256r1,
            key: key.uncompressed_public_key().expect("sec1").into(),
        };
        let sig = key.sign(message).to_vec();
        assert!(verifier.verify(&uncompressed, message, &sig));
    }
}
