//! Version 2 headers: readings count under the scopes their header lists (signed with it), not
//! under the device kind's; version 1 headers keep counting under the kind's scope.

use diachain_std::anchors::CoverageResponse;
use diachain_std::encoding::{EncodingError, ReadingKind, ScopeCount, ScopeError};
use diachain_std::hooks::Contribution;
use diachain_std::{DataScope, DeviceKind, KeyAlgorithm};

use super::{Suite, DAY, DAY0};
use crate::error::ContractError;
use crate::msg::QueryMsg;

fn coverage(s: &Suite, day: u64) -> Vec<(DataScope, u64)> {
    let r: CoverageResponse = s.query(QueryMsg::Coverage {
        patient: s.patient.to_string(),
        from_day: day,
        to_day: day,
    });
    r.days.into_iter().map(|d| (d.scope, d.readings)).collect()
}

fn gateway(s: &mut Suite, id: &str) -> super::Device {
    let patient = s.patient.clone();
    s.device(
        id,
        KeyAlgorithm::Secp256r1,
        DeviceKind::Gateway,
        Some(&patient),
    )
}

/// A phone gateway relays glucose: in a version 2 header its readings count as glucose, where
/// a version 1 header counted them under the gateway kind's scope (nutrition).
#[test]
fn a_gateways_glucose_counts_as_glucose_in_a_version_2_header() {
    let mut s = Suite::new();
    let phone = gateway(&mut s, "phone-scope-0001");
    let d0 = DAY0 / DAY;
    s.submit(&[s.batch(&phone, 1, 12, DAY0)]).unwrap();
    s.submit(&[s.batch_v2(&phone, 13, 12, DAY0 + 3_600, &[ReadingKind::Glucose])])
        .unwrap();
    assert_eq!(
        coverage(&s, d0),
        vec![(DataScope::Glucose, 12), (DataScope::Nutrition, 12)]
    );
}

/// A batch of mixed readings counts each under its scope, exactly, across batches and days;
/// the listeners hear the same counts, per batch and scope, with each batch's measured span.
#[test]
fn mixed_batches_count_each_scope_exactly_and_tell_the_listeners() {
    let mut s = Suite::new();
    let listener = s.listener();
    let pump = gateway(&mut s, "pump-scope-0001");
    let d0 = DAY0 / DAY;
    let mixed = [
        ReadingKind::Glucose,
        ReadingKind::Glucose,
        ReadingKind::InsulinBolus,
        ReadingKind::Carbohydrates,
    ];
    // 12 readings: 6 glucose, 3 insulin, 3 carbohydrates; then 12 glucose; then mixed again.
    let first = s.batch_v2(&pump, 1, 12, DAY0, &mixed);
    assert_eq!(
        first.header.scopes,
        Some(vec![
            ScopeCount {
                scope: DataScope::Glucose,
                readings: 6
            },
            ScopeCount {
                scope: DataScope::Insulin,
                readings: 3
            },
            ScopeCount {
                scope: DataScope::Nutrition,
                readings: 3
            },
        ])
    );
    s.submit(&[first]).unwrap();
    s.submit(&[
        s.batch_v2(&pump, 13, 12, DAY0 + 3_600, &[ReadingKind::Glucose]),
        s.batch_v2(&pump, 25, 12, DAY0 + 2 * 3_600, &mixed),
    ])
    .unwrap();
    s.submit(&[s.batch_v2(&pump, 37, 4, DAY0 + DAY, &[ReadingKind::InsulinBasal])])
        .unwrap();
    assert_eq!(
        coverage(&s, d0),
        vec![
            (DataScope::Glucose, 24),
            (DataScope::Insulin, 6),
            (DataScope::Nutrition, 6)
        ]
    );
    assert_eq!(coverage(&s, d0 + 1), vec![(DataScope::Insulin, 4)]);
    let heard = s.received(&listener);
    let patient = s.patient.clone();
    let c = |scope, readings, first_time, last_time| Contribution {
        patient: patient.clone(),
        scope,
        day: d0,
        readings,
        first_time: Some(first_time),
        last_time: Some(last_time),
    };
    let hour = |h: u64| (DAY0 + h * 3_600, DAY0 + h * 3_600 + 55 * 60);
    let ((h1, h1_end), (h2, h2_end)) = (hour(1), hour(2));
    assert_eq!(
        heard[1],
        vec![
            c(DataScope::Glucose, 12, h1, h1_end),
            c(DataScope::Glucose, 6, h2, h2_end),
            c(DataScope::Insulin, 3, h2, h2_end),
            c(DataScope::Nutrition, 3, h2, h2_end),
        ]
    );
}

/// Every malformed scope list is refused with its reason, naming the batch; nothing is
/// anchored.
#[test]
fn invalid_scope_lists_are_refused_with_their_reason() {
    let mut s = Suite::new();
    let phone = gateway(&mut s, "phone-scope-0002");
    let one = |scope, readings| ScopeCount { scope, readings };
    let cases: Vec<(Vec<ScopeCount>, ScopeError)> = vec![
        (
            vec![one(DataScope::SummariesOnly, 12)],
            ScopeError::NotAReadingScope(DataScope::SummariesOnly),
        ),
        (
            vec![one(DataScope::Insulin, 6), one(DataScope::Glucose, 6)],
            ScopeError::NotInOrder,
        ),
        (
            vec![one(DataScope::Glucose, 6), one(DataScope::Glucose, 6)],
            ScopeError::NotInOrder,
        ),
        (
            vec![one(DataScope::Glucose, 12), one(DataScope::Insulin, 0)],
            ScopeError::ZeroReadings,
        ),
        (
            vec![one(DataScope::Glucose, 6), one(DataScope::Insulin, 5)],
            ScopeError::CountMismatch {
                listed: 11,
                count: 12,
            },
        ),
    ];
    for (scopes, reason) in cases {
        let mut batch = s.batch_v2(&phone, 1, 12, DAY0, &[ReadingKind::Glucose]);
        batch.header.scopes = Some(scopes);
        let err = s
            .submit_raw(
                &s.relayer.clone(),
                unchecked_submission(&s, &phone, &batch.header),
            )
            .unwrap_err();
        let expected = ContractError::InvalidScopes {
            index: 0,
            device_id: phone.id.clone(),
            reason,
        };
        assert!(
            diachain_testing::refused_with(&err, &expected),
            "expected {expected}, got {err}"
        );
    }
    // An empty list cannot even be decoded.
    let mut empty = s.batch_v2(&phone, 1, 12, DAY0, &[ReadingKind::Glucose]);
    empty.header.scopes = Some(vec![]);
    let err = s
        .submit_raw(
            &s.relayer.clone(),
            unchecked_submission(&s, &phone, &empty.header),
        )
        .unwrap_err();
    let expected = ContractError::Malformed(EncodingError::ScopeListLength(0));
    assert!(diachain_testing::refused_with(&err, &expected), "{err}");
    assert!(coverage(&s, DAY0 / DAY).is_empty());
}

/// A submission of one header whose scope list the encoder would refuse, signed by the device
/// (a device could sign any bytes; the contract's own check is what is tested).
fn unchecked_submission(
    s: &Suite,
    device: &super::Device,
    header: &diachain_std::BatchHeader,
) -> cosmwasm_std::Binary {
    let (chain_id, contract) = s.anchors_domain();
    let domain = diachain_std::Domain {
        chain_id: &chain_id,
        contract: &contract,
    };
    let signature = device
        .key
        .sign(&header.sign_bytes_unchecked(&domain).unwrap());
    let mut w = diachain_std::encoding::Writer::with_capacity(128);
    header.write_body_unchecked(&mut w).unwrap();
    let mut bytes = w.0;
    bytes.extend_from_slice(signature.as_slice());
    bytes.into()
}

/// A version 2 header's signature covers its scopes: a relayer that changes them (to move
/// readings into a scope a study pays for) breaks the signature; and a version 1 signature
/// does not verify a version 2 header of the same fields, nor the other way round.
#[test]
fn the_scopes_are_signed_and_the_versions_do_not_mix() {
    let mut s = Suite::new();
    let phone = gateway(&mut s, "phone-scope-0003");
    let invalid = ContractError::InvalidSignature {
        index: 0,
        device_id: phone.id.clone(),
    };
    let mut relabelled = s.batch_v2(&phone, 1, 12, DAY0, &[ReadingKind::Carbohydrates]);
    relabelled.header.scopes = Some(vec![ScopeCount {
        scope: DataScope::Glucose,
        readings: 12,
    }]);
    let err = s.submit(&[relabelled]).unwrap_err();
    assert!(diachain_testing::refused_with(&err, &invalid), "{err}");

    let v1 = s.batch(&phone, 1, 12, DAY0);
    let mut as_v2 = v1.clone();
    as_v2.header.scopes = Some(vec![ScopeCount {
        scope: DataScope::Glucose,
        readings: 12,
    }]);
    let err = s.submit(&[as_v2]).unwrap_err();
    assert!(diachain_testing::refused_with(&err, &invalid), "{err}");
    let v2 = s.batch_v2(&phone, 1, 12, DAY0, &[ReadingKind::Glucose]);
    let mut as_v1 = v2.clone();
    as_v1.header.scopes = None;
    let err = s.submit(&[as_v1]).unwrap_err();
    assert!(diachain_testing::refused_with(&err, &invalid), "{err}");
    s.submit(&[v2]).unwrap();
}

/// Version 1 and version 2 headers mix in one submission, and a device may move from one to
/// the other; a body starting with a byte below 8 that is not version 2 is malformed.
#[test]
fn versions_mix_in_one_submission_and_unknown_versions_are_malformed() {
    let mut s = Suite::new();
    let cgm = s.cgm("cgm-scope-00001");
    let phone = gateway(&mut s, "phone-scope-0004");
    s.submit(&[
        s.batch(&cgm, 1, 12, DAY0),
        s.batch_v2(&phone, 1, 12, DAY0, &[ReadingKind::Glucose]),
        s.batch_v2(&cgm, 13, 12, DAY0 + 3_600, &[ReadingKind::Glucose]),
    ])
    .unwrap();
    assert_eq!(coverage(&s, DAY0 / DAY), vec![(DataScope::Glucose, 36)]);
    let mut raw = super::submission_bytes(&[s.batch_v2(&cgm, 25, 12, DAY0 + 7_200, &[])]);
    raw[0] = 3;
    let err = s.submit_raw(&s.relayer.clone(), raw.into()).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("malformed submission: unsupported header version 3"),
        "{err}"
    );
}

/// Records written before 0.3.0 still count: a segment holding its owner as JSON takes its scope
/// from the patient's day index, and a batch record without a scope byte is continued as the
/// device kind's scope (no new segment for a device that keeps its one scope).
#[test]
fn segments_and_records_from_before_0_3_keep_counting() {
    let mut s = Suite::new();
    let cgm = s.cgm("cgm-legacy-0001");
    let d0 = DAY0 / DAY;
    s.submit(&[s.batch(&cgm, 1, 12, DAY0)]).unwrap();
    let anchors = s.anchors.clone();
    let patient = s.patient.clone();
    {
        let mut storage = s.app.contract_storage_mut(&anchors);
        let segment = cw_storage_plus::Map::<(&str, u32, u64), ()>::new("s")
            .key(("cgm-legacy-0001", d0 as u32, 0))
            .to_vec();
        storage.set(&segment, &cosmwasm_std::to_json_vec(&patient).unwrap());
        let record = crate::state::Batches::key("cgm-legacy-0001", 12);
        let mut raw = storage.get(&record).unwrap();
        raw[0] = 0;
        storage.set(&record, &raw);
    }
    assert_eq!(coverage(&s, d0), vec![(DataScope::Glucose, 12)]);
    s.submit(&[s.batch(&cgm, 13, 12, DAY0 + 3_600)]).unwrap();
    assert_eq!(coverage(&s, d0), vec![(DataScope::Glucose, 24)]);
    let storage = s.app.contract_storage(&anchors);
    let segments = crate::state::Segments::of_day(storage.as_ref(), "cgm-legacy-0001", d0 as u32)
        .collect::<cosmwasm_std::StdResult<Vec<_>>>()
        .unwrap();
    assert_eq!(segments.len(), 1, "the old segment is continued");
    assert_eq!(segments[0].scope, None);
}
