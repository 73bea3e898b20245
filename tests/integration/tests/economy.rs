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
