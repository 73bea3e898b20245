use cosmwasm_std::{Binary, Response, Timestamp};
use cw_utils::PaymentError;
use diachain_std::consent::{
    ConsentRole, ErasureRecord, ExecuteMsg, QueryMsg, MAX_ERASURE_RECORD_DELAY_SECONDS,
    REQUEST_HASH_LEN,
};
use diachain_std::pagination::MAX_LIMIT;
use diachain_std::Page;

use super::{attr, Suite, DAY, HOUR};
use crate::error::ContractError;

fn hash(byte: u8) -> Binary {
    Binary::new(vec![byte; REQUEST_HASH_LEN])
}

fn erasure(s: &Suite, request_hash: Binary, requested_at: Timestamp) -> ExecuteMsg {
    ExecuteMsg::RecordErasure {
        patient: s.patient.to_string(),
        request_hash,
        requested_at,
    }
}

fn record(msg: ExecuteMsg, s: &mut Suite) -> Result<Response, ContractError> {
    let custodian = s.custodian.clone();
    s.exec(&custodian, msg)
}

fn erasures(s: &Suite, start_after: Option<u64>, limit: Option<u32>) -> Page<ErasureRecord> {
    s.query(QueryMsg::Erasures {
        patient: s.patient.to_string(),
        start_after,
        limit,
    })
}

#[test]
fn a_custodian_records_an_erasure_and_the_patient_sees_it() {
    let mut s = Suite::new();
    let requested_at = s.now().minus_seconds(2 * HOUR);
    let res = record(erasure(&s, hash(7), requested_at), &mut s).unwrap();
    assert_eq!(attr(&res, "action"), "record_erasure");
    assert_eq!(attr(&res, "erasure_id"), "1");
    assert_eq!(attr(&res, "patient"), s.patient.as_str());
    assert_eq!(attr(&res, "custodian"), s.custodian.as_str());
    // Ids, addresses and the action only: nothing about the request or the data.
    let keys: Vec<_> = res.attributes.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys, ["action", "erasure_id", "patient", "custodian"]);
    let page = erasures(&s, None, None);
    assert!(!page.has_more);
    assert_eq!(
        page.items,
        vec![ErasureRecord {
            id: 1,
            patient: s.patient.clone(),
            custodian: s.custodian.clone(),
            request_hash: hash(7),
            requested_at,
            at: s.now(),
            height: s.env.block.height,
        }]
    );
    // Nobody else's.
    let other: Page<ErasureRecord> = s.query(QueryMsg::Erasures {
        patient: s.clinician.to_string(),
        start_after: None,
        limit: None,
    });
    assert!(other.items.is_empty());
}

#[test]
fn only_an_admitted_custodian_may_record_an_erasure_and_without_funds() {
    let mut s = Suite::new();
    let msg = erasure(&s, hash(1), s.now());
    for who in [
        s.stranger.clone(),
        s.patient.clone(),
        s.clinician.clone(),
        s.er_doc.clone(),
        s.admin.clone(),
    ] {
        assert_eq!(
            s.exec(&who, msg.clone()).unwrap_err(),
            ContractError::NotMember {
                role: ConsentRole::Custodian,
                address: who.to_string()
            }
        );
    }
    let custodian = s.custodian.clone();
    assert_eq!(
        s.exec_paid(&custodian, msg.clone()).unwrap_err(),
        ContractError::Payment(PaymentError::NonPayable {})
    );
    // A removed custodian no longer may.
    let admin = s.admin.clone();
    s.exec(
        &admin,
        ExecuteMsg::RemoveMember {
            role: ConsentRole::Custodian,
            address: custodian.to_string(),
        },
    )
    .unwrap();
    assert_eq!(
        s.exec(&custodian, msg).unwrap_err(),
        ContractError::NotMember {
            role: ConsentRole::Custodian,
            address: custodian.to_string()
        }
    );
    assert!(erasures(&s, None, None).items.is_empty());
}

#[test]
fn a_request_hash_of_any_length_but_32_bytes_is_refused() {
    let mut s = Suite::new();
    for len in [0, 1, 31, 33, 64, 1024] {
        let msg = erasure(&s, Binary::new(vec![9; len]), s.now());
        assert_eq!(
            record(msg, &mut s).unwrap_err(),
            ContractError::InvalidRequestHash {
                len,
                expected: REQUEST_HASH_LEN
            }
        );
    }
    let bad_patient = ExecuteMsg::RecordErasure {
        patient: "Not An Address".into(),
        request_hash: hash(1),
        requested_at: s.now(),
    };
    assert!(matches!(
        record(bad_patient, &mut s).unwrap_err(),
        ContractError::Std(_)
    ));
    assert!(erasures(&s, None, None).items.is_empty());
}

#[test]
fn requested_at_in_the_future_or_beyond_the_bound_is_refused_and_the_bound_itself_is_accepted() {
    let mut s = Suite::new();
    let now = s.now();
    for at in [
        now.plus_nanos(1),
        now.plus_seconds(DAY),
        Timestamp::from_nanos(u64::MAX),
    ] {
        assert_eq!(
            record(erasure(&s, hash(1), at), &mut s).unwrap_err(),
            ContractError::RequestedInFuture {
                requested_at: at,
                now
            }
        );
    }
    let bound = now.minus_seconds(MAX_ERASURE_RECORD_DELAY_SECONDS);
    for at in [bound.minus_nanos(1), Timestamp::from_nanos(0)] {
        let err = record(erasure(&s, hash(1), at), &mut s).unwrap_err();
        assert_eq!(
            err,
            ContractError::RequestTooOld {
                requested_at: at,
                now,
                max_delay_seconds: MAX_ERASURE_RECORD_DELAY_SECONDS
            }
        );
        assert!(err.to_string().contains("2592000 seconds"), "{err}");
    }
    record(erasure(&s, hash(1), bound), &mut s).unwrap();
    record(erasure(&s, hash(2), now), &mut s).unwrap();
    let got: Vec<_> = erasures(&s, None, None)
        .items
        .iter()
        .map(|r| r.requested_at)
        .collect();
    assert_eq!(got, vec![bound, now]);
}

#[test]
fn the_same_request_is_recorded_once_per_custodian_and_a_retry_says_already_recorded() {
    let mut s = Suite::new();
    let requested_at = s.now().minus_seconds(HOUR);
    record(erasure(&s, hash(1), requested_at), &mut s).unwrap();
    s.advance(HOUR);
    // A retry, even in a later block and with another (or a stale) requested_at.
    for at in [
        requested_at,
        s.now(),
        Timestamp::from_nanos(0),
        Timestamp::from_nanos(u64::MAX),
    ] {
        let err = record(erasure(&s, hash(1), at), &mut s).unwrap_err();
        assert_eq!(err, ContractError::ErasureAlreadyRecorded { id: 1 });
        // The relayer tells this refusal from others by its text.
        assert!(
            err.to_string().starts_with("erasure already recorded"),
            "{err}"
        );
    }
    // Another request of the same patient, the same request of another patient, and the same
    // request at another custodian are new records.
    record(erasure(&s, hash(2), s.now()), &mut s).unwrap();
    let other_patient = ExecuteMsg::RecordErasure {
        patient: s.clinician.to_string(),
        request_hash: hash(1),
        requested_at: s.now(),
    };
    record(other_patient, &mut s).unwrap();
    let (admin, second) = (s.admin.clone(), s.addr("second-custodian"));
    s.exec(
        &admin,
        ExecuteMsg::AdmitMember {
            role: ConsentRole::Custodian,
            address: second.to_string(),
        },
    )
    .unwrap();
    let msg = erasure(&s, hash(1), s.now());
    s.exec(&second, msg.clone()).unwrap();
    assert_eq!(
        s.exec(&second, msg).unwrap_err(),
        ContractError::ErasureAlreadyRecorded { id: 4 }
    );
    let mine: Vec<_> = erasures(&s, None, None)
        .items
        .iter()
        .map(|r| (r.id, r.custodian.clone()))
        .collect();
    assert_eq!(
        mine,
        vec![
            (1, s.custodian.clone()),
            (2, s.custodian.clone()),
            (4, second)
        ]
    );
}

#[test]
fn erasures_page_oldest_first_capped_like_every_list() {
    let mut s = Suite::new();
    let n = MAX_LIMIT as u8 + 5;
    for i in 0..n {
        record(erasure(&s, hash(i), s.now()), &mut s).unwrap();
    }
    let first = erasures(&s, None, None);
    assert_eq!(first.items.len(), 10);
    assert!(first.has_more);
    let all = erasures(&s, None, Some(u32::MAX));
    assert_eq!(all.items.len(), MAX_LIMIT as usize);
    assert!(all.has_more);
    let ids: Vec<u64> = all.items.iter().map(|r| r.id).collect();
    assert_eq!(ids, (1..=MAX_LIMIT as u64).collect::<Vec<_>>());
    let rest = erasures(&s, Some(MAX_LIMIT as u64), Some(u32::MAX));
    assert_eq!(rest.items.len(), 5);
    assert!(!rest.has_more);
    assert_eq!(rest.items[0].request_hash, hash(MAX_LIMIT as u8));
    assert_eq!(erasures(&s, None, Some(0)).items.len(), 1);
    assert!(erasures(&s, Some(u64::MAX), None).items.is_empty());
}
