use cosmwasm_std::Binary;
use diachain_std::anchors::{CursorResponse, MAX_BATCHES_PER_SUBMIT, MAX_READINGS_PER_BATCH};
use diachain_std::encoding::EncodingError;
use diachain_std::testing::{signed_batch, TestKey};
use diachain_std::{DeviceKind, Domain, KeyAlgorithm};

use super::{Suite, DAY, DAY0};
use crate::msg::QueryMsg;
use crate::ContractError;
use diachain_testing::assert_refused;

fn nothing_anchored(s: &Suite, device_id: &str) {
    let c: CursorResponse = s.query(QueryMsg::Cursor {
        device_id: device_id.into(),
    });
    assert_eq!(c.last_seq, None, "{device_id} must have nothing anchored");
}

#[test]
fn unknown_and_unbound_devices_are_refused() {
    let mut s = Suite::new();
    let known = s.cgm("cgm-known-0001");
    let unbound = s.device(
        "cgm-unbound-01",
        KeyAlgorithm::Ed25519,
        DeviceKind::Cgm,
        None,
    );
    let ghost = super::Device {
        id: "cgm-ghost-0001".into(),
        key: TestKey::new(KeyAlgorithm::Ed25519, 9),
    };
    let ok = s.batch(&known, 1, 12, DAY0);
    assert_refused(
        s.submit(&[ok.clone(), s.batch(&ghost, 1, 12, DAY0)]),
        ContractError::UnknownDevice {
            index: 1,
            device_id: ghost.id.clone(),
        },
    );
    assert_refused(
        s.submit(&[ok, s.batch(&unbound, 1, 12, DAY0)]),
        ContractError::DeviceNotBound {
            index: 1,
            device_id: unbound.id.clone(),
        },
    );
    nothing_anchored(&s, &known.id);
}

#[test]
fn wrong_signatures_and_signatures_for_another_contract_or_chain_are_refused() {
    let mut s = Suite::new();
    let ed = s.cgm("cgm-sig-ed-001");
    let patient = s.patient.clone();
    let r1 = s.device(
        "pen-sig-r1-001",
        KeyAlgorithm::Secp256r1,
        DeviceKind::Pen,
        Some(&patient),
    );
    for d in [&ed, &r1] {
        let mut forged = s.batch(d, 1, 12, DAY0);
        forged.signature = TestKey::new(d.key.algorithm(), 200).sign(b"something else");
        assert_refused(
            s.submit(&[forged]),
            ContractError::InvalidSignature {
                index: 0,
                device_id: d.id.clone(),
            },
        );
        let (chain_id, _) = s.anchors_domain();
        let other_contract = s.registry.to_string();
        let elsewhere = signed_batch(
            &d.key,
            &d.id,
            1,
            12,
            DAY0,
            300,
            &Domain {
                chain_id: &chain_id,
                contract: &other_contract,
            },
        );
        assert_refused(
            s.submit(&[elsewhere]),
            ContractError::InvalidSignature {
                index: 0,
                device_id: d.id.clone(),
            },
        );
        let anchors = s.anchors.to_string();
        let other_chain = signed_batch(
            &d.key,
            &d.id,
            1,
            12,
            DAY0,
            300,
            &Domain {
                chain_id: "diachain-other",
                contract: &anchors,
            },
        );
        assert_refused(
            s.submit(&[other_chain]),
            ContractError::InvalidSignature {
                index: 0,
                device_id: d.id.clone(),
            },
        );
        // A header altered after signing (a different root) fails too.
        let mut altered = s.batch(d, 1, 12, DAY0);
        altered.header.root = Binary::new(vec![7; 32]);
        assert_refused(
            s.submit(&[altered]),
            ContractError::InvalidSignature {
                index: 0,
                device_id: d.id.clone(),
            },
        );
    }
    // In a mixed ed25519 batch, the failing header is named.
    let ed2 = s.cgm("cgm-sig-ed-002");
    let mut bad = s.batch(&ed2, 1, 12, DAY0);
    bad.signature = TestKey::new(KeyAlgorithm::Ed25519, 201).sign(b"x");
    assert_refused(
        s.submit(&[s.batch(&ed, 1, 12, DAY0), bad]),
        ContractError::InvalidSignature {
            index: 1,
            device_id: ed2.id.clone(),
        },
    );
    nothing_anchored(&s, &ed.id);
}

#[test]
fn only_an_active_relayer_submits() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-relayer-01");
    let b = s.batch(&d, 1, 12, DAY0);
    for sender in [
        s.stranger.clone(),
        s.patient.clone(),
        s.maker.clone(),
        s.admin.clone(),
    ] {
        assert_refused(
            s.submit_as(&sender, std::slice::from_ref(&b)),
            ContractError::NotRelayer {
                address: sender.to_string(),
            },
        );
    }
    let (admin, relayer) = (s.admin.clone(), s.relayer.clone());
    s.registry_exec(
        &admin,
        diachain_std::registry::ExecuteMsg::SuspendParticipant {
            role: diachain_std::device::Role::Relayer,
            address: relayer.to_string(),
            reason: "audit".into(),
        },
    );
    assert_refused(
        s.submit(&[b]),
        ContractError::NotRelayer {
            address: relayer.to_string(),
        },
    );
}

#[test]
fn malformed_empty_and_oversized_submissions_are_refused() {
    let mut s = Suite::new();
    let relayer = s.relayer.clone();
    assert_refused(
        s.submit_raw(&relayer, Binary::default()),
        ContractError::EmptySubmission,
    );
    assert_refused(
        s.submit_raw(&relayer, Binary::new(vec![9, 1, 2])),
        ContractError::Malformed(EncodingError::Truncated { field: "device id" }),
    );
    // A first byte below 8 (no device id is that short) is a header version: 2 is the only
    // one besides the unmarked version 1.
    assert_refused(
        s.submit_raw(&relayer, Binary::new(vec![5, 1, 2])),
        ContractError::Malformed(EncodingError::HeaderVersion(5)),
    );
    let d = s.cgm("cgm-malform-01");
    let mut bytes = super::submission_bytes(&[s.batch(&d, 1, 12, DAY0)]);
    bytes.pop();
    assert_refused(
        s.submit_raw(&relayer, Binary::new(bytes)),
        ContractError::Malformed(EncodingError::Truncated { field: "signature" }),
    );
    let one = s.batch(&d, 1, 1, DAY0);
    let many = vec![one; MAX_BATCHES_PER_SUBMIT + 1];
    assert_refused(
        s.submit(&many),
        ContractError::TooManyBatches {
            max: MAX_BATCHES_PER_SUBMIT,
        },
    );
}

#[test]
fn header_fields_that_do_not_fit_together_are_refused() {
    let mut s = Suite::new();
    let d = s.cgm("cgm-fields-001");
    let now = s.app.block_info().time.seconds();
    let mut mismatch = s.batch(&d, 1, 12, DAY0);
    mismatch.header.count = 11;
    assert_refused(
        s.submit(&[mismatch]),
        ContractError::CountMismatch {
            index: 0,
            device_id: d.id.clone(),
            first_seq: 1,
            last_seq: 12,
            count: 11,
        },
    );
    let mut inverted_range = s.batch(&d, 10, 1, DAY0);
    inverted_range.header.last_seq = 9;
    assert_refused(
        s.submit(&[inverted_range]),
        ContractError::CountMismatch {
            index: 0,
            device_id: d.id.clone(),
            first_seq: 10,
            last_seq: 9,
            count: 1,
        },
    );
    let mut zero = s.batch(&d, 1, 1, DAY0);
    zero.header.count = 0;
    assert_refused(
        s.submit(&[zero]),
        ContractError::BatchSize {
            index: 0,
            device_id: d.id.clone(),
            max: MAX_READINGS_PER_BATCH,
        },
    );
    let huge = s.batch(&d, 1, MAX_READINGS_PER_BATCH + 1, DAY0 - (DAY0 % DAY));
    assert_refused(
        s.submit(&[huge]),
        ContractError::BatchSize {
            index: 0,
            device_id: d.id.clone(),
            max: MAX_READINGS_PER_BATCH,
        },
    );
    let mut inverted_times = s.batch(&d, 1, 12, DAY0);
    inverted_times.header.last_time = DAY0 - 1;
    assert_refused(
        s.submit(&[inverted_times]),
        ContractError::TimesInverted {
            index: 0,
            device_id: d.id.clone(),
            first_time: DAY0,
            last_time: DAY0 - 1,
        },
    );
    let across = s.batch(&d, 1, 12, DAY0 - 1_800);
    assert_refused(
        s.submit(&[across]),
        ContractError::CrossesMidnight {
            index: 0,
            device_id: d.id.clone(),
        },
    );
    let future = s.batch(&d, 1, 2, now + 600);
    assert_refused(
        s.submit(&[future]),
        ContractError::FutureReading {
            index: 0,
            device_id: d.id.clone(),
            last_time: now + 900,
        },
    );
    // Within the allowed clock skew is fine.
    s.submit(&[s.batch(&d, 1, 1, now + 200)]).unwrap();
}

#[test]
fn funds_are_refused() {
    let mut s = Suite::new();
    let relayer = s.relayer.clone();
    let d = s.cgm("cgm-funds-0001");
    let msg = crate::msg::ExecuteMsg::SubmitBatches {
        batches: super::submission(&[s.batch(&d, 1, 1, DAY0)]),
    };
    assert_refused(
        s.exec_funds(&relayer, msg, &cosmwasm_std::coins(5, "udia")),
        ContractError::Payment(cw_utils::PaymentError::NonPayable {}),
    );
    let add = crate::msg::ExecuteMsg::AddListener {
        address: relayer.to_string(),
    };
    assert_refused(
        s.exec_funds(&relayer, add, &cosmwasm_std::coins(5, "udia")),
        ContractError::Payment(cw_utils::PaymentError::NonPayable {}),
    );
}

#[test]
fn a_failing_header_rejects_the_whole_message() {
    // All or nothing: the first header is valid, the second overlaps it; neither is anchored.
    let mut s = Suite::new();
    let d = s.cgm("cgm-atomic-001");
    let first = s.batch(&d, 1, 12, DAY0);
    let overlapping = s.batch(&d, 12, 12, DAY0 + 3_600);
    assert_refused(
        s.submit(&[first, overlapping]),
        ContractError::Overlap {
            index: 1,
            device_id: d.id.clone(),
            first_seq: 12,
            anchored: 12,
        },
    );
    nothing_anchored(&s, &d.id);
}
