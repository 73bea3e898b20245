//! Joining with a live research consent, leaving, and the consent contract's ended-consent hook.

use cosmwasm_std::{coins, Addr};
use cw_utils::PaymentError;
use diachain_std::union::MAX_ACTIVE_STUDIES_PER_PATIENT;
use diachain_std::DataScope;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::ExecuteMsg;

fn setup() -> (Suite, u64, Addr) {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000_000).unwrap();
    let alice = suite.addr("alice");
    (suite, id, alice)
}

#[test]
fn join_with_live_consent_makes_an_active_member() {
    let (mut suite, id, alice) = setup();
    suite.grant(&alice, id, 7, vec![DataScope::Glucose, DataScope::Insulin]);
    suite.join(&alice, id).unwrap();
    let m = suite.member(id, &alice);
    assert!(m.active);
    assert_eq!(m.grant_id, 7);
    assert_eq!((m.from_day, m.to_day), (FROM_DAY, TO_DAY));
    let s = suite.study_info(id).study;
    assert_eq!((s.members, s.active_members), (1, 1));
    let studies: Vec<u64> = suite
        .query(&crate::msg::QueryMsg::PatientStudies {
            patient: alice.to_string(),
        })
        .unwrap();
    assert_eq!(studies, vec![id]);
}

#[test]
fn join_without_consent_is_refused() {
    let (mut suite, id, alice) = setup();
    assert_refused(
        suite.join(&alice, id),
        ContractError::NoResearchConsent { study_id: id },
    );
    // A consent for another study does not count.
    suite.grant(&alice, id + 1, 1, vec![DataScope::Glucose]);
    assert_refused(
        suite.join(&alice, id),
        ContractError::NoResearchConsent { study_id: id },
    );
}

#[test]
fn join_with_a_consent_granted_to_someone_other_than_the_sponsor_is_refused() {
    for funding in [Funding::Native, Funding::Cw20] {
        let mut suite = Suite::new();
        let id = suite.create(funding, Suite::study(), 1_000_000).unwrap();
        let alice = suite.addr("alice");
        let stranger = suite.addr("stranger");
        let sponsor = suite.sponsor.clone();
        // A consent naming the study, covering its scopes and period, but given to a stranger:
        // the sponsor gets nothing from it, so it does not admit her.
        suite.grant_to(&alice, id, 3, &stranger, vec![DataScope::Glucose]);
        assert_refused(
            suite.join(&alice, id),
            ContractError::ConsentNotToSponsor {
                study_id: id,
                grantee: stranger.clone(),
                sponsor: sponsor.clone(),
            },
        );
        // Nothing changed: no membership, no slot taken.
        assert!(suite.contribution(id, &alice).member.is_none());
        let s = suite.study_info(id).study;
        assert_eq!((s.members, s.active_members), (0, 0));
        // The grantee is checked before the scopes: a stranger's consent is refused as such
        // even when it also lacks a scope.
        suite.grant_to(&alice, id, 4, &stranger, vec![DataScope::Insulin]);
        assert_refused(
            suite.join(&alice, id),
            ContractError::ConsentNotToSponsor {
                study_id: id,
                grantee: stranger.clone(),
                sponsor: sponsor.clone(),
            },
        );
        // Given to the sponsor, the consent admits her.
        suite.grant_to(&alice, id, 5, &sponsor, vec![DataScope::Glucose]);
        suite.join(&alice, id).unwrap();
        assert_eq!(suite.member(id, &alice).grant_id, 5);
        // Rejoining after leaving is held to the same rule.
        suite.leave(&alice, id).unwrap();
        suite.grant_to(&alice, id, 6, &stranger, vec![DataScope::Glucose]);
        assert_refused(
            suite.join(&alice, id),
            ContractError::ConsentNotToSponsor {
                study_id: id,
                grantee: stranger,
                sponsor,
            },
        );
        assert!(!suite.member(id, &alice).active);
    }
}

#[test]
fn join_with_consent_missing_a_wanted_scope_is_refused() {
    let mut suite = Suite::new();
    let mut study = Suite::study();
    study.scopes = vec![DataScope::Glucose, DataScope::Insulin];
    let id = suite.create_native(study, 1_000).unwrap();
    let alice = suite.addr("alice");
    suite.grant(
        &alice,
        id,
        1,
        vec![DataScope::Glucose, DataScope::Nutrition],
    );
    assert_refused(
        suite.join(&alice, id),
        ContractError::ConsentScopesInsufficient {
            missing: vec![DataScope::Insulin],
        },
    );
}

#[test]
fn join_with_consent_period_outside_the_study_is_refused() {
    let (mut suite, id, alice) = setup();
    suite.grant_window(
        &alice,
        id,
        1,
        vec![DataScope::Glucose],
        0,
        (FROM_DAY - 1) * DAY,
    );
    assert_refused(
        suite.join(&alice, id),
        ContractError::ConsentPeriodOutsideStudy { study_id: id },
    );
}

#[test]
fn join_narrows_counting_days_to_the_consent_period() {
    let (mut suite, id, alice) = setup();
    suite.grant_window(
        &alice,
        id,
        1,
        vec![DataScope::Glucose],
        (FROM_DAY + 2) * DAY,
        (FROM_DAY + 4) * DAY + 5,
    );
    suite.join(&alice, id).unwrap();
    let m = suite.member(id, &alice);
    assert_eq!((m.from_day, m.to_day), (FROM_DAY + 2, FROM_DAY + 4));
}

#[test]
fn join_twice_unknown_study_funds_or_after_close_is_refused() {
    let (mut suite, id, alice) = setup();
    suite.consent_and_join(&alice, id);
    assert_refused(
        suite.join(&alice, id),
        ContractError::AlreadyMember { study_id: id },
    );
    assert_refused(
        suite.join(&alice, 42),
        ContractError::StudyNotFound { study_id: 42 },
    );
    let bob = suite.addr("bob");
    suite.grant(&bob, id, 2, vec![DataScope::Glucose]);
    assert_refused(
        suite.execute_paid(&bob, &ExecuteMsg::Join { study_id: id }, &coins(1, DENOM)),
        ContractError::Payment(PaymentError::NonPayable {}),
    );
    suite.close_study();
    assert_refused(
        suite.join(&bob, id),
        ContractError::JoiningClosed { study_id: id },
    );
}

#[test]
fn a_patient_may_be_in_at_most_16_open_studies_and_closed_ones_free_their_slot() {
    let mut suite = Suite::new();
    let alice = suite.addr("alice");
    // One short study that closes early, then 15 more of the default.
    let mut short = Suite::study();
    short.data_to_day = FROM_DAY;
    let short_id = suite.create_native(short, 100).unwrap();
    suite.consent_and_join(&alice, short_id);
    for _ in 1..MAX_ACTIVE_STUDIES_PER_PATIENT {
        let id = suite.create_native(Suite::study(), 100).unwrap();
        suite.consent_and_join(&alice, id);
    }
    let extra = suite.create_native(Suite::study(), 100).unwrap();
    suite.grant(&alice, extra, 1, vec![DataScope::Glucose]);
    assert_refused(
        suite.join(&alice, extra),
        ContractError::TooManyStudies {
            max: MAX_ACTIVE_STUDIES_PER_PATIENT,
        },
    );
    // Once the short study has closed, its slot is free.
    suite.set_time((FROM_DAY + 2) * DAY);
    suite.join(&alice, extra).unwrap();
    let studies: Vec<u64> = suite
        .query(&crate::msg::QueryMsg::PatientStudies {
            patient: alice.to_string(),
        })
        .unwrap();
    assert_eq!(studies.len(), MAX_ACTIVE_STUDIES_PER_PATIENT);
    assert!(!studies.contains(&short_id));
}

#[test]
fn leave_stops_accrual_and_keeps_credited_units() {
    let (mut suite, id, alice) = setup();
    suite.consent_and_join(&alice, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 100);
    suite.leave(&alice, id).unwrap();
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 1, 100);
    let m = suite.member(id, &alice);
    assert!(!m.active);
    assert!(m.left_at.is_some());
    assert_eq!(m.units, 100);
    assert_eq!(suite.study_info(id).study.active_members, 0);
    // She may rejoin while the study is open and accrue again.
    suite.join(&alice, id).unwrap();
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 2, 50);
    assert_eq!(suite.member(id, &alice).units, 150);
    assert_eq!(suite.study_info(id).study.members, 1);
}

#[test]
fn leave_by_a_non_member_or_twice_or_with_funds_is_refused() {
    let (mut suite, id, alice) = setup();
    assert_refused(
        suite.leave(&alice, id),
        ContractError::NotMember { study_id: id },
    );
    suite.consent_and_join(&alice, id);
    assert_refused(
        suite.execute_paid(
            &alice,
            &ExecuteMsg::Leave { study_id: id },
            &coins(1, DENOM),
        ),
        ContractError::Payment(PaymentError::NonPayable {}),
    );
    suite.leave(&alice, id).unwrap();
    assert_refused(
        suite.leave(&alice, id),
        ContractError::NotActiveMember { study_id: id },
    );
}

#[test]
fn revoked_research_consent_removes_the_member_from_future_accrual() {
    let (mut suite, id, alice) = setup();
    suite.consent_and_join(&alice, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 30);
    suite.revoke(&alice, id).unwrap();
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 1, 30);
    let m = suite.member(id, &alice);
    assert!(!m.active);
    assert_eq!(m.units, 30);
    assert_eq!(suite.study_info(id).study.total_units, 30);
    // Without a new consent she cannot rejoin.
    assert_refused(
        suite.join(&alice, id),
        ContractError::NoResearchConsent { study_id: id },
    );
}

#[test]
fn consent_ended_from_anyone_but_the_consent_contract_is_refused() {
    let (mut suite, id, alice) = setup();
    suite.consent_and_join(&alice, id);
    let msg = ExecuteMsg::ResearchConsentEnded {
        patient: alice.clone(),
        study_id: id,
        grant_id: 1,
    };
    let anchors = suite.anchors.clone();
    assert_refused(suite.execute(&alice, &msg, &[]), ContractError::NotConsent);
    assert_refused(
        suite.execute(&anchors, &msg, &[]),
        ContractError::NotConsent,
    );
    assert!(suite.member(id, &alice).active);
}

#[test]
fn consent_ended_for_another_grant_or_a_non_member_is_ignored_not_refused() {
    let (mut suite, id, alice) = setup();
    suite.consent_and_join(&alice, id);
    let consent = suite.consent.clone();
    let other_grant = ExecuteMsg::ResearchConsentEnded {
        patient: alice.clone(),
        study_id: id,
        grant_id: 99,
    };
    suite.execute(&consent, &other_grant, &[]).unwrap();
    assert!(suite.member(id, &alice).active);
    let bob = suite.addr("bob");
    for msg in [
        ExecuteMsg::ResearchConsentEnded {
            patient: bob,
            study_id: id,
            grant_id: 1,
        },
        ExecuteMsg::ResearchConsentEnded {
            patient: alice.clone(),
            study_id: 77,
            grant_id: 1,
        },
    ] {
        suite.execute(&consent, &msg, &[]).unwrap();
    }
    assert!(suite.member(id, &alice).active);
}
