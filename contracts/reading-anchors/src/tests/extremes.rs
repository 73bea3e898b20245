//! The extremes of every numeric field of a header and of every query: a contract error or a
//! correct answer, never a VM trap, and nothing accepted that breaks a rule. Before 0.2.0 a
//! device-signed header ending at `u64::MAX` was accepted, and every later read of it overflowed
//! (`last_seq + 1`), so its device's queries and submissions and its owner's coverage aborted.

use cosmwasm_std::Binary;
use diachain_std::anchors::{
    BatchInfo, CoverageResponse, CursorResponse, Gap, ProofResponse, MAX_READINGS_PER_BATCH,
    MAX_SEQ,
};
use diachain_std::testing::SignedBatch;
use diachain_std::{BatchHeader, Domain, Page};
use proptest::prelude::*;

use super::{Device, Suite, DAY, DAY0};
use crate::msg::QueryMsg;
use crate::state::Batches;
use crate::ContractError;
use diachain_testing::assert_refused;

const NOW: u64 = DAY0 + 3 * DAY;

/// A header with exactly these fields, signed by the device (a valid signature, so that the
/// contract's own range rules are what is tested).
fn signed_header(s: &Suite, d: &Device, fields: (u64, u64, u32, u64, u64)) -> SignedBatch {
    let (first_seq, last_seq, count, first_time, last_time) = fields;
    let header = BatchHeader {
        device_id: d.id.clone(),
        first_seq,
        last_seq,
        count,
        first_time,
        last_time,
        root: Binary::new(vec![7; 32]),
        scopes: None,
    };
    let (chain_id, contract) = s.anchors_domain();
    let domain = Domain {
        chain_id: &chain_id,
        contract: &contract,
    };
    let signature = d.key.sign(&header.sign_bytes(&domain).unwrap());
    SignedBatch {
        header,
        signature,
        readings: vec![],
        leaves: vec![],
    }
}

/// Every query that takes a number, at `n`: each answers or returns a contract error.
fn every_query_answers(s: &Suite, d: &Device, n: u64) {
    let id = || d.id.clone();
    let _ = s
        .try_query::<CursorResponse>(QueryMsg::Cursor { device_id: id() })
        .unwrap();
    let _ = s.try_query::<BatchInfo>(QueryMsg::Batch {
        device_id: id(),
        seq: n,
    });
    s.try_query::<Page<BatchInfo>>(QueryMsg::Batches {
        device_id: id(),
        start_after: Some(n),
        limit: Some(u32::MAX),
    })
    .unwrap();
    s.try_query::<Page<Gap>>(QueryMsg::Gaps {
        device_id: id(),
        start_after: Some(n),
        limit: Some(u32::MAX),
    })
    .unwrap();
    let _ = s.try_query::<ProofResponse>(QueryMsg::VerifyProof {
        device_id: id(),
        seq: n,
        leaf_hash: Binary::new(vec![0; 32]),
        path: vec![Binary::new(vec![1; 32]); 3],
    });
    for (from_day, to_day) in [
        (0, n),
        (n, n),
        (n, n.saturating_add(1)),
        (n.saturating_sub(365), n),
    ] {
        let _ = s.try_query::<CoverageResponse>(QueryMsg::Coverage {
            patient: s.patient.to_string(),
            from_day,
            to_day,
        });
    }
    let today = NOW / DAY;
    s.try_query::<CoverageResponse>(QueryMsg::Coverage {
        patient: s.patient.to_string(),
        from_day: today - 365,
        to_day: today,
    })
    .unwrap();
}

fn extreme_u64() -> impl Strategy<Value = u64> {
    prop::sample::select(vec![
        0,
        1,
        2,
        u64::from(u32::MAX),
        MAX_SEQ - 1,
        MAX_SEQ,
        MAX_SEQ + 1,
        u64::MAX - 1,
        u64::MAX,
    ])
}

fn extreme_u32() -> impl Strategy<Value = u32> {
    prop::sample::select(vec![
        0,
        1,
        2,
        12,
        MAX_READINGS_PER_BATCH,
        MAX_READINGS_PER_BATCH + 1,
        u32::MAX,
    ])
}

fn extreme_time() -> impl Strategy<Value = u64> {
    prop::sample::select(vec![
        0,
        1,
        u64::from(u32::MAX),
        DAY0,
        DAY0 + 3_600,
        NOW - 1,
        NOW,
        NOW + 300,
        NOW + 301,
        u64::MAX - 1,
        u64::MAX,
    ])
}

#[test]
fn a_header_ending_at_u64_max_is_refused_and_the_device_keeps_anchoring() {
    let mut s = Suite::new();
    let cgm = s.cgm("cgm-extreme-001");
    let attack = signed_header(&s, &cgm, (u64::MAX, u64::MAX, 1, DAY0, DAY0));
    assert_refused(
        s.submit(&[attack]),
        ContractError::SeqOutOfRange {
            index: 0,
            device_id: cgm.id.clone(),
            first_seq: u64::MAX,
            last_seq: u64::MAX,
            max: MAX_SEQ,
        },
    );
    // The last representable range is accepted, and nothing after it.
    let last = s.batch(&cgm, MAX_SEQ - 11, 12, DAY0);
    s.submit(&[last]).unwrap();
    every_query_answers(&s, &cgm, MAX_SEQ);
    assert_refused(
        s.submit(&[signed_header(
            &s,
            &cgm,
            (MAX_SEQ + 1, MAX_SEQ + 1, 1, DAY0 + 7_200, DAY0 + 7_200),
        )]),
        ContractError::SeqOutOfRange {
            index: 0,
            device_id: cgm.id.clone(),
            first_seq: MAX_SEQ + 1,
            last_seq: MAX_SEQ + 1,
            max: MAX_SEQ,
        },
    );
    let c: CoverageResponse = s.query(QueryMsg::Coverage {
        patient: s.patient.to_string(),
        from_day: DAY0 / DAY,
        to_day: DAY0 / DAY,
    });
    assert_eq!(c.days.len(), 1);
    assert_eq!(c.days[0].readings, 12);
}

#[test]
fn a_record_stored_at_u64_max_by_0_1_reads_without_trapping() {
    let mut s = Suite::new();
    let cgm = s.cgm("cgm-poisoned-01");
    s.submit(&[s.batch(&cgm, 1, 12, DAY0)]).unwrap();
    // What 0.1.x stored for an accepted header ending at u64::MAX: count 1, root, cumulative,
    // day, height (56 bytes).
    let mut legacy = Vec::with_capacity(56);
    legacy.extend_from_slice(&1u32.to_be_bytes());
    legacy.extend_from_slice(&[9; 32]);
    legacy.extend_from_slice(&13u64.to_be_bytes());
    legacy.extend_from_slice(&((DAY0 / DAY) as u32).to_be_bytes());
    legacy.extend_from_slice(&99u64.to_be_bytes());
    let anchors = s.anchors.clone();
    s.app
        .contract_storage_mut(&anchors)
        .set(&Batches::key(&cgm.id, u64::MAX), &legacy);

    let c: CursorResponse = s.query(QueryMsg::Cursor {
        device_id: cgm.id.clone(),
    });
    assert_eq!(c.last_seq, Some(u64::MAX));
    let b: BatchInfo = s.query(QueryMsg::Batch {
        device_id: cgm.id.clone(),
        seq: u64::MAX,
    });
    assert_eq!(
        (b.first_seq, b.last_seq, b.day),
        (u64::MAX, u64::MAX, DAY0 / DAY)
    );
    every_query_answers(&s, &cgm, u64::MAX);
    // The device is at the end of its sequence space: a further batch is an overlap, refused
    // with a contract error, not a trap.
    assert_refused(
        s.submit(&[s.batch(&cgm, 13, 12, DAY0 + 7_200)]),
        ContractError::Overlap {
            index: 0,
            device_id: cgm.id.clone(),
            first_seq: 13,
            anchored: u64::MAX,
        },
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn headers_with_extreme_numbers_are_refused_with_an_error_or_anchored_within_every_rule(
        first_seq in extreme_u64(),
        last_seq in extreme_u64(),
        count in extreme_u32(),
        first_time in extreme_time(),
        last_time in extreme_time(),
        query_at in extreme_u64(),
    ) {
        let mut s = Suite::new();
        let cgm = s.cgm("cgm-extreme-prop");
        // A device that has anchored before, so the continuity rules are exercised too.
        s.submit(&[s.batch(&cgm, 1, 1, DAY0)]).unwrap();
        let header = signed_header(&s, &cgm, (first_seq, last_seq, count, first_time, last_time));
        let accepted = s.submit(&[header]).is_ok();
        if accepted {
            prop_assert!(first_seq > 1 && last_seq <= MAX_SEQ);
            prop_assert_eq!(last_seq - first_seq + 1, u64::from(count));
            prop_assert!(first_time >= DAY0 + 60 && first_time <= last_time && last_time <= NOW + 300);
            prop_assert!(u64::from(count) <= (last_time - first_time) / 60 + 1);
        }
        every_query_answers(&s, &cgm, query_at);
        every_query_answers(&s, &cgm, first_seq);
        every_query_answers(&s, &cgm, last_seq);
    }
}
