//! Contributions reported by the anchors contract: only members' readings of wanted scopes,
//! inside the period, while the study is open, count; only the anchors contract may report.

use cosmwasm_std::coins;
use cw_multi_test::Executor;
use cw_utils::PaymentError;
use diachain_std::hooks::Contribution;
use diachain_std::DataScope;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::ExecuteMsg;

fn c(patient: &cosmwasm_std::Addr, scope: DataScope, day: u64, readings: u64) -> Contribution {
    Contribution {
        patient: patient.clone(),
        scope,
        day,
        readings,
    }
}

#[test]
fn contributions_from_the_anchors_hook_are_credited_per_member_and_day() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite
        .anchor_all(
            vec![
                c(&alice, DataScope::Glucose, FROM_DAY, 12),
                c(&bob, DataScope::Glucose, FROM_DAY, 24),
                c(&alice, DataScope::Glucose, FROM_DAY + 1, 12),
            ],
            true,
        )
        .unwrap();
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 12);
    assert_eq!(suite.member(id, &alice).units, 36);
    assert_eq!(suite.member(id, &bob).units, 24);
    assert_eq!(suite.study_info(id).study.total_units, 60);
}

#[test]
fn contributions_from_anyone_but_the_anchors_contract_are_refused() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let alice = suite.addr("alice");
    suite.consent_and_join(&alice, id);
    let msg = ExecuteMsg::ReadingsAnchored {
        contributions: vec![c(&alice, DataScope::Glucose, FROM_DAY, 1_000)],
    };
    let (consent, sponsor) = (suite.consent.clone(), suite.sponsor.clone());
    for sender in [&alice, &consent, &sponsor] {
        assert_refused(suite.execute(sender, &msg, &[]), ContractError::NotAnchors);
    }
    assert_eq!(suite.member(id, &alice).units, 0);
}

#[test]
fn contributions_with_funds_are_refused() {
    let mut suite = Suite::new();
    let anchors = suite.anchors.clone();
    // Give the anchors address coins to send.
    let sponsor = suite.sponsor.clone();
    suite
        .app
        .execute(
            sponsor,
            cosmwasm_std::BankMsg::Send {
                to_address: anchors.to_string(),
                amount: coins(5, DENOM),
            }
            .into(),
        )
        .unwrap();
    let msg = ExecuteMsg::ReadingsAnchored {
        contributions: vec![],
    };
    assert_refused(
        suite.execute(&anchors, &msg, &coins(5, DENOM)),
        ContractError::Payment(PaymentError::NonPayable {}),
    );
}

#[test]
fn contributions_outside_the_period_or_scope_or_from_non_members_do_not_count() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let (alice, mallory) = (suite.addr("alice"), suite.addr("mallory"));
    suite.consent_and_join(&alice, id);
    suite
        .anchor_all(
            vec![
                c(&alice, DataScope::Glucose, FROM_DAY - 1, 10),
                c(&alice, DataScope::Glucose, TO_DAY + 1, 10),
                c(&alice, DataScope::Insulin, FROM_DAY, 10),
                c(&alice, DataScope::Glucose, FROM_DAY, 0),
                c(&mallory, DataScope::Glucose, FROM_DAY, 10),
                c(&alice, DataScope::Glucose, TO_DAY, 3),
            ],
            true,
        )
        .unwrap();
    assert_eq!(suite.member(id, &alice).units, 3);
    assert_eq!(suite.study_info(id).study.total_units, 3);
    assert!(suite.contribution(id, &mallory).member.is_none());
}

#[test]
fn contributions_before_joining_and_after_closing_do_not_count() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let alice = suite.addr("alice");
    suite.grant(&alice, id, 1, vec![DataScope::Glucose]);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 10);
    suite.join(&alice, id).unwrap();
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 5);
    suite.close_study();
    suite.anchor(&alice, DataScope::Glucose, TO_DAY, 7);
    assert_eq!(suite.member(id, &alice).units, 5);
    // The closed study's entry was pruned from the patient's active list.
    let studies: Vec<u64> = suite
        .query(&crate::msg::QueryMsg::PatientStudies {
            patient: alice.to_string(),
        })
        .unwrap();
    assert!(studies.is_empty());
}

#[test]
fn one_contribution_counts_in_every_study_the_patient_is_in_that_wants_it() {
    let mut suite = Suite::new();
    let a = suite.create_native(Suite::study(), 1_000).unwrap();
    let b = suite.create_native(Suite::study(), 1_000).unwrap();
    let mut insulin = Suite::study();
    insulin.scopes = vec![DataScope::Insulin];
    let c_id = suite.create_native(insulin, 1_000).unwrap();
    let alice = suite.addr("alice");
    for id in [a, b, c_id] {
        suite.grant(&alice, id, id, vec![DataScope::Glucose, DataScope::Insulin]);
        suite.join(&alice, id).unwrap();
    }
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 9);
    assert_eq!(suite.member(a, &alice).units, 9);
    assert_eq!(suite.member(b, &alice).units, 9);
    assert_eq!(suite.member(c_id, &alice).units, 0);
}

#[test]
fn the_union_execute_msg_deserializes_both_hook_messages() {
    use diachain_std::hooks::{AnchorsHookMsg, ConsentHookMsg};
    let alice = cosmwasm_std::Addr::unchecked("alice");
    let contributions = vec![c(&alice, DataScope::Glucose, 5, 6)];
    let bin = cosmwasm_std::to_json_binary(&AnchorsHookMsg::ReadingsAnchored {
        contributions: contributions.clone(),
    })
    .unwrap();
    assert_eq!(
        parse::<ExecuteMsg>(&bin),
        ExecuteMsg::ReadingsAnchored { contributions }
    );
    let bin = cosmwasm_std::to_json_binary(&ConsentHookMsg::ResearchConsentEnded {
        patient: alice.clone(),
        study_id: 3,
        grant_id: 4,
    })
    .unwrap();
    assert_eq!(
        parse::<ExecuteMsg>(&bin),
        ExecuteMsg::ResearchConsentEnded {
            patient: alice,
            study_id: 3,
            grant_id: 4
        }
    );
}
