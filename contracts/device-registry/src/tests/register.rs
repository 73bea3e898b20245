use cosmwasm_std::Binary;
use diachain_std::crypto::KeyError;
use diachain_std::device::{DeviceIdError, ModelError, Role, MAX_MODEL_LEN};
use diachain_std::registry::MAX_DEVICES_PER_REGISTRATION;
use diachain_std::testing::TestKey;
use diachain_std::{Device, DeviceKind, DeviceStatus, KeyAlgorithm, KeyCustody, Page, PublicKey};

use super::{addr, new_device, relayer_gateway, Fx};
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

// ------------------------------------------------------------- relayer-held keys (gateways)

fn register(
    fx: &mut Fx,
    sender: &cosmwasm_std::Addr,
    devices: Vec<diachain_std::registry::NewDevice>,
) -> Result<cosmwasm_std::Response, ContractError> {
    fx.exec(sender, ExecuteMsg::RegisterDevices { devices })
}

fn by_manufacturer(fx: &Fx, who: &cosmwasm_std::Addr) -> Vec<String> {
    let page: Page<Device> = fx.query(QueryMsg::DevicesByManufacturer {
        manufacturer: who.to_string(),
        start_after: None,
        limit: None,
    });
    page.items.into_iter().map(|d| d.id).collect()
}

#[test]
fn a_relayer_registers_gateways_whose_key_it_holds_and_is_their_manufacturer() {
    let mut fx = Fx::new();
    let relayer = fx.relayer.clone();
    let keys: Vec<_> = KeyAlgorithm::ALL
        .iter()
        .map(|a| TestKey::new(*a, 3))
        .collect();
    let devices = vec![
        relayer_gateway("ns-upload-0001", &keys[0]),
        relayer_gateway("ns-upload-0002", &keys[1]),
        relayer_gateway("ns-upload-0003", &keys[2]),
    ];
    let res = register(&mut fx, &relayer, devices).unwrap();
    assert!(res
        .attributes
        .iter()
        .any(|a| a.key == "manufacturer" && a.value == relayer.as_str()));
    let d = fx.device("ns-upload-0002");
    assert_eq!(
        (d.kind, d.key_custody, &d.manufacturer, d.owner, d.status),
        (
            DeviceKind::Gateway,
            KeyCustody::Relayer,
            &relayer,
            None,
            DeviceStatus::Active
        )
    );
    assert_eq!(d.public_key, keys[1].public_key());
    assert_eq!(
        by_manufacturer(&fx, &relayer),
        vec!["ns-upload-0001", "ns-upload-0002", "ns-upload-0003"]
    );
    // A manufacturer's devices hold their own key.
    fx.register("cgm-custody01", KeyAlgorithm::Ed25519, 4);
    assert_eq!(fx.device("cgm-custody01").key_custody, KeyCustody::Device);
}

#[test]
fn a_relayer_may_hold_the_key_of_a_gateway_only() {
    let mut fx = Fx::new();
    let relayer = fx.relayer.clone();
    let key = TestKey::new(KeyAlgorithm::Secp256r1, 1);
    for kind in DeviceKind::ALL
        .iter()
        .filter(|k| **k != DeviceKind::Gateway)
    {
        let mut d = relayer_gateway("ns-notgw-0001", &key);
        d.kind = *kind;
        assert_err!(
            register(&mut fx, &relayer, vec![d]),
            ContractError::RelayerKeyNotGateway { ref id } if id == "ns-notgw-0001"
        );
    }
    // Also in second place of a batch: nothing is registered.
    let mut cgm = relayer_gateway("ns-notgw-0003", &key);
    cgm.kind = DeviceKind::Cgm;
    assert_err!(
        register(
            &mut fx,
            &relayer,
            vec![relayer_gateway("ns-notgw-0002", &key), cgm]
        ),
        ContractError::RelayerKeyNotGateway { .. }
    );
    assert!(by_manufacturer(&fx, &relayer).is_empty());
}

#[test]
fn a_relayer_cannot_register_a_device_that_holds_its_own_key() {
    let mut fx = Fx::new();
    let relayer = fx.relayer.clone();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    // Not even a gateway, and not mixed into a batch of gateways it may register.
    for devices in [
        vec![new_device("gw-own-000001", DeviceKind::Gateway, &key)],
        vec![new_device("cgm-own-00001", DeviceKind::Cgm, &key)],
        vec![
            relayer_gateway("ns-mixed-0001", &key),
            new_device("cgm-mixed-001", DeviceKind::Cgm, &key),
        ],
    ] {
        assert_err!(
            register(&mut fx, &relayer, devices),
            ContractError::NotAdmitted {
                role: Role::Manufacturer,
                ..
            }
        );
    }
    assert!(by_manufacturer(&fx, &relayer).is_empty());
}

#[test]
fn a_manufacturer_cannot_claim_that_a_relayer_holds_the_key() {
    let mut fx = Fx::new();
    let maker = fx.maker.clone();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    for devices in [
        vec![relayer_gateway("ns-maker-0001", &key)],
        vec![
            new_device("cgm-maker-001", DeviceKind::Cgm, &key),
            relayer_gateway("ns-maker-0002", &key),
        ],
    ] {
        assert_err!(
            register(&mut fx, &maker, devices),
            ContractError::NotAdmitted {
                role: Role::Relayer,
                ref address
            } if *address == maker.to_string()
        );
    }
    assert!(by_manufacturer(&fx, &maker).is_empty());
}

#[test]
fn only_an_admitted_unsuspended_relayer_registers_relayer_held_gateways() {
    let mut fx = Fx::new();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    let gw = || vec![relayer_gateway("ns-who-00001", &key)];
    for sender in [fx.stranger.clone(), fx.admin.clone(), fx.patient.clone()] {
        assert_err!(
            register(&mut fx, &sender, gw()),
            ContractError::NotAdmitted {
                role: Role::Relayer,
                ..
            }
        );
    }
    let relayer = fx.relayer.clone();
    fx.suspend_participant(Role::Relayer, &relayer);
    assert_err!(
        register(&mut fx, &relayer, gw()),
        ContractError::ParticipantSuspended {
            role: Role::Relayer,
            ..
        }
    );
    // Suspended as a relayer, it may not register them as a manufacturer either.
    fx.admit(Role::Manufacturer, &relayer);
    assert_err!(
        register(&mut fx, &relayer, gw()),
        ContractError::ParticipantSuspended {
            role: Role::Relayer,
            ..
        }
    );
    // Another relayer's gateways are its own.
    let other = addr("other-relayer");
    fx.admit(Role::Relayer, &other);
    register(&mut fx, &other, gw()).unwrap();
    assert_eq!(fx.device("ns-who-00001").manufacturer, other);
}

#[test]
fn relayer_held_gateways_are_checked_like_any_device() {
    let mut fx = Fx::new();
    let relayer = fx.relayer.clone();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    assert_err!(
        register(
            &mut fx,
            &relayer,
            vec![
                relayer_gateway("ns-dup-00001", &key),
                relayer_gateway("ns-dup-00001", &key)
            ]
        ),
        ContractError::DuplicateDevice { .. }
    );
    fx.register("cgm-taken001", KeyAlgorithm::Ed25519, 2);
    assert_err!(
        register(
            &mut fx,
            &relayer,
            vec![relayer_gateway("cgm-taken001", &key)]
        ),
        ContractError::DeviceExists { .. }
    );
    let mut bad_key = relayer_gateway("ns-badkey-001", &key);
    bad_key.public_key.key = Binary::new(vec![1; 31]);
    assert_err!(
        register(&mut fx, &relayer, vec![bad_key]),
        ContractError::InvalidKey { .. }
    );
    assert_err!(
        register(&mut fx, &relayer, vec![]),
        ContractError::NotAdmitted {
            role: Role::Manufacturer,
            ..
        }
    );
}

#[test]
fn key_custody_may_be_left_out_of_the_json_and_then_is_the_devices_own() {
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    let d = new_device("cgm-json0001", DeviceKind::Cgm, &key);
    let mut json = cosmwasm_std::to_json_vec(&d).unwrap();
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(text.contains(r#""key_custody":"device""#), "{text}");
    json = text.replace(r#","key_custody":"device""#, "").into_bytes();
    let back: diachain_std::registry::NewDevice = cosmwasm_std::from_json(&json).unwrap();
    assert_eq!(back, d);
    let relayer_held: diachain_std::registry::NewDevice = cosmwasm_std::from_json(
        text.replace(r#""key_custody":"device""#, r#""key_custody":"relayer""#),
    )
    .unwrap();
    assert_eq!(relayer_held.key_custody, KeyCustody::Relayer);
    assert!(
        cosmwasm_std::from_json::<diachain_std::registry::NewDevice>(
            text.replace(r#""key_custody":"device""#, r#""key_custody":"Relayer""#)
        )
        .is_err()
    );
}
