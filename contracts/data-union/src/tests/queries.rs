//! Queries: studies and members pages, contribution, pool, phases.

use diachain_std::union::{StudyPhase, StudyResponse};
use diachain_std::{DataScope, Page};

use super::fixture::*;
use crate::msg::QueryMsg;

#[test]
fn studies_are_paginated_by_id_with_has_more() {
    let mut suite = Suite::new();
    for _ in 0..5 {
        suite.create_native(Suite::study(), 100).unwrap();
    }
    let page: Page<StudyResponse> = suite
        .query(&QueryMsg::Studies {
            start_after: None,
            limit: Some(2),
        })
        .unwrap();
    assert_eq!(
        page.items.iter().map(|s| s.study.id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(page.has_more);
    let page: Page<StudyResponse> = suite
        .query(&QueryMsg::Studies {
            start_after: Some(3),
            limit: Some(10),
        })
        .unwrap();
    assert_eq!(
        page.items.iter().map(|s| s.study.id).collect::<Vec<_>>(),
        vec![4, 5]
    );
    assert!(!page.has_more);
}

#[test]
fn members_are_paginated_by_address_and_include_those_who_left() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 100).unwrap();
    let mut patients: Vec<_> = (0..4).map(|i| suite.addr(&format!("p{i}"))).collect();
    for p in &patients {
        suite.consent_and_join(p, id);
    }
    suite.leave(&patients[0].clone(), id).unwrap();
    patients.sort();
    let first = suite.members(id, None, Some(3));
    assert_eq!(
        first
            .items
            .iter()
            .map(|m| m.patient.clone())
            .collect::<Vec<_>>(),
        patients[..3]
    );
    assert!(first.has_more);
    let rest = suite.members(id, Some(patients[2].to_string()), Some(3));
    assert_eq!(rest.items.len(), 1);
    assert!(!rest.has_more);
    assert!(suite
        .query::<Page<diachain_std::union::Member>>(&QueryMsg::Members {
            study_id: 99,
            start_after: None,
            limit: None
        })
        .is_err());
}

#[test]
fn study_query_reports_every_phase_and_unknown_study_errors() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 100).unwrap();
    assert_eq!(suite.study_info(id).phase, StudyPhase::Open);
    suite.close_study();
    assert_eq!(suite.study_info(id).phase, StudyPhase::Claiming);
    suite.pass_grace();
    assert_eq!(suite.study_info(id).phase, StudyPhase::Refundable);
    let sponsor = suite.sponsor.clone();
    suite.withdraw(&sponsor, id).unwrap();
    assert_eq!(suite.study_info(id).phase, StudyPhase::Closed);
    assert!(suite
        .query::<StudyResponse>(&QueryMsg::Study { study_id: 2 })
        .is_err());
}

#[test]
fn contribution_query_reports_units_eligibility_and_claimable() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let id = suite.create_native(Suite::study(), 900).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    let none = suite.contribution(id, &alice);
    assert!(none.member.is_none());
    assert_eq!(none.claimable.u128(), 0);
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 20);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY + 3, 10);
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 60);
    let info = suite.contribution(id, &alice);
    assert_eq!(info.member.as_ref().unwrap().units, 30);
    assert_eq!((info.counting_days, info.counted_units), (2, 30));
    assert!(info.eligible);
    assert_eq!(info.projected_payout.u128(), 300);
    assert_eq!(info.claimable.u128(), 0);
    suite.close_study();
    assert_eq!(suite.contribution(id, &alice).claimable.u128(), 300);
    suite.claim(&alice, id).unwrap();
    let after = suite.contribution(id, &alice);
    assert_eq!(
        (after.claimable.u128(), after.projected_payout.u128()),
        (0, 300)
    );
}

#[test]
fn pool_query_keeps_the_books() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 10_000).unwrap();
    let pool = suite.pool(id);
    assert_eq!(pool.study_id, id);
    assert_eq!(
        (
            pool.pool.funded.u128(),
            pool.pool.fees.u128(),
            pool.pool.paid.u128()
        ),
        (10_000, 250, 0)
    );
    assert_eq!(pool.pool.refunded, None);
    assert_eq!(pool.balance.u128(), 9_750);
}
