use cosmwasm_std::Binary;
use diachain_std::crypto::KeyError;
use diachain_std::device::{DeviceIdError, ModelError, Role, MAX_MODEL_LEN};
use diachain_std::registry::MAX_DEVICES_PER_REGISTRATION;
use diachain_std::testing::TestKey;
use diachain_std::{DeviceKind, DeviceStatus, KeyAlgorithm, PublicKey};

use super::{new_device, Fx};
use crate::assert_err;
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::ContractError;

#[test]
fn a_manufacturer_registers_devices_of_every_key_algorithm_at_once() {
    let mut fx = Fx::new();
    let maker = fx.maker.clone();
    let keys: Vec<_> = KeyAlgorithm::ALL
        .iter()
        .map(|a| TestKey::new(*a, 7))
        .collect();
    let devices = vec![
        new_device("cgm-aaaa0001", DeviceKind::Cgm, &keys[0]),
        new_device("pump-aaaa002", DeviceKind::Pump, &keys[1]),
        new_device("pen-aaaa0003", DeviceKind::Pen, &keys[2]),
    ];
    let res = fx
        .exec(&maker, ExecuteMsg::RegisterDevices { devices })
        .unwrap();
    assert!(res
        .attributes
        .iter()
        .any(|a| a.key == "count" && a.value == "3"));
    let d = fx.device("pen-aaaa0003");
    assert_eq!(d.public_key, keys[2].public_key());
    assert_eq!(
        (d.kind, d.owner, d.status, d.nonce, d.key_version),
        (DeviceKind::Pen, None, DeviceStatus::Active, 0, 0)
    );
    assert_eq!(d.manufacturer, maker);
    assert_eq!(d.registered_at, fx.env.block.time);
}

#[test]
fn only_an_admitted_unsuspended_manufacturer_registers() {
    let mut fx = Fx::new();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    let msg = || ExecuteMsg::RegisterDevices {
        devices: vec![new_device("cgm-bbbb0001", DeviceKind::Cgm, &key)],
    };
    for sender in [
        fx.relayer.clone(),
        fx.stranger.clone(),
        fx.admin.clone(),
        fx.patient.clone(),
    ] {
        assert_err!(
            fx.exec(&sender, msg()),
            ContractError::NotAdmitted {
                role: Role::Manufacturer,
                ..
            }
        );
    }
    let (admin, maker) = (fx.admin.clone(), fx.maker.clone());
    fx.exec(
        &admin,
        ExecuteMsg::SuspendParticipant {
            role: Role::Manufacturer,
            address: maker.to_string(),
            reason: "audit".into(),
        },
    )
    .unwrap();
    assert_err!(
        fx.exec(&maker, msg()),
        ContractError::ParticipantSuspended { .. }
    );
}

#[test]
fn empty_oversized_and_duplicate_registrations_are_refused() {
    let mut fx = Fx::new();
    let maker = fx.maker.clone();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    assert_err!(
        fx.exec(&maker, ExecuteMsg::RegisterDevices { devices: vec![] }),
        ContractError::NoDevices
    );
    let too_many = (0..=MAX_DEVICES_PER_REGISTRATION)
        .map(|i| new_device(&format!("cgm-{i:08}"), DeviceKind::Cgm, &key))
        .collect();
    assert_err!(
        fx.exec(&maker, ExecuteMsg::RegisterDevices { devices: too_many }),
        ContractError::TooManyDevices { .. }
    );
    let twice = vec![
        new_device("cgm-dup00001", DeviceKind::Cgm, &key),
        new_device("cgm-dup00001", DeviceKind::Cgm, &key),
    ];
    assert_err!(
        fx.exec(&maker, ExecuteMsg::RegisterDevices { devices: twice }),
        ContractError::DuplicateDevice { .. }
    );
    fx.register("cgm-exists01", KeyAlgorithm::Ed25519, 2);
    let again = vec![new_device("cgm-exists01", DeviceKind::Cgm, &key)];
    assert_err!(
        fx.exec(&maker, ExecuteMsg::RegisterDevices { devices: again }),
        ContractError::DeviceExists { .. }
    );
}

#[test]
fn bad_ids_models_and_keys_are_refused() {
    let mut fx = Fx::new();
    let maker = fx.maker.clone();
    let key = TestKey::new(KeyAlgorithm::Secp256r1, 1);
    let one = |d| ExecuteMsg::RegisterDevices { devices: vec![d] };
    assert_err!(
        fx.exec(&maker, one(new_device("short", DeviceKind::Cgm, &key))),
        ContractError::InvalidDeviceId {
            source: DeviceIdError::Length(5),
            ..
        }
    );
    assert_err!(
        fx.exec(
            &maker,
            one(new_device("has space 123", DeviceKind::Cgm, &key))
        ),
        ContractError::InvalidDeviceId {
            source: DeviceIdError::Charset,
            ..
        }
    );
    let mut no_model = new_device("cgm-model001", DeviceKind::Cgm, &key);
    no_model.model = String::new();
    assert_err!(
        fx.exec(&maker, one(no_model)),
        ContractError::InvalidModel {
            source: ModelError::Length(0),
            ..
        }
    );
    let mut long_model = new_device("cgm-model002", DeviceKind::Cgm, &key);
    long_model.model = "G".repeat(MAX_MODEL_LEN + 1);
    assert_err!(
        fx.exec(&maker, one(long_model)),
        ContractError::InvalidModel {
            source: ModelError::Length(_),
            ..
        }
    );
    // A model is a product name, not a place for a serial number, a name or a note: letters,
    // digits, spaces and a few separators only.
    for text in ["G7\nSN:4711", "Libre 3 – Jörg", "pump#123", "x\u{0}"] {
        let mut odd_model = new_device("cgm-model003", DeviceKind::Cgm, &key);
        odd_model.model = text.to_string();
        assert_err!(
            fx.exec(&maker, one(odd_model)),
            ContractError::InvalidModel {
                source: ModelError::Charset,
                ..
            }
        );
    }
    let mut fine_model = new_device("cgm-model004", DeviceKind::Cgm, &key);
    fine_model.model = "Omnipod 5 (EU) v2.1/b_c-d+e,f".to_string();
    fx.exec(&maker, one(fine_model)).unwrap();
    let mut short_key = new_device("cgm-key00001", DeviceKind::Cgm, &key);
    short_key.public_key = PublicKey {
        algorithm: KeyAlgorithm::Ed25519,
        key: Binary::new(vec![1; 31]),
    };
    assert_err!(
        fx.exec(&maker, one(short_key)),
        ContractError::InvalidKey {
            source: KeyError::Length { .. },
            ..
        }
    );
    let mut off_curve = new_device("cgm-key00002", DeviceKind::Cgm, &key);
    let mut bytes = vec![0x02];
    bytes.extend([0xff; 32]);
    off_curve.public_key = PublicKey {
        algorithm: KeyAlgorithm::Secp256r1,
        key: Binary::new(bytes),
    };
    assert_err!(
        fx.exec(&maker, one(off_curve)),
        ContractError::InvalidKey {
            source: KeyError::NotOnCurve { .. },
            ..
        }
    );
    // A P-256 key declared as secp256k1 is not a secp256k1 point (or has the wrong form).
    let mut wrong_alg = new_device("cgm-key00003", DeviceKind::Cgm, &key);
    wrong_alg.public_key.algorithm = KeyAlgorithm::Ed25519;
    assert_err!(
        fx.exec(&maker, one(wrong_alg)),
        ContractError::InvalidKey { .. }
    );
}

#[test]
fn a_bad_device_anywhere_in_the_batch_registers_none() {
    let mut fx = Fx::new();
    let maker = fx.maker.clone();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    let mut bad = new_device("cgm-bad00003", DeviceKind::Cgm, &key);
    bad.public_key.key = Binary::new(vec![0; 3]);
    let devices = vec![
        new_device("cgm-good0001", DeviceKind::Cgm, &key),
        new_device("cgm-good0002", DeviceKind::Cgm, &key),
        bad,
    ];
    assert_err!(
        fx.exec(&maker, ExecuteMsg::RegisterDevices { devices }),
        ContractError::InvalidKey { .. }
    );
    assert_err!(
        fx.try_query::<diachain_std::Device>(QueryMsg::Device {
            id: "cgm-good0001".into()
        }),
        ContractError::DeviceNotFound { .. }
    );
    let page: diachain_std::Page<diachain_std::Device> =
        fx.query(QueryMsg::DevicesByManufacturer {
            manufacturer: maker.to_string(),
            start_after: None,
            limit: None,
        });
    assert!(page.items.is_empty());
}
