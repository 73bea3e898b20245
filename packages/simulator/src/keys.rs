//! Device keys derived from the simulator's seed: the same seed and device id give the same key
//! on every run, so a rerun finds its devices registered with their keys. Signing is
//! `diachain_relayer_types::gateway::DeviceKey`'s, as devices sign.

use diachain_relayer_types::gateway::DeviceKey;
use diachain_std::crypto::sha256;
use diachain_std::KeyAlgorithm;

use super::SimError;

/// Domain tag of the secret derivation; a change gives every seed new devices.
const KEY_TAG: &[u8] = b"DIACHAIN/SIM/KEY/v1";

/// The key of device `label` (the device id) for `seed`: the secret is
/// SHA-256(tag ‖ seed ‖ label ‖ algorithm ‖ attempt), the first attempt that is a valid
/// scalar (for ECDSA practically always the first).
pub fn derive_key(seed: &str, label: &str, algorithm: KeyAlgorithm) -> Result<DeviceKey, SimError> {
    (0u8..8)
        .find_map(|attempt| {
            DeviceKey::from_secret(algorithm, &secret(seed, label, algorithm, attempt))
        })
        .ok_or_else(|| SimError::Key {
            algorithm,
            label: label.to_string(),
        })
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
    use diachain_relayer_types::crypto::verify_device_signature;

    use super::*;

    #[test]
    fn keys_are_deterministic_per_seed_and_label_and_sign_verifiably_for_every_algorithm() {
        for alg in [
            KeyAlgorithm::Ed25519,
            KeyAlgorithm::Secp256r1,
            KeyAlgorithm::Secp256k1,
        ] {
            let a = derive_key("seed", "sim-cgm-1", alg).unwrap();
            let b = derive_key("seed", "sim-cgm-1", alg).unwrap();
            let c = derive_key("other", "sim-cgm-1", alg).unwrap();
            assert_eq!(a.public_key(), b.public_key());
            assert_ne!(a.public_key(), c.public_key());
            assert_eq!(a.algorithm(), alg);
            let sig = a.sign(b"message");
            assert!(verify_device_signature(&a.public_key(), b"message", &sig));
            assert!(!verify_device_signature(&c.public_key(), b"message", &sig));
        }
    }
}
