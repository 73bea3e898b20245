//! Claims: pro-rata by counted readings, capped, once, after the study closes, only when
//! eligible per the readings the anchors contract credited.

use cosmwasm_std::{coins, Uint128};
use cw_utils::PaymentError;
use diachain_std::device::DeviceKind;
use diachain_std::hooks::Contribution;
use diachain_std::union::StudyPhase;
use diachain_std::DataScope;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::ExecuteMsg;
use cw_multi_test::Executor;

/// A 1_000_000 pool without fee; alice contributes 300 and bob 100 readings.
fn two_members(funding: Funding) -> (Suite, u64, cosmwasm_std::Addr, cosmwasm_std::Addr) {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let id = suite.create(funding, Suite::study(), 1_000_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 300);
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 100);
    (suite, id, alice, bob)
}

#[test]
fn claim_pays_the_pro_rata_share_in_the_native_token() {
    let (mut suite, id, alice, bob) = two_members(Funding::Native);
    suite.close_study();
    assert_eq!(suite.contribution(id, &alice).claimable.u128(), 750_000);
    suite.claim(&alice, id).unwrap();
    suite.claim(&bob, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &alice), 750_000);
    assert_eq!(suite.balance(Funding::Native, &bob), 250_000);
    assert_eq!(
        suite.member(id, &alice).claimed,
        Some(Uint128::new(750_000))
    );
    assert_eq!(suite.pool(id).balance.u128(), 0);
}

#[test]
fn claim_pays_the_pro_rata_share_in_the_cw20_token() {
    let (mut suite, id, alice, _) = two_members(Funding::Cw20);
    suite.close_study();
    suite.claim(&alice, id).unwrap();
    assert_eq!(suite.cw20_balance(&suite.token, &alice), 750_000);
}

#[test]
fn claim_twice_is_refused() {
    let (mut suite, id, alice, _) = two_members(Funding::Native);
    suite.close_study();
    suite.claim(&alice, id).unwrap();
    assert_refused(
        suite.claim(&alice, id),
        ContractError::AlreadyClaimed { study_id: id },
    );
    assert_eq!(suite.balance(Funding::Native, &alice), 750_000);
    assert_eq!(suite.contribution(id, &alice).claimable.u128(), 0);
}

#[test]
fn claim_before_the_study_closes_is_refused() {
    let (mut suite, id, alice, _) = two_members(Funding::Native);
    assert_refused(
        suite.claim(&alice, id),
        ContractError::ClaimNotOpen {
            study_id: id,
            opens_at: cosmwasm_std::Timestamp::from_seconds(CLOSES_AT),
        },
    );
    assert_eq!(suite.contribution(id, &alice).claimable.u128(), 0);
    assert_eq!(
        suite.contribution(id, &alice).projected_payout.u128(),
        750_000
    );
}

#[test]
fn claim_by_a_non_member_unknown_study_or_with_funds_is_refused() {
    let (mut suite, id, alice, _) = two_members(Funding::Native);
    suite.close_study();
    let carol = suite.addr("carol");
    assert_refused(
        suite.claim(&carol, id),
        ContractError::NotMember { study_id: id },
    );
    assert_refused(
        suite.claim(&alice, 9),
        ContractError::StudyNotFound { study_id: 9 },
    );
    assert_refused(
        suite.execute_paid(
            &alice,
            &ExecuteMsg::Claim { study_id: id },
            &coins(1, DENOM),
        ),
        ContractError::Payment(PaymentError::NonPayable {}),
    );
}

#[test]
fn claim_below_the_minimum_days_is_refused_and_only_qualifying_days_count() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let mut study = Suite::study();
    study.eligibility.min_readings_per_day = 100;
    study.eligibility.min_days = 2;
    let id = suite.create_native(study, 1_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    // Alice: two full days and one thin day. Bob: one full day only.
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 150);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 1, 60);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 1, 60); // two submits make the day
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 2, 30); // never reaches 100
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 260);
    suite.close_study();
    assert_refused(
        suite.claim(&bob, id),
        ContractError::NotEnoughDays {
            counting_days: 1,
            min_days: 2,
        },
    );
    let info = suite.contribution(id, &alice);
    assert_eq!(
        (info.counting_days, info.counted_units, info.eligible),
        (2, 270, true)
    );
    // Alice is the only eligible member, so the pool is shared among what she counted alone:
    // floor(1000 · 270 / 270) = 1000. Bob's 260 readings, and Alice's thin day, dilute nothing
    // (before 0.3.0 the denominator was every credited reading, 560, and Alice got 482).
    assert_eq!(suite.study_info(id).study.earned.unwrap().units, 270);
    suite.claim(&alice, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &alice), 1_000);
}

#[test]
fn claim_without_readings_from_a_required_device_kind_is_refused() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let mut study = Suite::study();
    study.eligibility.device_kinds = vec![DeviceKind::Cgm, DeviceKind::Pump];
    let id = suite.create_native(study, 1_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 10);
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 10);
    // Bob also anchors insulin (not a wanted scope, but proves a pump).
    suite.anchor(&bob, DataScope::Insulin, FROM_DAY, 3);
    suite.close_study();
    assert_refused(
        suite.claim(&alice, id),
        ContractError::MissingDeviceKind {
            kind: DeviceKind::Pump,
        },
    );
    // Bob is the only eligible member: the whole pool is his (his 10 glucose readings are all
    // the eligible members counted).
    suite.claim(&bob, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &bob), 1_000);
}

/// Before 0.2.0 a claim (and the contribution query) asked the anchors contract for the
/// patient's coverage over the whole study period, which walks every device the patient had on
/// every day: its gas grew with whatever was attached to the patient. Now everything a claim
/// needs is kept from the hook, and coverage is never asked.
#[test]
fn claim_and_contribution_never_query_coverage_so_their_cost_does_not_depend_on_devices() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let mut study = Suite::study();
    study.eligibility.device_kinds = vec![DeviceKind::Cgm];
    let id = suite.create_native(study, 1_000).unwrap();
    let alice = suite.addr("alice");
    suite.consent_and_join(&alice, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 40);
    let anchors = suite.anchors.clone();
    let admin = suite.admin.clone();
    suite
        .app
        .execute_contract(admin, anchors, &AnchorsStandInMsg::FailCoverage {}, &[])
        .unwrap();
    suite.close_study();
    let contribution = suite.contribution(id, &alice);
    assert_eq!(contribution.counted_units, 40);
    assert!(contribution.eligible);
    suite.claim(&alice, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &alice), 1_000);
}

/// A membership recorded by 0.1.x has no `scopes_seen`: its device-kind eligibility is read
/// from coverage, as it was then.
#[test]
fn a_membership_from_0_1_reads_its_scopes_from_coverage() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let mut study = Suite::study();
    study.eligibility.device_kinds = vec![DeviceKind::Pump];
    let id = suite.create_native(study, 1_000).unwrap();
    let alice = suite.addr("alice");
    suite.consent_and_join(&alice, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 40);
    // Rewrite the member as 0.1.x stored it (its JSON had no `scopes_seen`), in a study as
    // 0.2.x stored it (no book of earnings): memberships of 0.1.x only exist in such studies.
    let union = suite.union.clone();
    let mut storage = suite.app.contract_storage_mut(&union);
    let mut legacy_study = crate::state::STUDIES.load(storage.as_ref(), id).unwrap();
    legacy_study.earned = None;
    crate::state::STUDIES
        .save(storage.as_mut(), id, &legacy_study)
        .unwrap();
    let mut member = crate::state::MEMBERS
        .load(storage.as_ref(), (id, &alice))
        .unwrap();
    let mut json = cosmwasm_std::to_json_string(&member).unwrap();
    json = json.replace(",\"scopes_seen\":[\"glucose\"]", "");
    assert!(!json.contains("scopes_seen"), "{json}");
    member = cosmwasm_std::from_json(&json).unwrap();
    assert_eq!(member.scopes_seen, None);
    crate::state::MEMBERS
        .save(storage.as_mut(), (id, &alice), &member)
        .unwrap();
    drop(storage);
    suite.close_study();
    // Coverage has no insulin: not eligible. Then the anchors contract shows some.
    assert_refused(
        suite.claim(&alice, id),
        ContractError::MissingDeviceKind {
            kind: DeviceKind::Pump,
        },
    );
    suite
        .anchor_all(
            vec![Contribution {
                patient: alice.clone(),
                scope: DataScope::Insulin,
                day: FROM_DAY,
                readings: 3,
                first_time: None,
                last_time: None,
            }],
            false,
        )
        .unwrap();
    suite.claim(&alice, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &alice), 1_000);
}

#[test]
fn claim_is_capped_per_patient_and_the_excess_stays_for_the_sponsor() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let mut study = Suite::study();
    study.cap_per_patient = Uint128::new(600);
    let id = suite.create_native(study, 1_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 90);
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 10);
    suite.close_study();
    suite.claim(&alice, id).unwrap();
    suite.claim(&bob, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &alice), 600);
    assert_eq!(suite.balance(Funding::Native, &bob), 100);
    assert_eq!(suite.pool(id).balance.u128(), 300);
}

#[test]
fn claim_with_nothing_counted_is_refused() {
    let (mut suite, id, _, _) = two_members(Funding::Native);
    let carol = suite.addr("carol");
    suite.consent_and_join(&carol, id);
    suite.close_study();
    assert_refused(
        suite.claim(&carol, id),
        ContractError::NothingToClaim { study_id: id },
    );
}

#[test]
fn a_member_who_left_still_claims_what_was_credited() {
    let (mut suite, id, alice, _) = two_members(Funding::Native);
    suite.leave(&alice, id).unwrap();
    suite.close_study();
    suite.claim(&alice, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &alice), 750_000);
}

/// A share stays claimable after the grace period, and after the sponsor has withdrawn: the
/// withdrawal left it in the pool.
#[test]
fn claim_after_the_grace_period_works_also_after_the_sponsor_withdraws() {
    let (mut suite, id, alice, bob) = two_members(Funding::Native);
    suite.pass_grace();
    suite.claim(&alice, id).unwrap();
    let sponsor = suite.sponsor.clone();
    let bob_share = suite.contribution(id, &bob).claimable;
    assert!(!bob_share.is_zero());
    suite.withdraw(&sponsor, id).unwrap();
    assert_eq!(suite.study_info(id).phase, StudyPhase::Closed);
    assert_eq!(suite.contribution(id, &bob).claimable, bob_share);
    suite.claim(&bob, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &bob), bob_share.u128());
    assert_refused(
        suite.claim(&bob, id),
        ContractError::AlreadyClaimed { study_id: id },
    );
}

#[test]
fn rounding_dust_stays_in_the_pool() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let id = suite.create_native(Suite::study(), 100).unwrap();
    let names = ["a", "b", "c"];
    for n in names {
        let p = suite.addr(n);
        suite.consent_and_join(&p, id);
        suite.anchor(&p, DataScope::Glucose, FROM_DAY, 1);
    }
    suite.close_study();
    for n in names {
        let p = suite.addr(n);
        suite.claim(&p, id).unwrap();
        assert_eq!(suite.balance(Funding::Native, &p), 33);
    }
    assert_eq!(suite.pool(id).balance.u128(), 1);
}
