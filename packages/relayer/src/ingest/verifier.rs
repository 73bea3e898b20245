//! Device signature verification with parsed keys kept in memory.
//!
//! Ed25519 goes through `diachain_std::crypto::verify_signature` (cosmwasm-crypto, the code
//! the chain's host functions run). For P-256, decompressing the registered 33-byte key costs a
//! large share of a verification, so parsed keys are cached; the check itself is the host's:
//! the `p256` crate, high-S signatures normalised, ECDSA over SHA-256 of the sign-bytes.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use cosmwasm_std::testing::MockApi;
use diachain_std::crypto::{sha256, verify_signature, SIGNATURE_LEN};
use diachain_std::{KeyAlgorithm, PublicKey};
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};

/// Most parsed keys kept; the cache is emptied when it would grow past this.
const MAX_CACHED_KEYS: usize = 100_000;

#[derive(Default)]
pub struct Verifier {
    p256_keys: Mutex<HashMap<Vec<u8>, VerifyingKey>>,
}

impl Verifier {
    /// Whether `signature` over `sign_bytes` verifies with `key`.
    pub fn verify(&self, key: &PublicKey, sign_bytes: &[u8], signature: &[u8]) -> bool {
        match key.algorithm {
            KeyAlgorithm::Secp256r1 => self.verify_p256(key.key.as_slice(), sign_bytes, signature),
            _ => verify_signature(&MockApi::default(), key, sign_bytes, signature),
        }
    }

    fn verify_p256(&self, key: &[u8], sign_bytes: &[u8], signature: &[u8]) -> bool {
        if signature.len() != SIGNATURE_LEN {
            return false;
        }
        let Some(verifying_key) = self.p256_key(key) else {
            return false;
        };
        let Ok(mut sig) = Signature::from_slice(signature) else {
            return false;
        };
        if let Some(normalized) = sig.normalize_s() {
            sig = normalized;
        }
        verifying_key
            .verify_prehash(&sha256(sign_bytes), &sig)
            .is_ok()
    }

    fn p256_key(&self, key: &[u8]) -> Option<VerifyingKey> {
        let mut cache = self
            .p256_keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(k) = cache.get(key) {
            return Some(*k);
        }
        let well_formed = matches!((key.len(), key.first()), (33, Some(2 | 3)) | (65, Some(4)));
        let parsed = VerifyingKey::from_sec1_bytes(key)
            .ok()
            .filter(|_| well_formed)?;
        if cache.len() >= MAX_CACHED_KEYS {
            cache.clear();
        }
        cache.insert(key.to_vec(), parsed);
        Some(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diachain_std::testing::TestKey;

    #[test]
    fn p256_verification_agrees_with_the_chains_host_crypto_for_good_bad_and_high_s_signatures() {
        let api = MockApi::default();
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
        for sig in [good, high_s, bad, other, vec![0u8; 64], vec![1u8; 63]] {
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
