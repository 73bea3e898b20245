//! Implausible batches: more readings than the batch's time span allows at the device kind's
//! maximum sampling rate, or a device's batches crowding into one instant, are refused with the
//! limit named. The consortium sets the limits.

use diachain_std::anchors::{
    default_min_interval_seconds, ConfigResponse, CursorResponse, SamplingLimit,
    MIN_INTERVAL_CEILING_SECONDS, MIN_INTERVAL_FLOOR_SECONDS,
};
use diachain_std::testing::signed_batch;
use diachain_std::{DeviceKind, Domain, KeyAlgorithm};

use super::{Device, Suite, DAY0};
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::ContractError;
use diachain_testing::assert_refused;

fn batch_every(
    s: &Suite,
    d: &Device,
    first_seq: u64,
    count: u32,
    first_time: u64,
    interval: u64,
) -> diachain_std::testing::SignedBatch {
    let (chain_id, contract) = s.anchors_domain();
    signed_batch(
        &d.key,
        &d.id,
        first_seq,
        count,
        first_time,
        interval,
        &Domain {
            chain_id: &chain_id,
            contract: &contract,
        },
    )
}

fn cursor(s: &Suite, d: &Device) -> Option<u64> {
    let c: CursorResponse = s.query(QueryMsg::Cursor {
        device_id: d.id.clone(),
    });
    c.last_seq
}

#[test]
fn ten_thousand_cgm_readings_measured_at_one_instant_are_refused_naming_the_limit() {
    let mut s = Suite::new();
    let cgm = s.cgm("cgm-dense-0001");
    let attack = batch_every(&s, &cgm, 1, 10_000, DAY0 + 3_600, 0);
    assert_refused(
        s.submit(&[attack]),
        ContractError::TooDense {
            index: 0,
            device_id: cgm.id.clone(),
            count: 10_000,
            span_seconds: 0,
            kind: DeviceKind::Cgm,
            min_interval_seconds: 60,
            max_count: 1,
        },
    );
    assert_eq!(cursor(&s, &cgm), None);
}

#[test]
fn a_cgm_batch_may_hold_one_reading_a_minute_of_its_span_and_not_one_more() {
    let mut s = Suite::new();
    let cgm = s.cgm("cgm-dense-0002");
    // 61 readings a minute apart span 3,600 s: exactly the limit.
    let fits = batch_every(&s, &cgm, 1, 61, DAY0 + 3_600, 60);
    s.submit(&[fits]).unwrap();
    // 62 readings 58 s apart span 3,538 s, which holds at most 59 at one a minute.
    let too_dense = batch_every(&s, &cgm, 62, 62, DAY0 + 7_260, 58);
    let span = too_dense.header.last_time - too_dense.header.first_time;
    assert_eq!(span, 3_538);
    assert_refused(
        s.submit(&[too_dense]),
        ContractError::TooDense {
            index: 0,
            device_id: cgm.id.clone(),
            count: 62,
            span_seconds: span,
            kind: DeviceKind::Cgm,
            min_interval_seconds: 60,
            max_count: 59,
        },
    );
    assert_eq!(cursor(&s, &cgm), Some(61));
}

#[test]
fn one_reading_batches_crowded_into_one_instant_are_refused_after_the_first() {
    let mut s = Suite::new();
    let cgm = s.cgm("cgm-crowd-0001");
    let t = DAY0 + 3_600;
    // In one message and across messages alike.
    let first = batch_every(&s, &cgm, 1, 1, t, 60);
    let second = batch_every(&s, &cgm, 2, 1, t, 60);
    assert_refused(
        s.submit(&[first.clone(), second.clone()]),
        ContractError::TooSoonAfterLast {
            index: 1,
            device_id: cgm.id.clone(),
            first_time: t,
            anchored_time: t,
            kind: DeviceKind::Cgm,
            min_interval_seconds: 60,
        },
    );
    s.submit(&[first]).unwrap();
    let early = batch_every(&s, &cgm, 2, 1, t + 59, 60);
    assert_refused(
        s.submit(&[early]),
        ContractError::TooSoonAfterLast {
            index: 0,
            device_id: cgm.id.clone(),
            first_time: t + 59,
            anchored_time: t,
            kind: DeviceKind::Cgm,
            min_interval_seconds: 60,
        },
    );
    s.submit(&[batch_every(&s, &cgm, 2, 1, t + 60, 60)])
        .unwrap();
    assert_eq!(cursor(&s, &cgm), Some(2));
}

#[test]
fn config_shows_the_default_limit_of_every_kind() {
    let s = Suite::new();
    let config: ConfigResponse = s.query(QueryMsg::Config {});
    let expected: Vec<SamplingLimit> = DeviceKind::ALL
        .iter()
        .map(|k| SamplingLimit {
            kind: *k,
            min_interval_seconds: default_min_interval_seconds(*k),
        })
        .collect();
    assert_eq!(config.sampling_limits, expected);
    assert_eq!(default_min_interval_seconds(DeviceKind::Cgm), 60);
}

#[test]
fn the_consortium_sets_a_kind_limit_and_submissions_follow_it() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let pump = s.device(
        "pump-rate-0001",
        KeyAlgorithm::Ed25519,
        DeviceKind::Pump,
        Some(&patient),
    );
    // Default for pumps: 5 s. Ten readings 5 s apart pass.
    s.submit(&[batch_every(&s, &pump, 1, 10, DAY0 + 100, 5)])
        .unwrap();
    let admin = s.admin.clone();
    s.exec(
        &admin,
        ExecuteMsg::SetSamplingLimits {
            limits: vec![SamplingLimit {
                kind: DeviceKind::Pump,
                min_interval_seconds: 60,
            }],
        },
    )
    .unwrap();
    let config: ConfigResponse = s.query(QueryMsg::Config {});
    let pump_limit = config
        .sampling_limits
        .iter()
        .find(|l| l.kind == DeviceKind::Pump)
        .unwrap();
    assert_eq!(pump_limit.min_interval_seconds, 60);
    let cgm_limit = config
        .sampling_limits
        .iter()
        .find(|l| l.kind == DeviceKind::Cgm)
        .unwrap();
    assert_eq!(
        cgm_limit.min_interval_seconds, 60,
        "other kinds keep theirs"
    );
    assert_refused(
        s.submit(&[batch_every(&s, &pump, 11, 10, DAY0 + 1_000, 5)]),
        ContractError::TooDense {
            index: 0,
            device_id: pump.id.clone(),
            count: 10,
            span_seconds: 45,
            kind: DeviceKind::Pump,
            min_interval_seconds: 60,
            max_count: 1,
        },
    );
    s.submit(&[batch_every(&s, &pump, 11, 10, DAY0 + 1_000, 60)])
        .unwrap();
}

#[test]
fn sampling_limits_are_refused_from_others_out_of_range_or_twice() {
    let mut s = Suite::new();
    let stranger = s.stranger.clone();
    let relayer = s.relayer.clone();
    let admin = s.admin.clone();
    let limit = |kind, secs| SamplingLimit {
        kind,
        min_interval_seconds: secs,
    };
    for sender in [&stranger, &relayer] {
        let err = s
            .exec(
                sender,
                ExecuteMsg::SetSamplingLimits {
                    limits: vec![limit(DeviceKind::Cgm, 1)],
                },
            )
            .unwrap_err();
        assert!(err.to_string().contains("admin"), "{err}");
    }
    for bad in [0, MIN_INTERVAL_CEILING_SECONDS + 1, u32::MAX] {
        assert_refused(
            s.exec(
                &admin,
                ExecuteMsg::SetSamplingLimits {
                    limits: vec![limit(DeviceKind::Pen, 10), limit(DeviceKind::Cgm, bad)],
                },
            ),
            ContractError::InvalidSamplingLimit {
                kind: DeviceKind::Cgm,
                got: bad,
                min: MIN_INTERVAL_FLOOR_SECONDS,
                max: MIN_INTERVAL_CEILING_SECONDS,
            },
        );
    }
    assert_refused(
        s.exec(
            &admin,
            ExecuteMsg::SetSamplingLimits {
                limits: vec![limit(DeviceKind::Cgm, 30), limit(DeviceKind::Cgm, 60)],
            },
        ),
        ContractError::DuplicateSamplingLimit {
            kind: DeviceKind::Cgm,
        },
    );
    // Nothing changed by the refused messages (the pen's 10 s was not kept either).
    let config: ConfigResponse = s.query(QueryMsg::Config {});
    for l in config.sampling_limits {
        assert_eq!(l.min_interval_seconds, default_min_interval_seconds(l.kind));
    }
}
