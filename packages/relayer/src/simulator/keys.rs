//! Device keys derived from the simulator's seed, signing exactly as devices do: pure Ed25519
//! over the sign-bytes; ECDSA (P-256, secp256k1) over SHA-256 of the sign-bytes with RFC 6979
//! nonces and a low S, which every verifier accepts.

use cosmwasm_std::Binary;
use diachain_std::crypto::sha256;
use diachain_std::{KeyAlgorithm, PublicKey};

use super::SimError;

/// Domain tag of the secret derivation; a change gives every seed new devices.
const KEY_TAG: &[u8] = b"DIACHAIN/SIM/KEY/v1";

/// A device's signing key.
pub enum DeviceKey {
    Ed25519(ed25519_dalek::SigningKey),
    Secp256r1(p256::ecdsa::SigningKey),
    Secp256k1(k256::ecdsa::SigningKey),
}

impl DeviceKey {
    /// The key of device `label` (the device id) for `seed`: the secret is
    /// SHA-256(tag ‖ seed ‖ label ‖ algorithm ‖ attempt), the first attempt that is a valid
    /// scalar (for ECDSA practically always the first).
    pub fn derive(seed: &str, label: &str, algorithm: KeyAlgorithm) -> Result<Self, SimError> {
        for attempt in 0u8..8 {
            let secret = secret(seed, label, algorithm, attempt);
            let key = match algorithm {
                KeyAlgorithm::Ed25519 => Some(DeviceKey::Ed25519(
                    ed25519_dalek::SigningKey::from_bytes(&secret),
                )),
                KeyAlgorithm::Secp256r1 => p256::ecdsa::SigningKey::from_slice(&secret)
                    .ok()
                    .map(DeviceKey::Secp256r1),
                KeyAlgorithm::Secp256k1 => k256::ecdsa::SigningKey::from_slice(&secret)
                    .ok()
                    .map(DeviceKey::Secp256k1),
            };
            if let Some(key) = key {
                return Ok(key);
            }
        }
        Err(SimError::Key(format!(
            "no valid {algorithm:?} key for {label}"
        )))
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

fn secret(seed: &str, label: &str, algorithm: KeyAlgorithm, attempt: u8) -> [u8; 32] {
    let mut m = Vec::with_capacity(KEY_TAG.len() + seed.len() + label.len() + 16);
    m.extend_from_slice(KEY_TAG);
    for part in [seed.as_bytes(), label.as_bytes()] {
        m.extend_from_slice(&(part.len() as u64).to_be_bytes());
        m.extend_from_slice(part);
    }
    m.push(algorithm.code());
    m.push(attempt);
    sha256(&m)
}

#[cfg(test)]
mod tests {
    use cosmwasm_std::testing::MockApi;
    use diachain_std::crypto::verify_signature;

    use super::*;

    #[test]
    fn keys_are_deterministic_per_seed_and_label_and_sign_verifiably_for_every_algorithm() {
        let api = MockApi::default();
        for alg in [
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::Secp256r1,
            KeyAlgorithm::Secp256k1,
        ] {
            let a = DeviceKey::derive("seed", "sim-cgm-1", alg).unwrap();
            let b = DeviceKey::derive("seed", "sim-cgm-1", alg).unwrap();
            let c = DeviceKey::derive("other", "sim-cgm-1", alg).unwrap();
            assert_eq!(a.public_key(), b.public_key());
            assert_ne!(a.public_key(), c.public_key());
            assert_eq!(a.algorithm(), alg);
            let sig = a.sign(b"message");
            assert!(verify_signature(&api, &a.public_key(), b"message", &sig));
            assert!(!verify_signature(&api, &c.public_key(), b"message", &sig));
        }
    }
}
