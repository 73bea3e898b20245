use cosmwasm_std::{coins, Binary};
use diachain_std::device::{RevocationReason, Role, SuspensionReason};
use diachain_std::registry::{DevicesResponse, MAX_DEVICES_PER_QUERY};
use diachain_std::testing::TestKey;
use diachain_std::{Device, DeviceKind, KeyAlgorithm, Page};

use super::{new_device, Fx};
use crate::assert_err;
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::ContractError;

#[test]
fn many_devices_come_back_in_the_order_asked_with_none_for_unknown_ids() {
    let mut fx = Fx::new();
    fx.register("cgm-many0001", KeyAlgorithm::Ed25519, 1);
    fx.register("cgm-many0002", KeyAlgorithm::Ed25519, 2);
    let ids = vec![
        "cgm-many0002".to_string(),
        "cgm-nothere1".to_string(),
        "cgm-many0001".to_string(),
    ];
    let res: DevicesResponse = fx.query(QueryMsg::Devices { ids });
    let got: Vec<Option<String>> = res.devices.into_iter().map(|d| d.map(|d| d.id)).collect();
    assert_eq!(
        got,
        vec![
            Some("cgm-many0002".into()),
            None,
            Some("cgm-many0001".into())
        ]
    );
    let too_many = (0..=MAX_DEVICES_PER_QUERY)
        .map(|i| format!("cgm-{i:08}"))
        .collect();
    assert_err!(
        fx.try_query::<DevicesResponse>(QueryMsg::Devices { ids: too_many }),
        ContractError::TooManyIds { .. }
    );
    assert_err!(
        fx.try_query::<Device>(QueryMsg::Device {
            id: "cgm-nothere1".into()
        }),
        ContractError::DeviceNotFound { .. }
    );
}

#[test]
fn devices_by_manufacturer_and_owner_are_paged_with_a_cap() {
    let mut fx = Fx::new();
    let maker = fx.maker.clone();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    for batch in 0..2 {
        let devices = (0..75)
            .map(|i| new_device(&format!("cgm-{batch}-{i:04}"), DeviceKind::Cgm, &key))
            .collect();
        fx.exec(&maker, ExecuteMsg::RegisterDevices { devices })
            .unwrap();
    }
    let q = |start_after: Option<String>, limit| QueryMsg::DevicesByManufacturer {
        manufacturer: maker.to_string(),
        start_after,
        limit,
    };
    let first: Page<Device> = fx.query(q(None, Some(500)));
    assert_eq!((first.items.len(), first.has_more), (100, true));
    let second: Page<Device> = fx.query(q(Some(first.items[99].id.clone()), Some(500)));
    assert_eq!((second.items.len(), second.has_more), (50, false));
    let default: Page<Device> = fx.query(q(None, None));
    assert_eq!(default.items.len(), 10);
    let none: Page<Device> = fx.query(QueryMsg::DevicesByOwner {
        owner: fx.patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert!(none.items.is_empty() && !none.has_more);
    assert_err!(
        fx.try_query::<Page<Device>>(QueryMsg::DevicesByOwner {
            owner: "bad".into(),
            start_after: None,
            limit: None
        }),
        ContractError::Std(_)
    );
}

#[test]
fn every_execute_message_refuses_funds() {
    let mut fx = Fx::new();
    let admin = fx.admin.clone();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    let pk = key.public_key();
    let a = fx.patient.to_string();
    let msgs = vec![
        ExecuteMsg::TransferAdmin {
            new_admin: a.clone(),
        },
        ExecuteMsg::AcceptAdmin {},
        ExecuteMsg::CancelAdminTransfer {},
        ExecuteMsg::AdmitParticipant {
            role: Role::Relayer,
            address: a.clone(),
            label: "x".into(),
        },
        ExecuteMsg::SuspendParticipant {
            role: Role::Relayer,
            address: a.clone(),
            reason: "x".into(),
        },
        ExecuteMsg::ReinstateParticipant {
            role: Role::Relayer,
            address: a.clone(),
        },
        ExecuteMsg::RemoveParticipant {
            role: Role::Relayer,
            address: a.clone(),
        },
        ExecuteMsg::RegisterDevices {
            devices: vec![new_device("cgm-funds001", DeviceKind::Cgm, &key)],
        },
        ExecuteMsg::BindDevice {
            device_id: "d".into(),
            patient: None,
            signature: Binary::default(),
        },
        ExecuteMsg::UnbindDevice {
            device_id: "d".into(),
        },
        ExecuteMsg::TransferDevice {
            device_id: "d".into(),
            new_owner: a.clone(),
            signature: Binary::default(),
            expires_in_seconds: None,
        },
        ExecuteMsg::AcceptTransfer {
            device_id: "d".into(),
        },
        ExecuteMsg::CancelTransfer {
            device_id: "d".into(),
        },
        ExecuteMsg::AddGuardian {
            patient: None,
            guardian: a.clone(),
        },
        ExecuteMsg::RemoveGuardian {
            patient: None,
            guardian: a.clone(),
        },
        ExecuteMsg::SuspendDevice {
            device_id: "d".into(),
            reason: SuspensionReason::Other,
        },
        ExecuteMsg::ReactivateDevice {
            device_id: "d".into(),
        },
        ExecuteMsg::RevokeDevice {
            device_id: "d".into(),
            reason: RevocationReason::Lost,
            effective_at: None,
        },
        ExecuteMsg::RotateKey {
            device_id: "d".into(),
            new_key: pk,
            signature: None,
        },
    ];
    for msg in msgs {
        assert_err!(
            fx.exec_funds(&admin, &coins(1, "ustake"), msg),
            ContractError::Payment(_)
        );
    }
}

#[test]
fn anchoring_info_reports_relayer_standing_and_each_device_in_one_query() {
    use diachain_std::registry::AnchoringInfoResponse;
    let mut fx = Fx::new();
    let key = fx.registered_and_bound("cgm-anchor01", KeyAlgorithm::Ed25519, 1);
    fx.register("pen-anchor02", KeyAlgorithm::Secp256r1, 2);
    let (relayer, admin) = (fx.relayer.clone(), fx.admin.clone());
    let ask = |fx: &Fx, who: &cosmwasm_std::Addr| -> AnchoringInfoResponse {
        fx.query(QueryMsg::AnchoringInfo {
            relayer: who.to_string(),
            device_ids: vec![
                "pen-anchor02".into(),
                "cgm-missing1".into(),
                "cgm-anchor01".into(),
            ],
        })
    };
    let info = ask(&fx, &relayer);
    assert!(info.relayer_active);
    let bound = info.devices[2].as_ref().unwrap();
    assert_eq!(
        (bound.owner.as_ref(), &bound.public_key),
        (Some(&fx.patient), &key.public_key())
    );
    assert!(info.devices[0].as_ref().unwrap().owner.is_none());
    assert!(info.devices[1].is_none());
    assert!(!ask(&fx, &fx.stranger.clone()).relayer_active);
    fx.exec(
        &admin,
        ExecuteMsg::SuspendParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
            reason: "audit".into(),
        },
    )
    .unwrap();
    assert!(!ask(&fx, &relayer).relayer_active);
    // The view follows every change of the device.
    let patient = fx.patient.clone();
    fx.exec(
        &patient,
        ExecuteMsg::RevokeDevice {
            device_id: "cgm-anchor01".into(),
            reason: RevocationReason::Lost,
            effective_at: None,
        },
    )
    .unwrap();
    fx.exec(
        &patient,
        ExecuteMsg::UnbindDevice {
            device_id: "cgm-anchor01".into(),
        },
    )
    .unwrap();
    let view = ask(&fx, &relayer).devices[2].clone().unwrap();
    assert_eq!(view.owner, None);
    assert_eq!(view.refuses_from, Some(fx.env.block.time));
    assert!(!view.accepts_data_at(fx.env.block.time));
    assert!(view.accepts_data_at(fx.env.block.time.minus_nanos(1)));
}

#[test]
fn ids_whose_tag_is_taken_are_refused() {
    // A real 8-byte SHA-256 prefix collision cannot be searched for in a test, so one is
    // planted: the new id's tag is recorded as another device's.
    let mut fx = Fx::new();
    let maker = fx.maker.clone();
    let key = TestKey::new(KeyAlgorithm::Ed25519, 1);
    fx.register("cgm-tagged01", KeyAlgorithm::Ed25519, 2);
    crate::state::DEVICE_TAGS
        .save(
            &mut fx.deps.storage,
            &diachain_std::device::device_tag("cgm-tagged02"),
            &"cgm-other-01".to_string(),
        )
        .unwrap();
    assert_err!(
        fx.exec(
            &maker,
            ExecuteMsg::RegisterDevices {
                devices: vec![new_device("cgm-tagged02", DeviceKind::Cgm, &key)]
            }
        ),
        ContractError::DeviceTagTaken { .. }
    );
}

#[test]
fn the_raw_anchoring_view_round_trips_and_rejects_bad_bytes() {
    use diachain_std::registry::AnchoringDevice;
    let mut fx = Fx::new();
    fx.registered_and_bound("cgm-rawview1", KeyAlgorithm::Secp256r1, 3);
    let view = crate::state::anchoring_view(&fx.deps.storage, "cgm-rawview1")
        .unwrap()
        .unwrap();
    let bytes = view.encode();
    // The mock owner address has 65 characters; a wasmd one has 43.
    assert!(bytes.len() <= 130, "{} bytes", bytes.len());
    assert_eq!(AnchoringDevice::decode(&bytes).unwrap(), view);
    assert!(AnchoringDevice::decode(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(AnchoringDevice::decode(&longer).is_err());
}

#[test]
fn the_anchoring_view_tells_when_the_owner_and_the_key_last_changed() {
    use diachain_std::registry::AnchoringInfoResponse;
    let mut fx = Fx::new();
    let registered = fx.env.block.time;
    let old = fx.register("cgm-view-0001", KeyAlgorithm::Ed25519, 1);
    let view = |fx: &Fx| {
        let info: AnchoringInfoResponse = fx.query(QueryMsg::AnchoringInfo {
            relayer: fx.relayer.to_string(),
            device_ids: vec!["cgm-view-0001".into()],
        });
        info.devices[0].clone().unwrap()
    };
    let v = view(&fx);
    assert_eq!(
        (v.owner_since, v.key_since, v.previous_key),
        (registered, registered, None)
    );
    fx.advance(60);
    let patient = fx.patient.clone();
    let sig = fx.bind_proof(&old, "cgm-view-0001", &patient);
    fx.exec(
        &patient,
        ExecuteMsg::BindDevice {
            device_id: "cgm-view-0001".into(),
            patient: None,
            signature: sig,
        },
    )
    .unwrap();
    let v = view(&fx);
    assert_eq!(
        (v.owner_since, v.owner_since_height),
        (fx.env.block.time, fx.env.block.height)
    );
    fx.advance(60);
    let maker = fx.maker.clone();
    let new = TestKey::new(KeyAlgorithm::Ed25519, 2).public_key();
    fx.exec(
        &maker,
        ExecuteMsg::RotateKey {
            device_id: "cgm-view-0001".into(),
            new_key: new.clone(),
            signature: None,
        },
    )
    .unwrap();
    let v = view(&fx);
    assert_eq!(
        (v.public_key, v.key_since, v.previous_key),
        (new, fx.env.block.time, Some(old.public_key()))
    );
    fx.advance(60);
    fx.exec(
        &patient,
        ExecuteMsg::UnbindDevice {
            device_id: "cgm-view-0001".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (view(&fx).owner, view(&fx).owner_since),
        (None, fx.env.block.time)
    );
}

#[test]
fn anchoring_info_takes_up_to_a_full_submission_of_ids() {
    use diachain_std::registry::{AnchoringInfoResponse, MAX_ANCHORING_IDS};
    let fx = Fx::new();
    let ids = |n: usize| (0..n).map(|i| format!("cgm-{i:08}")).collect::<Vec<_>>();
    let q = |n| QueryMsg::AnchoringInfo {
        relayer: fx.relayer.to_string(),
        device_ids: ids(n),
    };
    let full: AnchoringInfoResponse = fx.query(q(MAX_ANCHORING_IDS));
    assert_eq!(full.devices.len(), MAX_ANCHORING_IDS);
    assert!(full.devices.iter().all(Option::is_none));
    assert_err!(
        fx.try_query::<AnchoringInfoResponse>(q(MAX_ANCHORING_IDS + 1)),
        ContractError::TooManyIds { .. }
    );
}

/// A key a relayer holds is reported with its holder and the holder's standing: admitted
/// (nothing refused), suspended (refused from the suspension), removed (from the removal, or
/// from the suspension it was removed in), admitted again (nothing refused). A key a device
/// holds names no holder, whatever happens to its manufacturer. The raw view keeps the holder
/// and round-trips.
#[test]
fn anchoring_info_reports_a_relayer_held_keys_holder_and_its_standing() {
    use diachain_std::registry::{AnchoringDevice, AnchoringInfoResponse};
    let mut fx = Fx::new();
    fx.register_relayer_gateway("ns-holder-0001", KeyAlgorithm::Ed25519, 7);
    fx.register("cgm-holder-001", KeyAlgorithm::Ed25519, 8);
    let (relayer, admin, maker) = (fx.relayer.clone(), fx.admin.clone(), fx.maker.clone());
    let holder_refuses_from = |fx: &Fx| {
        let info: AnchoringInfoResponse = fx.query(QueryMsg::AnchoringInfo {
            relayer: fx.stranger.to_string(),
            device_ids: vec!["ns-holder-0001".into(), "cgm-holder-001".into()],
        });
        assert!(info.devices[1].as_ref().unwrap().key_holder.is_none());
        let holder = info.devices[0].clone().unwrap().key_holder.unwrap();
        assert_eq!(holder.relayer, fx.relayer);
        holder.refuses_from
    };
    assert_eq!(holder_refuses_from(&fx), None);
    let raw = crate::state::anchoring_view(&fx.deps.storage, "ns-holder-0001")
        .unwrap()
        .unwrap();
    assert!(raw.key_holder.is_some());
    assert_eq!(AnchoringDevice::decode(&raw.encode()).unwrap(), raw);

    fx.advance(60);
    let suspended = fx.env.block.time;
    fx.suspend_participant(Role::Relayer, &relayer);
    fx.suspend_participant(Role::Manufacturer, &maker);
    assert_eq!(holder_refuses_from(&fx), Some(suspended));
    fx.advance(60);
    let remove = |fx: &mut Fx| {
        fx.exec(
            &admin,
            ExecuteMsg::RemoveParticipant {
                role: Role::Relayer,
                address: relayer.to_string(),
            },
        )
        .unwrap();
    };
    remove(&mut fx);
    assert_eq!(holder_refuses_from(&fx), Some(suspended));
    fx.admit(Role::Relayer, &relayer);
    assert_eq!(holder_refuses_from(&fx), None);
    fx.advance(60);
    let removed = fx.env.block.time;
    remove(&mut fx);
    assert_eq!(holder_refuses_from(&fx), Some(removed));
    // A relayer removed before removals were recorded: from the epoch.
    crate::state::REMOVED.remove(&mut fx.deps.storage, (Role::Relayer.code(), &relayer));
    assert_eq!(
        holder_refuses_from(&fx),
        Some(cosmwasm_std::Timestamp::from_seconds(0))
    );
}

/// A relayer-held gateway registered before 0.4.0 has an anchoring view without the holder: the
/// registry reads the holder from the device, so the custody rule holds for it too, until its
/// next change writes a view of the current form.
#[test]
fn a_relayer_held_key_whose_view_predates_the_holder_is_still_reported_with_it() {
    use diachain_std::registry::{AnchoringDevice, AnchoringInfoResponse};
    let mut fx = Fx::new();
    fx.register_relayer_gateway("ns-legacy-0001", KeyAlgorithm::Ed25519, 9);
    // Rewrite the view as 0.3.x stored it: no holder, neither flag bit.
    let key = cw_storage_plus::Map::<&str, ()>::new("v").key("ns-legacy-0001");
    let mut view = crate::state::anchoring_view(&fx.deps.storage, "ns-legacy-0001")
        .unwrap()
        .unwrap();
    view.key_holder = None;
    let mut raw = view.encode();
    raw[0] &= 0x3f;
    assert!(AnchoringDevice::holder_unrecorded(&raw));
    cosmwasm_std::Storage::set(&mut fx.deps.storage, &key, &raw);
    fx.advance(60);
    let suspended = fx.env.block.time;
    let relayer = fx.relayer.clone();
    fx.suspend_participant(Role::Relayer, &relayer);
    let info: AnchoringInfoResponse = fx.query(QueryMsg::AnchoringInfo {
        relayer: relayer.to_string(),
        device_ids: vec!["ns-legacy-0001".into()],
    });
    let holder = info.devices[0].clone().unwrap().key_holder.unwrap();
    assert_eq!(
        (holder.relayer, holder.refuses_from),
        (relayer, Some(suspended))
    );
}

/// A relayer's past lapses (suspended then reinstated, removed then admitted again) are kept
/// with their ends, oldest first, and reported with its keys; beyond `MAX_HOLDER_LAPSES` the two
/// oldest merge into one that covers both.
#[test]
fn a_relayers_lapses_are_kept_and_the_oldest_merge_beyond_the_cap() {
    use diachain_std::registry::{AnchoringInfoResponse, Lapse, MAX_HOLDER_LAPSES};
    let mut fx = Fx::new();
    fx.register_relayer_gateway("ns-lapses-0001", KeyAlgorithm::Ed25519, 7);
    let (relayer, admin) = (fx.relayer.clone(), fx.admin.clone());
    let lapses = |fx: &Fx| {
        let info: AnchoringInfoResponse = fx.query(QueryMsg::AnchoringInfo {
            relayer: fx.stranger.to_string(),
            device_ids: vec!["ns-lapses-0001".into()],
        });
        info.devices[0].clone().unwrap().key_holder.unwrap().lapses
    };
    let mut expected = vec![];
    for _ in 0..MAX_HOLDER_LAPSES + 2 {
        fx.advance(60);
        let from = fx.env.block.time;
        fx.suspend_participant(Role::Relayer, &relayer);
        fx.advance(60);
        fx.exec(
            &admin,
            ExecuteMsg::ReinstateParticipant {
                role: Role::Relayer,
                address: relayer.to_string(),
            },
        )
        .unwrap();
        expected.push(Lapse {
            from,
            to: fx.env.block.time,
        });
    }
    let kept = lapses(&fx);
    assert_eq!(kept.len(), MAX_HOLDER_LAPSES);
    assert_eq!(kept[0].from, expected[0].from);
    assert_eq!(kept[0].to, expected[2].to);
    assert_eq!(kept[1..], expected[3..]);
    // Removed and admitted again: one more lapse, from the removal to the admission.
    fx.advance(60);
    let removed = fx.env.block.time;
    fx.exec(
        &admin,
        ExecuteMsg::RemoveParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
        },
    )
    .unwrap();
    fx.advance(60);
    fx.admit(Role::Relayer, &relayer);
    let last = *lapses(&fx).last().unwrap();
    assert_eq!(
        last,
        Lapse {
            from: removed,
            to: fx.env.block.time
        }
    );
}
