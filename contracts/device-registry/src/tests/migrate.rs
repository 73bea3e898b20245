//! Migration from 0.1.x, 0.2.x and 0.3.x: stored records of the previous code read after
//! `migrate`.

use cosmwasm_std::{from_json, Timestamp};
use diachain_std::device::SuspensionReason;
use diachain_std::registry::{GuardianAppointer, GuardianInfo, MigrateMsg, PendingTransfer};
use diachain_std::{DeviceStatus, KeyAlgorithm, Page};

use super::{addr, Fx};
use crate::contract::{migrate, CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::state::{DEVICES, GUARDIANS, TRANSFERS_FROM};

#[test]
fn records_written_by_the_previous_version_read_after_migrate_without_their_free_text() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    fx.registered_and_bound("cgm-legacy01", KeyAlgorithm::Ed25519, 7);
    fx.exec(
        &patient,
        ExecuteMsg::SuspendDevice {
            device_id: "cgm-legacy01".into(),
            reason: SuspensionReason::Other,
        },
    )
    .unwrap();
    // What 0.1.0 stored: a suspension with a free-text reason, and a guardian as a bare time.
    let storage = &mut fx.deps.storage;
    let key = DEVICES.key("cgm-legacy01");
    let raw = String::from_utf8(cosmwasm_std::Storage::get(storage, &key).unwrap()).unwrap();
    let old = raw.replace(
        r#""reason":"other""#,
        r#""reason":"patient in hospital after severe hypo""#,
    );
    assert_ne!(raw, old);
    cosmwasm_std::Storage::set(storage, &key, old.as_bytes());
    let old_guardian = addr("old-guardian");
    cosmwasm_std::Storage::set(
        storage,
        &GUARDIANS.key((&patient, &old_guardian)),
        br#""1600000000000000000""#,
    );
    cw2::set_contract_version(storage, CONTRACT_NAME, "0.1.0").unwrap();

    let res = migrate(fx.deps.as_mut(), fx.env.clone(), MigrateMsg {}).unwrap();
    assert!(res
        .attributes
        .iter()
        .any(|a| a.key == "to_version" && a.value == CONTRACT_VERSION));
    assert_eq!(
        cw2::get_contract_version(&fx.deps.storage).unwrap().version,
        CONTRACT_VERSION
    );

    assert!(matches!(
        fx.device("cgm-legacy01").status,
        DeviceStatus::Suspended {
            reason: SuspensionReason::Legacy,
            ..
        }
    ));
    let page: Page<GuardianInfo> = fx.query(QueryMsg::Guardians {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(
        page.items,
        vec![GuardianInfo {
            guardian: old_guardian.clone(),
            appointed_by: GuardianAppointer::Unrecorded,
            appointed_at: Timestamp::from_nanos(1_600_000_000_000_000_000),
        }]
    );
    let is: bool = fx.query(QueryMsg::IsGuardian {
        patient: patient.to_string(),
        guardian: old_guardian.to_string(),
    });
    assert!(is);
    // The old guardian still acts, and can still be removed by the patient.
    fx.exec(
        &patient,
        ExecuteMsg::RemoveGuardian {
            patient: None,
            guardian: old_guardian.to_string(),
        },
    )
    .unwrap();

    // The next save rewrites the record: the free text is gone from storage.
    let maker = fx.maker.clone();
    fx.exec(
        &maker,
        ExecuteMsg::RotateKey {
            device_id: "cgm-legacy01".into(),
            new_key: diachain_std::testing::TestKey::new(KeyAlgorithm::Ed25519, 8).public_key(),
            signature: None,
        },
    )
    .unwrap();
    let raw = cosmwasm_std::Storage::get(&fx.deps.storage, &DEVICES.key("cgm-legacy01")).unwrap();
    let text = String::from_utf8(raw.clone()).unwrap();
    assert!(text.contains(r#""reason":"legacy""#), "{text}");
    assert!(!text.contains("hypo"));
    let device: diachain_std::Device = from_json(&raw).unwrap();
    assert!(matches!(
        device.status,
        DeviceStatus::Suspended {
            reason: SuspensionReason::Legacy,
            ..
        }
    ));
    // The device's own owner may still lift the legacy suspension.
    fx.exec(
        &patient,
        ExecuteMsg::ReactivateDevice {
            device_id: "cgm-legacy01".into(),
        },
    )
    .unwrap();
}

#[test]
fn a_device_stored_by_0_2_without_key_custody_reads_as_holding_its_own_key_after_migrate() {
    let mut fx = Fx::new();
    fx.registered_and_bound("cgm-custody02", KeyAlgorithm::Ed25519, 7);
    // What 0.2.0 stored: the device without `key_custody`.
    let key = DEVICES.key("cgm-custody02");
    let raw =
        String::from_utf8(cosmwasm_std::Storage::get(&fx.deps.storage, &key).unwrap()).unwrap();
    let old = raw.replace(r#","key_custody":"device""#, "");
    assert_ne!(raw, old);
    assert!(!old.contains("key_custody"));
    cosmwasm_std::Storage::set(&mut fx.deps.storage, &key, old.as_bytes());
    cw2::set_contract_version(&mut fx.deps.storage, CONTRACT_NAME, "0.2.0").unwrap();

    let res = migrate(fx.deps.as_mut(), fx.env.clone(), MigrateMsg {}).unwrap();
    assert!(res
        .attributes
        .iter()
        .any(|a| a.key == "from_version" && a.value == "0.2.0"));
    let device = fx.device("cgm-custody02");
    assert_eq!(device.key_custody, diachain_std::KeyCustody::Device);
    // Its manufacturer keeps its authority: it rotates the key alone, which saves the record
    // in the new shape.
    let maker = fx.maker.clone();
    fx.exec(
        &maker,
        ExecuteMsg::RotateKey {
            device_id: "cgm-custody02".into(),
            new_key: diachain_std::testing::TestKey::new(KeyAlgorithm::Ed25519, 8).public_key(),
            signature: None,
        },
    )
    .unwrap();
    let text =
        String::from_utf8(cosmwasm_std::Storage::get(&fx.deps.storage, &key).unwrap()).unwrap();
    assert!(text.contains(r#""key_custody":"device""#), "{text}");
}

#[test]
fn offers_stored_before_the_owner_index_are_listed_by_recipient_only_and_work_as_before() {
    let mut fx = Fx::new();
    let patient = fx.patient.clone();
    let (recipient, other) = (addr("new-owner"), addr("other-recipient"));
    let mut keys = Vec::new();
    for (i, id) in ["cgm-oldoffer1", "cgm-oldoffer2"].into_iter().enumerate() {
        let key = fx.registered_and_bound(id, KeyAlgorithm::Ed25519, 50 + i as u8);
        let proof = fx.bind_proof(&key, id, &recipient);
        fx.exec(
            &patient,
            ExecuteMsg::TransferDevice {
                device_id: id.into(),
                new_owner: recipient.to_string(),
                signature: proof,
                expires_in_seconds: None,
            },
        )
        .unwrap();
        // What 0.2.0 to 0.3.2 stored: the offer and the recipient's index, no owner index.
        TRANSFERS_FROM.remove(&mut fx.deps.storage, (&patient, id));
        keys.push(key);
    }
    cw2::set_contract_version(&mut fx.deps.storage, CONTRACT_NAME, "0.3.2").unwrap();
    migrate(fx.deps.as_mut(), fx.env.clone(), MigrateMsg {}).unwrap();

    let listed = |fx: &Fx, msg: QueryMsg| -> Vec<String> {
        let page: Page<PendingTransfer> = fx.query(msg);
        page.items.into_iter().map(|t| t.device_id).collect()
    };
    let by_owner = |fx: &Fx| {
        listed(
            fx,
            QueryMsg::PendingTransfersFrom {
                owner: patient.to_string(),
                start_after: None,
                limit: None,
            },
        )
    };
    let by_recipient = |fx: &Fx| {
        listed(
            fx,
            QueryMsg::PendingTransfersTo {
                recipient: recipient.to_string(),
                start_after: None,
                limit: None,
            },
        )
    };
    assert!(by_owner(&fx).is_empty());
    assert_eq!(by_recipient(&fx), vec!["cgm-oldoffer1", "cgm-oldoffer2"]);
    // They are accepted and cancelled as before; removing their missing entry is harmless.
    fx.exec(
        &recipient,
        ExecuteMsg::AcceptTransfer {
            device_id: "cgm-oldoffer1".into(),
        },
    )
    .unwrap();
    assert_eq!(fx.device("cgm-oldoffer1").owner, Some(recipient.clone()));
    fx.exec(
        &patient,
        ExecuteMsg::CancelTransfer {
            device_id: "cgm-oldoffer2".into(),
        },
    )
    .unwrap();
    assert!(by_recipient(&fx).is_empty());
    // An offer made after the migration is listed under its owner.
    let proof = fx.bind_proof(&keys[1], "cgm-oldoffer2", &other);
    fx.exec(
        &patient,
        ExecuteMsg::TransferDevice {
            device_id: "cgm-oldoffer2".into(),
            new_owner: other.to_string(),
            signature: proof,
            expires_in_seconds: None,
        },
    )
    .unwrap();
    assert_eq!(by_owner(&fx), vec!["cgm-oldoffer2"]);
}
