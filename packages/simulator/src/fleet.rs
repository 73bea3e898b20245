//! The devices of a seed. Device `i` has the id `sim-<kind>-<16 hex>` (SHA-256 of the seed,
//! kind and index), an algorithm drawn from the same hash against the configured shares, and
//! the key of [`DeviceKey::derive`]; none depends on the fleet size, so a rerun with the same
//! seed and more devices finds the first ones again.

use diachain_std::crypto::sha256;
use diachain_std::{DeviceKind, KeyAlgorithm};

use diachain_relayer_types::gateway::DeviceKey;

use super::keys::derive_key;
use super::SimError;

const ID_TAG: &[u8] = b"DIACHAIN/SIM/DEVICE/v1";

/// One simulated device.
pub struct SimDevice {
    pub id: String,
    pub kind: DeviceKind,
    pub key: DeviceKey,
}

/// Fractions of the fleet with ECDSA keys; the rest are Ed25519.
#[derive(Clone, Copy, Debug)]
pub struct AlgorithmShares {
    pub secp256r1: f64,
    pub secp256k1: f64,
}

impl AlgorithmShares {
    /// Checks that both are in 0..=1 and sum to at most 1.
    pub fn new(secp256r1: f64, secp256k1: f64) -> Result<Self, SimError> {
        let ok = |x: f64| (0.0..=1.0).contains(&x);
        if !ok(secp256r1) || !ok(secp256k1) || secp256r1 + secp256k1 > 1.0 {
            return Err(SimError::Invalid(format!(
                "key shares must be within 0..1 and sum to at most 1 (P-256 {secp256r1}, secp256k1 {secp256k1})"
            )));
        }
        Ok(AlgorithmShares {
            secp256r1,
            secp256k1,
        })
    }

    /// The algorithm for a uniform draw `u` in `0..1`.
    fn pick(&self, u: f64) -> KeyAlgorithm {
        if u < self.secp256r1 {
            KeyAlgorithm::Secp256r1
        } else if u < self.secp256r1 + self.secp256k1 {
            KeyAlgorithm::Secp256k1
        } else {
            KeyAlgorithm::Ed25519
        }
    }
}

/// The first `count` devices of `seed` of `kind`.
pub fn fleet(
    seed: &str,
    kind: DeviceKind,
    count: u32,
    shares: AlgorithmShares,
) -> Result<Vec<SimDevice>, SimError> {
    (0..count)
        .map(|i| {
            let digest = device_digest(seed, kind, i);
            let id = format!("sim-{}-{}", kind_name(kind), hex::encode(&digest[..8]));
            let mut draw = [0u8; 8];
            draw.copy_from_slice(&digest[8..16]);
            // 53 bits of the hash as a uniform number in 0..1.
            let u = (u64::from_be_bytes(draw) >> 11) as f64 / (1u64 << 53) as f64;
            let key = derive_key(seed, &id, shares.pick(u))?;
            Ok(SimDevice { id, kind, key })
        })
        .collect()
}

fn device_digest(seed: &str, kind: DeviceKind, index: u32) -> [u8; 32] {
    let mut m = Vec::with_capacity(ID_TAG.len() + seed.len() + 16);
    m.extend_from_slice(ID_TAG);
    m.extend_from_slice(&(seed.len() as u64).to_be_bytes());
    m.extend_from_slice(seed.as_bytes());
    m.push(kind.code());
    m.extend_from_slice(&index.to_be_bytes());
    sha256(&m)
}

/// The kind's name as in contract messages (`cgm`, `gateway`, …).
pub fn kind_name(kind: DeviceKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("kind{}", kind.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_is_the_same_for_the_same_seed_whatever_its_size() {
        let shares = AlgorithmShares::new(0.5, 0.0).unwrap();
        let small = fleet("s1", DeviceKind::Cgm, 3, shares).unwrap();
        let big = fleet("s1", DeviceKind::Cgm, 10, shares).unwrap();
        for (a, b) in small.iter().zip(&big) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.key.public_key(), b.key.public_key());
        }
        assert!(big[0].id.starts_with("sim-cgm-") && big[0].id.len() == 24);
        let other = fleet("s2", DeviceKind::Cgm, 1, shares).unwrap();
        assert_ne!(other[0].id, big[0].id);
    }

    #[test]
    fn the_key_mix_follows_the_shares() {
        let shares = AlgorithmShares::new(0.5, 0.0).unwrap();
        let devices = fleet("mix", DeviceKind::Cgm, 200, shares).unwrap();
        let p256 = devices
            .iter()
            .filter(|d| d.key.algorithm() == KeyAlgorithm::Secp256r1)
            .count();
        assert!((70..=130).contains(&p256), "{p256} of 200");
        let all_ed = fleet(
            "mix",
            DeviceKind::Cgm,
            20,
            AlgorithmShares::new(0.0, 0.0).unwrap(),
        )
        .unwrap();
        assert!(all_ed
            .iter()
            .all(|d| d.key.algorithm() == KeyAlgorithm::Ed25519));
        assert!(AlgorithmShares::new(0.7, 0.5).is_err());
        assert!(AlgorithmShares::new(-0.1, 0.0).is_err());
    }
}
