//! The devices of a seed. Device `i` has the id `sim-<kind>-<16 hex>` (SHA-256 of the seed,
//! kind and index), an algorithm drawn from the same hash against the configured shares, and
//! the key of [`DeviceKey::derive`]; none depends on the fleet size, so a rerun with the same
//! seed and more devices finds the first ones again.
//!
//! Each such device is a person's glucose sensor. What else the person has ([`Profile`]: a
//! pump, or a pen and an app, or nothing) is drawn from the seed and the sensor's id against the
//! configured shares; their pump, pen or app is a device of its own, `sim-<pump|pen|app>-<16
//! hex>` (SHA-256 of the seed, the sensor's id and the role), with its algorithm and key drawn
//! the same way.

use diachain_std::crypto::sha256;
use diachain_std::{DeviceKind, KeyAlgorithm};

use diachain_relayer_types::gateway::DeviceKey;

use super::keys::derive_key;
use super::therapy::{Logger, Therapy};
use super::SimError;

const ID_TAG: &[u8] = b"DIACHAIN/SIM/DEVICE/v1";
const COMPANION_TAG: &[u8] = b"DIACHAIN/SIM/COMPANION/v1";
const PROFILE_TAG: &[u8] = b"DIACHAIN/SIM/PROFILE/v1";

/// One simulated device.
pub struct SimDevice {
    pub id: String,
    pub kind: DeviceKind,
    pub key: DeviceKey,
}

/// What a device is to its person: their glucose sensor, or the device that logs their
/// therapy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Glucose,
    /// An insulin pump (kind `pump`): boluses, basal rates, temporary rates, the carbohydrates of
    /// its bolus calculator.
    Pump,
    /// A connected insulin pen (kind `pen`): boluses and long-acting doses.
    Pen,
    /// A phone app (kind `gateway`): the carbohydrates the person logs.
    App,
}

impl Role {
    /// The device kind of a therapy device (`None` for the glucose sensor, whose kind is the
    /// run's `--kind`).
    pub fn kind(self) -> Option<DeviceKind> {
        match self {
            Role::Glucose => None,
            Role::Pump => Some(DeviceKind::Pump),
            Role::Pen => Some(DeviceKind::Pen),
            Role::App => Some(DeviceKind::Gateway),
        }
    }

    /// Whose log the device streams (`None` for the glucose sensor).
    pub fn logger(self) -> Option<Logger> {
        match self {
            Role::Glucose => None,
            Role::Pump => Some(Logger::Pump),
            Role::Pen => Some(Logger::Pen),
            Role::App => Some(Logger::App),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Role::Glucose => "glucose",
            Role::Pump => "pump",
            Role::Pen => "pen",
            Role::App => "app",
        }
    }
}

/// The devices a person has besides their glucose sensor, and so their therapy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// Injections, nothing logged: only glucose streams.
    CgmOnly,
    /// A pump that logs everything.
    Pump,
    /// Injections with a connected pen, carbohydrates logged in an app.
    PensAndApp,
}

impl Profile {
    pub fn therapy(self) -> Therapy {
        match self {
            Profile::Pump => Therapy::Pump,
            Profile::CgmOnly | Profile::PensAndApp => Therapy::Injections,
        }
    }

    /// The person's therapy devices.
    pub fn companions(self) -> &'static [Role] {
        match self {
            Profile::CgmOnly => &[],
            Profile::Pump => &[Role::Pump],
            Profile::PensAndApp => &[Role::Pen, Role::App],
        }
    }

    /// The profile's name in the summary.
    pub fn name(self) -> &'static str {
        match self {
            Profile::CgmOnly => "cgm_only",
            Profile::Pump => "pump",
            Profile::PensAndApp => "pens_and_app",
        }
    }
}

/// Fractions of people on a pump and on pens with an app; the rest have their CGM only.
#[derive(Clone, Copy, Debug)]
pub struct ProfileShares {
    pub pump: f64,
    pub pens: f64,
}

impl ProfileShares {
    /// Checks that both are in 0..=1 and sum to at most 1.
    pub fn new(pump: f64, pens: f64) -> Result<Self, SimError> {
        let ok = |x: f64| (0.0..=1.0).contains(&x);
        if !ok(pump) || !ok(pens) || pump + pens > 1.0 {
            return Err(SimError::Invalid(format!(
                "people's shares must be within 0..1 and sum to at most 1 (pump {pump}, pens {pens})"
            )));
        }
        Ok(ProfileShares { pump, pens })
    }

    /// No therapy devices: everyone has their CGM only.
    pub fn none() -> Self {
        ProfileShares {
            pump: 0.0,
            pens: 0.0,
        }
    }

    fn pick(&self, u: f64) -> Profile {
        if u < self.pump {
            Profile::Pump
        } else if u < self.pump + self.pens {
            Profile::PensAndApp
        } else {
            Profile::CgmOnly
        }
    }
}

/// A simulated person: their glucose sensor, profile and therapy devices.
pub struct SimPerson {
    pub glucose: SimDevice,
    pub profile: Profile,
    pub companions: Vec<(Role, SimDevice)>,
}

impl SimPerson {
    /// All the person's devices, the glucose sensor first.
    pub fn devices(&self) -> impl Iterator<Item = (Role, &SimDevice)> {
        std::iter::once((Role::Glucose, &self.glucose))
            .chain(self.companions.iter().map(|(r, d)| (*r, d)))
    }
}

/// The first `count` people of `seed`: their glucose sensors are [`fleet`]'s devices.
pub fn people(
    seed: &str,
    kind: DeviceKind,
    count: u32,
    shares: AlgorithmShares,
    profiles: ProfileShares,
) -> Result<Vec<SimPerson>, SimError> {
    fleet(seed, kind, count, shares)?
        .into_iter()
        .map(|glucose| {
            let profile = profiles.pick(unit(&profile_digest(seed, &glucose.id)[..8]));
            let companions = profile
                .companions()
                .iter()
                .map(|role| Ok((*role, companion(seed, &glucose.id, *role, shares)?)))
                .collect::<Result<_, SimError>>()?;
            Ok(SimPerson {
                glucose,
                profile,
                companions,
            })
        })
        .collect()
}

/// The therapy device `role` of the person whose glucose sensor is `glucose_id`.
fn companion(
    seed: &str,
    glucose_id: &str,
    role: Role,
    shares: AlgorithmShares,
) -> Result<SimDevice, SimError> {
    let kind = role
        .kind()
        .ok_or_else(|| SimError::Invalid("the glucose sensor is not a therapy device".into()))?;
    let mut m = Vec::with_capacity(COMPANION_TAG.len() + seed.len() + glucose_id.len() + 24);
    m.extend_from_slice(COMPANION_TAG);
    for part in [
        seed.as_bytes(),
        glucose_id.as_bytes(),
        role.name().as_bytes(),
    ] {
        m.extend_from_slice(&(part.len() as u64).to_be_bytes());
        m.extend_from_slice(part);
    }
    let digest = sha256(&m);
    let id = format!("sim-{}-{}", role.name(), hex::encode(&digest[..8]));
    let key = derive_key(seed, &id, shares.pick(unit(&digest[8..16])))?;
    Ok(SimDevice { id, kind, key })
}

fn profile_digest(seed: &str, glucose_id: &str) -> [u8; 32] {
    let mut m = Vec::with_capacity(PROFILE_TAG.len() + seed.len() + glucose_id.len() + 16);
    m.extend_from_slice(PROFILE_TAG);
    for part in [seed.as_bytes(), glucose_id.as_bytes()] {
        m.extend_from_slice(&(part.len() as u64).to_be_bytes());
        m.extend_from_slice(part);
    }
    sha256(&m)
}

/// 53 bits of a hash as a uniform number in 0..1.
fn unit(bytes: &[u8]) -> f64 {
    let mut draw = [0u8; 8];
    draw.copy_from_slice(&bytes[..8]);
    (u64::from_be_bytes(draw) >> 11) as f64 / (1u64 << 53) as f64
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
            let key = derive_key(seed, &id, shares.pick(unit(&digest[8..16])))?;
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

    /// People's profiles follow the shares, each with its devices of the right kinds; they
    /// depend on the seed and the sensor only (not on how many people), and the glucose
    /// sensors are the fleet's devices.
    #[test]
    fn people_have_the_devices_of_their_profile_drawn_from_the_seed() {
        let keys = AlgorithmShares::new(0.5, 0.0).unwrap();
        let shares = ProfileShares::new(0.4, 0.35).unwrap();
        let many = people("p1", DeviceKind::Cgm, 300, keys, shares).unwrap();
        let count = |p: Profile| many.iter().filter(|x| x.profile == p).count();
        assert!(
            (90..=150).contains(&count(Profile::Pump)),
            "{}",
            count(Profile::Pump)
        );
        assert!((75..=135).contains(&count(Profile::PensAndApp)));
        assert!((45..=105).contains(&count(Profile::CgmOnly)));
        let sensors = fleet("p1", DeviceKind::Cgm, 300, keys).unwrap();
        let mut ids = std::collections::BTreeSet::new();
        for (p, sensor) in many.iter().zip(&sensors) {
            assert_eq!(p.glucose.id, sensor.id);
            let roles: Vec<Role> = p.companions.iter().map(|(r, _)| *r).collect();
            assert_eq!(roles, p.profile.companions());
            for (role, d) in p.devices() {
                assert!(ids.insert(d.id.clone()), "{} twice", d.id);
                if let Some(kind) = role.kind() {
                    assert_eq!(d.kind, kind);
                    assert!(
                        d.id.starts_with(&format!("sim-{}-", role.name())),
                        "{}",
                        d.id
                    );
                    assert_eq!(d.id.len(), format!("sim-{}-", role.name()).len() + 16);
                }
            }
        }
        let few = people("p1", DeviceKind::Cgm, 5, keys, shares).unwrap();
        for (a, b) in few.iter().zip(&many) {
            assert_eq!(a.profile, b.profile);
            let ids = |p: &SimPerson| {
                p.devices()
                    .map(|(_, d)| d.key.public_key())
                    .collect::<Vec<_>>()
            };
            assert_eq!(ids(a), ids(b));
        }
        let none = people("p1", DeviceKind::Cgm, 20, keys, ProfileShares::none()).unwrap();
        assert!(none
            .iter()
            .all(|p| p.profile == Profile::CgmOnly && p.companions.is_empty()));
        assert!(ProfileShares::new(0.6, 0.5).is_err());
        assert!(ProfileShares::new(0.2, -0.1).is_err());
    }
}
