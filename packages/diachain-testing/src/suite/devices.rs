//! The simulated devices of the story.

use std::collections::BTreeMap;

use diachain_std::registry::NewDevice;
use diachain_std::testing::TestKey;
use diachain_std::{DeviceKind, KeyAlgorithm};

use super::{Suite, CGM, CGM_REPLACEMENT, OTHER_CGM, PEN};

/// Every device the manufacturer makes in the story: id, kind, model, key algorithm, key seed.
const DEVICE_SPECS: [(&str, DeviceKind, &str, KeyAlgorithm, u8); 4] = [
    (
        CGM,
        DeviceKind::Cgm,
        "GlucoSense G7",
        KeyAlgorithm::Secp256r1,
        0x31,
    ),
    (
        PEN,
        DeviceKind::Pen,
        "DoseTrack Pen",
        KeyAlgorithm::Ed25519,
        0x32,
    ),
    (
        CGM_REPLACEMENT,
        DeviceKind::Cgm,
        "GlucoSense G7",
        KeyAlgorithm::Secp256r1,
        0x33,
    ),
    (
        OTHER_CGM,
        DeviceKind::Cgm,
        "GlucoSense G6",
        KeyAlgorithm::Secp256k1,
        0x34,
    ),
];

/// A simulated device: its registered identity, its signing key and its reading counter.
pub struct SimDevice {
    pub id: String,
    pub kind: DeviceKind,
    pub model: String,
    pub key: TestKey,
    /// The sequence number of the device's next reading.
    pub next_seq: u64,
}

impl SimDevice {
    /// What the manufacturer sends to register it.
    pub fn registration(&self) -> NewDevice {
        NewDevice {
            id: self.id.clone(),
            kind: self.kind,
            model: self.model.clone(),
            public_key: self.key.public_key(),
            key_custody: diachain_std::KeyCustody::Device,
        }
    }
}

/// Every device of the story, by id, each at the first reading of its sequence.
pub(super) fn story_devices() -> BTreeMap<String, SimDevice> {
    DEVICE_SPECS
        .iter()
        .map(|(id, kind, model, algorithm, seed)| {
            let device = SimDevice {
                id: id.to_string(),
                kind: *kind,
                model: model.to_string(),
                key: TestKey::new(*algorithm, *seed),
                next_seq: 1,
            };
            (id.to_string(), device)
        })
        .collect()
}

impl Suite {
    /// `relayer` registers a gateway whose key it holds (a Nightscout uploader's), seeded by
    /// `seed`; the suite signs its batches as the relayer would.
    pub fn register_held_key(&mut self, relayer: &cosmwasm_std::Addr, id: &str, seed: u8) {
        let key = TestKey::new(KeyAlgorithm::Secp256r1, seed);
        let register = diachain_std::registry::ExecuteMsg::RegisterDevices {
            devices: vec![NewDevice {
                id: id.to_string(),
                kind: DeviceKind::Gateway,
                model: "nightscout-uploader".to_string(),
                public_key: key.public_key(),
                key_custody: diachain_std::KeyCustody::Relayer,
            }],
        };
        let registry = self.registry.clone();
        self.exec(relayer, &registry, &register)
            .unwrap_or_else(|e| panic!("the relayer registers an uploader key: {e}"));
        self.devices.insert(
            id.to_string(),
            SimDevice {
                id: id.to_string(),
                kind: DeviceKind::Gateway,
                model: "nightscout-uploader".to_string(),
                key,
                next_seq: 1,
            },
        );
    }

    pub fn device_sim(&self, id: &str) -> &SimDevice {
        self.devices
            .get(id)
            .unwrap_or_else(|| panic!("no simulated device {id}"))
    }
}
