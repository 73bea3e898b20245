use diachain_std::anchors::{CoverageResponse, DayCoverage, MAX_COVERAGE_DAYS};
use diachain_std::{DataScope, DeviceKind, KeyAlgorithm};

use super::{Suite, DAY, DAY0};
use crate::msg::QueryMsg;

fn coverage(
    s: &Suite,
    patient: &cosmwasm_std::Addr,
    from: u64,
    to: u64,
) -> Vec<(u64, DataScope, u64)> {
    let r: CoverageResponse = s.query(QueryMsg::Coverage {
        patient: patient.to_string(),
        from_day: from,
        to_day: to,
    });
    r.days
        .into_iter()
        .map(
            |DayCoverage {
                 day,
                 scope,
                 readings,
             }| (day, scope, readings),
        )
        .collect()
}

#[test]
fn coverage_counts_readings_per_day_and_scope_across_day_boundaries() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let cgm = s.cgm("cgm-cover-0001");
    let pen = s.device(
        "pen-cover-0001",
        KeyAlgorithm::Secp256r1,
        DeviceKind::Pen,
        Some(&patient),
    );
    let d0 = DAY0 / DAY;
    // Day 0: two CGM batches (the second ends at 23:55) and a pen batch.
    s.submit(&[
        s.batch(&cgm, 1, 12, DAY0 + 22 * 3_600),
        s.batch(&pen, 1, 3, DAY0 + 8 * 3_600),
    ])
    .unwrap();
    s.submit(&[s.batch(&cgm, 13, 12, DAY0 + DAY - 3_600)])
        .unwrap();
    // Day 1: the CGM goes on from 00:00, with a gap of 5 readings.
    s.submit(&[s.batch(&cgm, 30, 12, DAY0 + DAY)]).unwrap();
    // Day 2: nothing. Day 3: a pen batch.
    s.submit(&[s.batch(&pen, 4, 2, DAY0 + 3 * DAY)]).unwrap();
    assert_eq!(
        coverage(&s, &patient, d0, d0 + 3),
        vec![
            (d0, DataScope::Glucose, 24),
            (d0, DataScope::Insulin, 3),
            (d0 + 1, DataScope::Glucose, 12),
            (d0 + 3, DataScope::Insulin, 2),
        ]
    );
    assert_eq!(
        coverage(&s, &patient, d0 + 1, d0 + 2),
        vec![(d0 + 1, DataScope::Glucose, 12)]
    );
    // More readings later on day 1 extend day 1 only.
    s.submit(&[s.batch(&cgm, 42, 6, DAY0 + DAY + 3_600)])
        .unwrap();
    assert_eq!(
        coverage(&s, &patient, d0 + 1, d0 + 1),
        vec![(d0 + 1, DataScope::Glucose, 18)]
    );
    assert_eq!(coverage(&s, &patient, d0, d0).len(), 2);
    assert!(coverage(&s, &s.stranger.clone(), d0, d0 + 3).is_empty());
}

#[test]
fn coverage_ranges_must_be_ordered_and_bounded() {
    let s = Suite::new();
    let q = |from, to| QueryMsg::Coverage {
        patient: s.patient.to_string(),
        from_day: from,
        to_day: to,
    };
    assert!(s
        .try_query::<CoverageResponse>(q(10, 9))
        .unwrap_err()
        .contains("day range"));
    assert!(s
        .try_query::<CoverageResponse>(q(0, MAX_COVERAGE_DAYS))
        .unwrap_err()
        .contains("day range"));
    assert!(s
        .try_query::<CoverageResponse>(q(0, MAX_COVERAGE_DAYS - 1))
        .is_ok());
}

/// Every listener gets one message per submission, with a contribution per batch (and scope),
/// in the submission's order, each with its batch's measured span.
#[test]
fn listeners_get_one_message_per_submit_with_a_contribution_per_batch() {
    let mut s = Suite::new();
    let listener = s.listener();
    let second = s.listener();
    let other_patient = s.app.api().addr_make("patient-two");
    let a = s.cgm("cgm-listen-001");
    let b = s.cgm("cgm-listen-002");
    let c = s.device(
        "cgm-listen-003",
        KeyAlgorithm::Ed25519,
        DeviceKind::Cgm,
        Some(&other_patient),
    );
    let batches = vec![
        s.batch(&a, 1, 12, DAY0),
        s.batch(&a, 13, 12, DAY0 + 3_600),
        s.batch(&b, 1, 12, DAY0),
        s.batch(&c, 1, 6, DAY0),
        s.batch(&c, 7, 6, DAY0 + DAY),
    ];
    s.submit(&batches).unwrap();
    for l in [&listener, &second] {
        let got = s.received(l);
        assert_eq!(got.len(), 1, "one hook message per submit");
        let contributions: Vec<_> = got[0]
            .iter()
            .map(|c| (c.patient.clone(), c.scope, c.day, c.readings, c.first_time))
            .collect();
        let d0 = DAY0 / DAY;
        let (p, o) = (s.patient.clone(), other_patient.clone());
        let g = DataScope::Glucose;
        assert_eq!(
            contributions,
            vec![
                (p.clone(), g, d0, 12, Some(DAY0)),
                (p.clone(), g, d0, 12, Some(DAY0 + 3_600)),
                (p, g, d0, 12, Some(DAY0)),
                (o.clone(), g, d0, 6, Some(DAY0)),
                (o, g, d0 + 1, 6, Some(DAY0 + DAY)),
            ]
        );
        for c in &got[0] {
            assert_eq!(
                c.last_time,
                c.first_time.map(|t| t + (c.readings - 1) * 300)
            );
        }
    }
}
