use diachain_std::anchors::{BatchInfo, CursorResponse};
use diachain_std::{DeviceKind, KeyAlgorithm, Page};

use super::{Suite, DAY0};
use crate::msg::QueryMsg;

#[test]
fn valid_batches_of_every_key_algorithm_are_anchored_in_one_message() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let devices: Vec<_> = [
        KeyAlgorithm::Ed25519,
        KeyAlgorithm::Secp256k1,
        KeyAlgorithm::Secp256r1,
    ]
    .iter()
    .enumerate()
    .map(|(i, alg)| {
        s.device(
            &format!("dev-algo-{i:04}"),
            *alg,
            DeviceKind::Cgm,
            Some(&patient),
        )
    })
    .collect();
    let batches: Vec<_> = devices
        .iter()
        .map(|d| s.batch(d, 100, 12, DAY0 + 3_600))
        .collect();
    let res = s.submit(&batches).unwrap();
    let attr = |k: &str| {
        res.events
            .iter()
            .flat_map(|e| &e.attributes)
            .find(|a| a.key == k)
            .map(|a| a.value.clone())
    };
    assert_eq!(
        (attr("batches"), attr("readings"), attr("gaps")),
        (Some("3".into()), Some("36".into()), Some("0".into()))
    );
    for (d, b) in devices.iter().zip(&batches) {
        let cursor: CursorResponse = s.query(QueryMsg::Cursor {
            device_id: d.id.clone(),
        });
        assert_eq!(cursor.last_seq, Some(111));
        let info: BatchInfo = s.query(QueryMsg::Batch {
            device_id: d.id.clone(),
            seq: 105,
        });
        assert_eq!(
            (info.first_seq, info.last_seq, &info.root),
            (100, 111, &b.header.root)
        );
        assert_eq!(info.day, DAY0 / 86_400);
        assert_eq!(info.anchored_height, s.app.block_info().height);
    }
}

#[test]
fn many_ed25519_batches_of_several_devices_verify_together_and_list_in_order() {
    let mut s = Suite::new();
    let a = s.cgm("cgm-batch-aaaa");
    let b = s.cgm("cgm-batch-bbbb");
    let mut batches = Vec::new();
    for hour in 0..6u64 {
        batches.push(s.batch(&a, 1 + hour * 12, 12, DAY0 + hour * 3_600));
        batches.push(s.batch(&b, 501 + hour * 12, 12, DAY0 + hour * 3_600));
    }
    s.submit(&batches).unwrap();
    let page: Page<BatchInfo> = s.query(QueryMsg::Batches {
        device_id: a.id.clone(),
        start_after: None,
        limit: Some(4),
    });
    assert_eq!(
        page.items.iter().map(|b| b.first_seq).collect::<Vec<_>>(),
        vec![1, 13, 25, 37]
    );
    assert!(page.has_more);
    let rest: Page<BatchInfo> = s.query(QueryMsg::Batches {
        device_id: a.id.clone(),
        start_after: Some(page.items[3].last_seq),
        limit: None,
    });
    assert_eq!(
        rest.items.iter().map(|b| b.first_seq).collect::<Vec<_>>(),
        vec![49, 61]
    );
    assert!(!rest.has_more);
    let cursor: CursorResponse = s.query(QueryMsg::Cursor {
        device_id: b.id.clone(),
    });
    assert_eq!(cursor.last_seq, Some(572));
    let none: CursorResponse = s.query(QueryMsg::Cursor {
        device_id: "cgm-never-seen".into(),
    });
    assert_eq!(none.last_seq, None);
}

#[test]
fn a_batch_signed_before_revocation_is_accepted_after_it_and_a_later_one_refused() {
    let mut s = Suite::new();
    s.set_time(DAY0 - 3_600);
    let d = s.cgm("cgm-revoked-01");
    s.set_time(DAY0 + 3 * 86_400);
    let patient = s.patient.clone();
    // Lost at 12:00 on day 0, reported on day 3 (the block time).
    s.registry_exec(
        &patient,
        diachain_std::registry::ExecuteMsg::RevokeDevice {
            device_id: d.id.clone(),
            reason: diachain_std::device::RevocationReason::Lost,
            effective_at: Some(cosmwasm_std::Timestamp::from_seconds(DAY0 + 12 * 3_600)),
        },
    );
    let before = s.batch(&d, 1, 12, DAY0 + 11 * 3_600);
    s.submit(&[before]).unwrap();
    let straddling = s.batch(&d, 13, 12, DAY0 + 12 * 3_600 - 1_800);
    diachain_testing::assert_refused(
        s.submit(&[straddling]),
        crate::ContractError::DeviceNotAccepting {
            index: 0,
            device_id: d.id.clone(),
            at: DAY0 + 12 * 3_600 - 1_800 + 11 * 300,
        },
    );
    let after = s.batch(&d, 13, 12, DAY0 + 13 * 3_600);
    diachain_testing::assert_refused(
        s.submit(&[after]),
        crate::ContractError::DeviceNotAccepting {
            index: 0,
            device_id: d.id.clone(),
            at: DAY0 + 13 * 3_600 + 11 * 300,
        },
    );
}

#[test]
fn a_suspended_device_is_refused_for_data_from_its_suspension() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-suspend-01");
    let maker = s.maker.clone();
    s.set_time(DAY0 + 3 * 86_400 + 7_200);
    s.registry_exec(
        &maker,
        diachain_std::registry::ExecuteMsg::SuspendDevice {
            device_id: d.id.clone(),
            reason: diachain_std::device::SuspensionReason::SafetyNotice,
        },
    );
    // The suspension starts at the block time (day 3); data from day 0 is still accepted.
    s.submit(&[s.batch(&d, 1, 12, DAY0)]).unwrap();
    let now = s.app.block_info().time.seconds();
    let late = s.batch(&d, 13, 2, now - 60);
    diachain_testing::assert_refused(
        s.submit(&[late]),
        crate::ContractError::DeviceNotAccepting {
            index: 0,
            device_id: d.id.clone(),
            at: now - 60 + 300,
        },
    );
}

#[test]
fn more_than_256_ed25519_batches_are_verified_in_chunks_and_a_bad_one_is_named() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-chunked-01");
    let mut batches: Vec<_> = (0..300u64)
        .map(|i| s.batch(&d, 1 + i, 1, DAY0 + i * 60))
        .collect();
    let good = batches[280].signature.clone();
    batches[280].signature =
        diachain_std::testing::TestKey::new(KeyAlgorithm::Ed25519, 250).sign(b"x");
    diachain_testing::assert_refused(
        s.submit(&batches),
        crate::ContractError::InvalidSignature {
            index: 280,
            device_id: d.id.clone(),
        },
    );
    batches[280].signature = good;
    s.submit(&batches).unwrap();
    let cursor: CursorResponse = s.query(QueryMsg::Cursor {
        device_id: d.id.clone(),
    });
    assert_eq!(cursor.last_seq, Some(300));
}
