//! Readings follow the device's owner and key over time: transfers and key rotations.

use cw_multi_test::Executor;
use diachain_std::anchors::CoverageResponse;
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::registry::ExecuteMsg as RegistryMsg;
use diachain_std::testing::TestKey;
use diachain_std::{DataScope, Domain, KeyAlgorithm};

use super::{Device, Suite, DAY, DAY0};
use crate::msg::QueryMsg;
use crate::ContractError;
use diachain_testing::assert_refused;

fn glucose(s: &Suite, patient: &cosmwasm_std::Addr) -> u64 {
    let r: CoverageResponse = s.query(QueryMsg::Coverage {
        patient: patient.to_string(),
        from_day: DAY0 / DAY,
        to_day: DAY0 / DAY,
    });
    r.days
        .iter()
        .filter(|d| d.scope == DataScope::Glucose)
        .map(|d| d.readings)
        .sum()
}

/// The patient offers the device to `new_owner` at `at` (the device signs the offer), and
/// `new_owner` accepts at once.
fn transfer(s: &mut Suite, d: &Device, new_owner: &cosmwasm_std::Addr, at: u64) {
    s.set_time(at);
    let (chain_id, contract) = s.registry_domain();
    let nonce = s
        .app
        .wrap()
        .query_wasm_smart::<diachain_std::Device>(
            s.registry.clone(),
            &diachain_std::registry::QueryMsg::Device { id: d.id.clone() },
        )
        .unwrap()
        .nonce;
    let bytes = bind_sign_bytes(
        &Domain {
            chain_id: &chain_id,
            contract: &contract,
        },
        &d.id,
        new_owner.as_str(),
        nonce,
    )
    .unwrap();
    let patient = s.patient.clone();
    s.registry_exec(
        &patient,
        RegistryMsg::TransferDevice {
            device_id: d.id.clone(),
            new_owner: new_owner.to_string(),
            signature: d.key.sign(&bytes),
            expires_in_seconds: None,
        },
    );
    s.registry_exec(
        new_owner,
        RegistryMsg::AcceptTransfer {
            device_id: d.id.clone(),
        },
    );
}

#[test]
fn coverage_is_split_exactly_when_a_device_changes_hands_during_a_day() {
    let mut s = Suite::new();
    let other = s.app.api().addr_make("patient-two");
    let d = s.cgm("cgm-handover-1");
    // 06:00: the first owner's morning is anchored.
    s.set_time(DAY0 + 6 * 3_600);
    s.submit(&[s.batch(&d, 1, 12, DAY0), s.batch(&d, 13, 12, DAY0 + 3_600)])
        .unwrap();
    // 06:30: the device changes hands; 12:00: the new owner's readings are anchored.
    transfer(&mut s, &d, &other, DAY0 + 6 * 3_600 + 1_800);
    s.set_time(DAY0 + 12 * 3_600);
    s.submit(&[
        s.batch(&d, 25, 12, DAY0 + 7 * 3_600),
        s.batch(&d, 37, 6, DAY0 + 8 * 3_600),
    ])
    .unwrap();
    assert_eq!(
        (glucose(&s, &s.patient.clone()), glucose(&s, &other)),
        (24, 18)
    );
    // And back again the same day: each owner keeps exactly their own readings.
    let patient = s.patient.clone();
    s.set_time(DAY0 + 13 * 3_600);
    let (chain_id, contract) = s.registry_domain();
    let nonce = s
        .app
        .wrap()
        .query_wasm_smart::<diachain_std::Device>(
            s.registry.clone(),
            &diachain_std::registry::QueryMsg::Device { id: d.id.clone() },
        )
        .unwrap()
        .nonce;
    let bytes = bind_sign_bytes(
        &Domain {
            chain_id: &chain_id,
            contract: &contract,
        },
        &d.id,
        patient.as_str(),
        nonce,
    )
    .unwrap();
    s.app
        .execute_contract(
            other.clone(),
            s.registry.clone(),
            &RegistryMsg::TransferDevice {
                device_id: d.id.clone(),
                new_owner: patient.to_string(),
                signature: d.key.sign(&bytes),
                expires_in_seconds: None,
            },
            &[],
        )
        .unwrap();
    s.registry_exec(
        &patient,
        RegistryMsg::AcceptTransfer {
            device_id: d.id.clone(),
        },
    );
    s.set_time(DAY0 + 16 * 3_600);
    s.submit(&[s.batch(&d, 43, 12, DAY0 + 14 * 3_600)]).unwrap();
    assert_eq!((glucose(&s, &patient), glucose(&s, &other)), (36, 18));
}

#[test]
fn readings_measured_before_the_current_owner_took_the_device_are_refused() {
    let mut s = Suite::new();
    let other = s.app.api().addr_make("patient-two");
    let d = s.cgm("cgm-handover-2");
    transfer(&mut s, &d, &other, DAY0 + 2 * 3_600);
    s.set_time(DAY0 + 6 * 3_600);
    // Measured by the first owner at 01:00, delivered after the transfer: never credited to
    // the new owner.
    let late = s.batch(&d, 1, 12, DAY0 + 3_600);
    assert_refused(
        s.submit(&[late]),
        ContractError::MeasuredBeforeOwner {
            index: 0,
            device_id: d.id.clone(),
            first_time: DAY0 + 3_600,
            owner_since: DAY0 + 2 * 3_600,
        },
    );
    s.submit(&[s.batch(&d, 13, 12, DAY0 + 3 * 3_600)]).unwrap();
    assert_eq!(glucose(&s, &other), 12);
}

#[test]
fn a_batch_signed_before_a_key_rotation_verifies_with_the_previous_key_after_it() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-rotated-01");
    let next = TestKey::new(KeyAlgorithm::Ed25519, 77);
    s.set_time(DAY0 + 5 * 3_600);
    let maker = s.maker.clone();
    s.registry_exec(
        &maker,
        RegistryMsg::RotateKey {
            device_id: d.id.clone(),
            new_key: next.public_key(),
            signature: None,
        },
    );
    s.set_time(DAY0 + 8 * 3_600);
    // Closed at 03:55 and signed with the old key; delivered after the 05:00 rotation.
    s.submit(&[s.batch(&d, 1, 12, DAY0 + 3 * 3_600)]).unwrap();
    // After the rotation the old key no longer signs...
    let stale = s.batch(&d, 13, 12, DAY0 + 6 * 3_600);
    assert_refused(
        s.submit(&[stale]),
        ContractError::InvalidSignature {
            index: 0,
            device_id: d.id.clone(),
        },
    );
    // ...and the new key does, while it cannot sign for the time before the rotation.
    let rotated = Device {
        id: d.id.clone(),
        key: next,
    };
    s.submit(&[s.batch(&rotated, 13, 12, DAY0 + 6 * 3_600)])
        .unwrap();
    let d2 = s.cgm("cgm-rotated-02");
    let next2 = TestKey::new(KeyAlgorithm::Ed25519, 78);
    s.registry_exec(
        &maker,
        RegistryMsg::RotateKey {
            device_id: d2.id.clone(),
            new_key: next2.public_key(),
            signature: None,
        },
    );
    let early_new = s.batch(
        &Device {
            id: d2.id.clone(),
            key: next2,
        },
        1,
        12,
        DAY0 + 3 * 3_600,
    );
    assert_refused(
        s.submit(&[early_new]),
        ContractError::InvalidSignature {
            index: 0,
            device_id: d2.id.clone(),
        },
    );
}
