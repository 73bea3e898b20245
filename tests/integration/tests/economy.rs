//! The research economy under attack: what a paying sponsor, a patient and the clock try, and
//! how the union pays exactly for the readings the sponsor may read, and keeps what members
//! earned out of the sponsor's reach.
//!
//! Each study here runs over two days (`D1`, `D2`) of hourly CGM batches (twelve readings an
//! hour, one batch each), with a zero union fee so the pool's net is the deposit.

use cosmwasm_std::{Addr, Timestamp, Uint128};
use diachain_integration::journey;
use diachain_integration::*;
use diachain_std::union::{self, Eligibility};
use diachain_std::{DataScope, Purpose};

type ConsentError = ::consent::ContractError;
type UnionError = data_union::ContractError;

const D1: u64 = GENESIS_DAY + 1;
const D2: u64 = GENESIS_DAY + 2;
/// The study's whole data period, in seconds.
const STUDY_DATA: (u64, u64) = (D1 * DAY, D2 * DAY + DAY - 1);
/// Default closing: one day after the data period.
const CLOSES: u64 = (D2 + 2) * DAY;
const POOL: u128 = 1_200_000;
const CAP: u128 = 1_000_000;

/// A fresh suite without fee, the devices registered and bound (chapters 1 and 2 of the
/// journey), and an open glucose study over `D1..=D2` with no minimum per day or days.
fn study_suite() -> (Suite, u64) {
    study_suite_capped(CAP)
}

fn study_suite_capped(cap: u128) -> (Suite, u64) {
    let mut s = SuiteBuilder::default().with_fee(0).build();
    journey::play(&mut s, 1);
    journey::play(&mut s, 2);
    let anyone = Eligibility {
        min_readings_per_day: 0,
        min_days: 0,
        device_kinds: vec![],
        max_readings_per_day: None,
    };
    let study = new_study("Glucose", &[DataScope::Glucose], D1, D2, anyone, cap);
    let study_id = s.create_study(study, POOL).accepted("study");
    (s, study_id)
}

/// `patient` gives the sponsor research consent to glucose measured in `data` until
/// `expires`, and joins the study.
fn consent_and_join(
    s: &mut Suite,
    study_id: u64,
    patient: &Addr,
    data: (u64, u64),
    expires: u64,
) -> u64 {
    let sponsor = s.actors.sponsor.clone();
    let grant = s
        .grant(
            patient,
            patient,
            &sponsor,
            &[DataScope::Glucose],
            Purpose::Research,
            Some(study_id),
            data,
            expires,
        )
        .accepted("research consent");
    s.union_exec(patient, union::ExecuteMsg::Join { study_id })
        .accepted("join");
    grant
}

/// A consent that covers one hour across midnight earns exactly that hour's 24 readings, and
/// one that covers one second either side of midnight earns nothing: the union credits a
/// batch only when every reading in it lies in the member's window (a device signs its batch
/// whole, so the chain cannot split it), never a whole day for a second of it. Before, each
/// earned both days (576 readings), as much as a member consenting to the whole study.
#[test]
fn a_consent_window_across_midnight_earns_only_the_batches_inside_it() {
    let (mut s, study_id) = study_suite();
    let a = s.actors.clone();
    s.set_time(at(GENESIS_DAY, 10, 0));
    let expires = CLOSES + 30 * DAY;
    // 23:00 on D1 to 00:59:59 on D2: the last and the first hourly batch.
    let hour_across = (at(D1, 23, 0), at(D2, 1, 0) - 1);
    consent_and_join(&mut s, study_id, &a.patient, hour_across, expires);
    // The last and first second of the two days.
    let two_seconds = (D2 * DAY - 1, D2 * DAY);
    consent_and_join(&mut s, study_id, &a.other_patient, two_seconds, expires);

    s.anchor_day(D1, &[CGM, OTHER_CGM]);
    s.anchor_day(D2, &[CGM, OTHER_CGM]);

    assert_eq!(s.member(study_id, &a.patient).units, 24);
    assert_eq!(s.member(study_id, &a.other_patient).units, 0);
    assert_eq!(s.study(study_id).study.total_units, 24);
    s.set_time(CLOSES);
    assert_eq!(
        s.contribution(study_id, &a.patient).claimable.u128(),
        CAP.min(POOL)
    );
    assert_refused(
        s.union_exec(&a.other_patient, union::ExecuteMsg::Claim { study_id }),
        UnionError::NothingToClaim { study_id },
    );
}

/// A consent that expires while the study runs stops earning when it expires: batches anchored
/// after the expiry, or with a reading measured after it, are not credited. The union never
/// looked at expiry (the consent contract is not told of it, and its research-consent answer
/// did not carry it), so a consent expiring a minute after joining earned the whole study.
#[test]
fn a_consent_that_expires_during_the_study_earns_nothing_after_its_expiry() {
    let (mut s, study_id) = study_suite();
    let a = s.actors.clone();
    s.set_time(at(GENESIS_DAY, 10, 0));
    // Hour 11 of D1 is anchored at 12:00:30, before the expiry; hour 12's batch starts at
    // 12:00:00 but ends after the expiry and is anchored after it.
    let expires = at(D1, 12, 0) + 45;
    consent_and_join(&mut s, study_id, &a.patient, STUDY_DATA, expires);
    // A minute-long consent: expired before any reading is anchored.
    let in_a_minute = s.now() + 60;
    consent_and_join(&mut s, study_id, &a.other_patient, STUDY_DATA, in_a_minute);

    s.anchor_day(D1, &[CGM, OTHER_CGM]);
    s.anchor_day(D2, &[CGM, OTHER_CGM]);

    assert_eq!(s.member(study_id, &a.patient).units, 12 * 12);
    assert_eq!(s.member(study_id, &a.other_patient).units, 0);
    assert_eq!(s.study(study_id).study.total_units, 12 * 12);
}

/// The sponsor is the grantee of every member's research consent, so it could renounce one
/// (`RevokeGrant`) to end the membership a day short of the minimum, leave the patient
/// ineligible and withdraw their share as "unearned". A research consent is the patient's to
/// end: the sponsor's renunciation is refused, the patient stays a member, and is paid.
#[test]
fn the_sponsor_cannot_end_a_members_research_consent_to_claw_back_their_share() {
    let mut s = SuiteBuilder::default().with_fee(0).build();
    journey::play(&mut s, 1);
    journey::play(&mut s, 2);
    let a = s.actors.clone();
    let two_full_days = Eligibility {
        min_readings_per_day: 288,
        min_days: 2,
        device_kinds: vec![],
        max_readings_per_day: None,
    };
    let study = new_study("Glucose", &[DataScope::Glucose], D1, D2, two_full_days, CAP);
    let study_id = s.create_study(study, POOL).accepted("study");
    s.set_time(at(GENESIS_DAY, 10, 0));
    let grant = consent_and_join(&mut s, study_id, &a.patient, STUDY_DATA, CLOSES + 30 * DAY);
    s.anchor_day(D1, &[CGM]);
    s.anchor_hours(D2, 0..12, &[CGM], &[]);

    // Half-way through the second day the sponsor tries to end the consent.
    assert_refused(
        s.revoke_grant(&a.sponsor, grant),
        ConsentError::ResearchConsentIsThePatients { grant_id: grant },
    );
    assert!(s.member(study_id, &a.patient).active);
    s.anchor_hours(D2, 12..24, &[CGM], &[]);

    // The patient met the minimum and is paid; the sponsor gets back only the rest.
    s.set_time(CLOSES + GRACE_PERIOD);
    let before = s.balance(&a.patient);
    s.union_exec(&a.patient, union::ExecuteMsg::Claim { study_id })
        .accepted("claim");
    assert_eq!(s.balance(&a.patient) - before, CAP);
    let sponsor_before = s.balance(&a.sponsor);
    s.union_exec(&a.sponsor, union::ExecuteMsg::WithdrawUnearned { study_id })
        .accepted("withdraw the rest");
    assert_eq!(s.balance(&a.sponsor) - sponsor_before, POOL - CAP);
}

/// After the grace period the sponsor takes back only what no member earned: the shares of
/// eligible members who have not claimed yet stay in the pool, and they can still claim them
/// after the sponsor has withdrawn. Before, `WithdrawUnearned` sent back the whole balance and
/// closed the study, so a member who claimed a day late lost their share to the sponsor. The
/// cap (half the pool) leaves the sponsor the patient's capped excess.
#[test]
fn withdraw_unearned_leaves_every_unclaimed_earned_share_claimable() {
    const HALF: u128 = POOL / 2;
    let (mut s, study_id) = study_suite_capped(HALF);
    let a = s.actors.clone();
    s.set_time(at(GENESIS_DAY, 10, 0));
    consent_and_join(&mut s, study_id, &a.patient, STUDY_DATA, CLOSES + 30 * DAY);
    // The other patient consents to D1 only: half the readings of the patient.
    let d1 = (D1 * DAY, D1 * DAY + DAY - 1);
    consent_and_join(&mut s, study_id, &a.other_patient, d1, CLOSES + 30 * DAY);
    s.anchor_day(D1, &[CGM, OTHER_CGM]);
    s.anchor_day(D2, &[CGM, OTHER_CGM]);
    let (patient_units, other_units) = (576u128, 288u128);
    assert_eq!(s.member(study_id, &a.patient).units as u128, patient_units);
    assert_eq!(
        s.member(study_id, &a.other_patient).units as u128,
        other_units
    );

    // The patient claims at once; the other patient only after the sponsor withdrew.
    s.set_time(CLOSES);
    let total = patient_units + other_units;
    let patient_share = (POOL * patient_units / total).min(HALF);
    let other_share = (POOL * other_units / total).min(HALF);
    assert_eq!((patient_share, other_share), (600_000, 400_000));
    s.union_exec(&a.patient, union::ExecuteMsg::Claim { study_id })
        .accepted("the patient claims");
    s.set_time(CLOSES + GRACE_PERIOD + DAY);
    let sponsor_before = s.balance(&a.sponsor);
    s.union_exec(&a.sponsor, union::ExecuteMsg::WithdrawUnearned { study_id })
        .accepted("the sponsor withdraws");
    let refunded = s.balance(&a.sponsor) - sponsor_before;
    assert_eq!(refunded, POOL - patient_share - other_share);
    assert_eq!(s.pool(study_id).balance.u128(), other_share);
    assert_eq!(s.study(study_id).reserved.u128(), other_share);

    let before = s.balance(&a.other_patient);
    s.union_exec(&a.other_patient, union::ExecuteMsg::Claim { study_id })
        .accepted("the other patient claims after the withdrawal");
    assert_eq!(s.balance(&a.other_patient) - before, other_share);
    // Nothing is left for anyone, and the books balance.
    let pool = s.pool(study_id);
    assert_eq!(pool.balance, Uint128::zero());
    assert_eq!(
        pool.pool.paid + pool.pool.fees + pool.pool.refunded.unwrap_or_default(),
        pool.pool.funded
    );
    assert_refused(
        s.union_exec(&a.sponsor, union::ExecuteMsg::WithdrawUnearned { study_id }),
        UnionError::NothingToWithdraw { study_id },
    );
}

/// A study whose days lie past what a timestamp can hold (year 2554) is refused with an error
/// naming the day: creating one used to trap the contract (an overflow in `Timestamp`).
#[test]
fn a_study_with_day_numbers_far_in_the_future_is_refused_not_trapped() {
    let mut s = SuiteBuilder::default().with_fee(0).build();
    let anyone = Eligibility {
        min_readings_per_day: 0,
        min_days: 0,
        device_kinds: vec![],
        max_readings_per_day: None,
    };
    let max = union::MAX_DAY;
    for (from, to) in [(max, max + 1), (max + 1, max + 1), (u64::MAX - 1, u64::MAX)] {
        let study = new_study("Far", &[DataScope::Glucose], from, to, anyone.clone(), CAP);
        assert_refused(
            s.create_study(study, POOL),
            UnionError::DayOutOfRange { day: to, max },
        );
    }
    // An explicit closing time past the representable range is refused the same way.
    let mut study = new_study("Far", &[DataScope::Glucose], D1, D2, anyone, CAP);
    study.closes_at = Some(Timestamp::from_nanos(u64::MAX));
    assert_refused(
        s.create_study(study, POOL),
        UnionError::InvalidClosingTime {
            earliest: Timestamp::from_seconds((D2 + 1) * DAY),
            latest: Timestamp::from_seconds((D2 + 1) * DAY + union::MAX_CLOSE_DELAY),
        },
    );
    let studies: diachain_std::Page<union::StudyResponse> = s.query(
        &s.union,
        &union::QueryMsg::Studies {
            start_after: None,
            limit: None,
        },
    );
    assert!(studies.items.is_empty());
}

const GATEWAY: &str = "gw-5e1d0c9b8a7f6e54";

/// The manufacturer registers a phone gateway (its key in the phone) and `owner` binds it.
fn phone_gateway(s: &mut Suite, owner: &Addr) {
    use diachain_std::registry::{self, NewDevice};
    use diachain_std::testing::TestKey;
    use diachain_std::{DeviceKind, KeyAlgorithm, KeyCustody};
    let key = TestKey::new(KeyAlgorithm::Secp256r1, 0x77);
    let (manufacturer, registry_addr) = (s.actors.manufacturer.clone(), s.registry.clone());
    s.exec(
        &manufacturer,
        &registry_addr,
        &registry::ExecuteMsg::RegisterDevices {
            devices: vec![NewDevice {
                id: GATEWAY.to_string(),
                kind: DeviceKind::Gateway,
                model: "phone-app".to_string(),
                public_key: key.public_key(),
                key_custody: KeyCustody::Device,
            }],
        },
    )
    .accepted("register gateway");
    s.devices.insert(
        GATEWAY.to_string(),
        SimDevice {
            id: GATEWAY.to_string(),
            kind: DeviceKind::Gateway,
            model: "phone-app".to_string(),
            key,
            next_seq: 1,
        },
    );
    s.bind(owner, GATEWAY, owner).accepted("bind gateway");
}

/// A gateway may send readings a second apart, but not glucose: in a version 2 header each
/// scope's readings fit the span at the slower of the device kind's and the scope's rate (a
/// minute for glucose, as a 1-minute CGM), and its first reading comes at least that long after
/// the device's last anchored one. So a phone app cannot sign 10,000 "glucose" readings an hour
/// (or one a second in one-reading batches) and take a study's pool, as it could before.
#[test]
fn a_gateway_cannot_anchor_glucose_faster_than_a_cgm() {
    use diachain_std::encoding::ReadingKind;
    use diachain_std::testing::signed_batch_v2;
    use diachain_std::DeviceKind;
    type AnchorsError = reading_anchors::ContractError;
    let (mut s, _) = study_suite();
    let other = s.actors.other_patient.clone();
    s.set_time(at(GENESIS_DAY, 10, 0));
    phone_gateway(&mut s, &other);
    s.set_time(at(D1, 3, 0));
    let key = &s.device_sim(GATEWAY).key;
    let domain = s.anchors_domain();
    let v2 = |first_seq, count, first_time, interval| {
        signed_batch_v2(
            key,
            GATEWAY,
            first_seq,
            count,
            first_time,
            interval,
            &domain,
            &[ReadingKind::Glucose],
        )
    };
    let fast = v2(1, 10_000, at(D1, 0, 0), 1);
    let per_second = v2(1, 1, at(D1, 0, 0), 1);
    let next_second = v2(2, 1, at(D1, 0, 0) + 1, 1);
    let a_minute_later = v2(2, 1, at(D1, 0, 1), 1);
    assert_refused(
        s.submit(&[fast]),
        AnchorsError::TooDenseForScope {
            index: 0,
            device_id: GATEWAY.to_string(),
            scope: DataScope::Glucose,
            readings: 10_000,
            span_seconds: 9_999,
            kind: DeviceKind::Gateway,
            min_interval_seconds: 60,
            max_count: 167,
        },
    );
    s.submit(&[per_second]).accepted("one reading");
    assert_refused(
        s.submit(&[next_second]),
        AnchorsError::TooSoonAfterLast {
            index: 0,
            device_id: GATEWAY.to_string(),
            first_time: at(D1, 0, 0) + 1,
            anchored_time: at(D1, 0, 0),
            kind: DeviceKind::Gateway,
            min_interval_seconds: 60,
        },
    );
    s.submit(&[a_minute_later]).accepted("a minute later");
}

/// Readings of members who do not meet the study's eligibility dilute nothing: the pool is
/// shared among what eligible members counted. Before, a sponsor could enrol a sybil that
/// anchors many readings on one day (never eligible), shrink every member's share, and take
/// the difference back as "unearned".
#[test]
fn an_ineligible_members_readings_do_not_dilute_the_eligible_members() {
    let mut s = SuiteBuilder::default().with_fee(0).build();
    journey::play(&mut s, 1);
    journey::play(&mut s, 2);
    let a = s.actors.clone();
    let two_days = Eligibility {
        min_readings_per_day: 200,
        min_days: 2,
        device_kinds: vec![],
        max_readings_per_day: None,
    };
    let study = new_study("Glucose", &[DataScope::Glucose], D1, D2, two_days, POOL);
    let study_id = s.create_study(study, POOL).accepted("study");
    s.set_time(at(GENESIS_DAY, 10, 0));
    consent_and_join(&mut s, study_id, &a.patient, STUDY_DATA, CLOSES + 30 * DAY);
    // The sybil anchors a whole day of a CGM, and nothing on the second day.
    consent_and_join(
        &mut s,
        study_id,
        &a.other_patient,
        STUDY_DATA,
        CLOSES + 30 * DAY,
    );
    s.anchor_day(D1, &[CGM, OTHER_CGM]);
    s.anchor_day(D2, &[CGM]);
    assert_eq!(s.study(study_id).study.total_units, 576 + 288);
    s.set_time(CLOSES + GRACE_PERIOD);
    let before = s.balance(&a.patient);
    s.union_exec(&a.patient, union::ExecuteMsg::Claim { study_id })
        .accepted("claim");
    assert_eq!(s.balance(&a.patient) - before, POOL);
    let sponsor_before = s.balance(&a.sponsor);
    s.union_exec(&a.sponsor, union::ExecuteMsg::WithdrawUnearned { study_id })
        .accepted("nothing unearned");
    assert_eq!(s.balance(&a.sponsor), sponsor_before);
}

/// Batches packed into one submission are credited one by one: a member whose window starts at
/// noon is credited the batch of 12:00 even when it is anchored together with the batch of
/// 11:00 (before, the two were summed with one span, which straddled the edge, and both were
/// lost).
#[test]
fn packing_batches_into_one_submission_loses_no_credit() {
    let (mut s, study_id) = study_suite();
    let a = s.actors.clone();
    s.set_time(at(GENESIS_DAY, 10, 0));
    let from_noon = (at(D1, 12, 0), STUDY_DATA.1);
    consent_and_join(&mut s, study_id, &a.patient, from_noon, CLOSES + 30 * DAY);
    s.set_time(at(D1, 13, 0) + 30);
    let b11 = s.batch(CGM, 1, 12, at(D1, 11, 0));
    let b12 = s.batch(CGM, 13, 12, at(D1, 12, 0));
    s.submit(&[b11, b12]).accepted("one submission");
    assert_eq!(s.member(study_id, &a.patient).units, 12);
}

/// A consent the patient widens (a later expiry) is taken into account once the member leaves
/// and joins again, in one transaction: the membership keeps what was credited, and credits
/// from then on up to the new expiry.
#[test]
fn a_widened_consent_counts_after_leave_and_join_in_one_transaction() {
    use cosmwasm_std::{to_json_binary, CosmosMsg, WasmMsg};
    use diachain_std::consent::{self, Expiry};
    let (mut s, study_id) = study_suite();
    let a = s.actors.clone();
    s.set_time(at(GENESIS_DAY, 10, 0));
    let grant = consent_and_join(&mut s, study_id, &a.patient, STUDY_DATA, at(D1, 12, 0));
    s.anchor_hours(D1, 0..6, &[CGM], &[]);
    let consent_addr = s.consent.clone();
    s.exec(
        &a.patient,
        &consent_addr,
        &consent::ExecuteMsg::AmendGrant {
            grant_id: grant,
            scopes: None,
            data_from: None,
            data_to: None,
            expires: Some(Expiry::AtTime(Timestamp::from_seconds(CLOSES + 30 * DAY))),
        },
    )
    .accepted("extend the consent");
    let union_addr = s.union.clone();
    let msgs: Vec<CosmosMsg> = [
        union::ExecuteMsg::Leave { study_id },
        union::ExecuteMsg::Join { study_id },
    ]
    .iter()
    .map(|m| {
        WasmMsg::Execute {
            contract_addr: union_addr.to_string(),
            msg: to_json_binary(m).unwrap(),
            funds: vec![],
        }
        .into()
    })
    .collect();
    s.app
        .execute_multi(a.patient.clone(), msgs)
        .accepted("leave and join");
    s.anchor_hours(D1, 6..24, &[CGM], &[]);
    assert_eq!(s.member(study_id, &a.patient).units, 288);
}
