//! The sponsor's withdrawal of what was not earned, after close and the grace period.

use cosmwasm_std::{coins, Timestamp};
use cw_utils::PaymentError;
use diachain_std::union::StudyPhase;
use diachain_std::DataScope;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::ExecuteMsg;

#[test]
fn sponsor_withdrawing_early_is_refused() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let sponsor = suite.sponsor.clone();
    let expected = ContractError::WithdrawTooEarly {
        available_at: Timestamp::from_seconds(CLOSES_AT + GRACE),
    };
    assert_refused(suite.withdraw(&sponsor, id), expected);
    suite.close_study();
    let expected = ContractError::WithdrawTooEarly {
        available_at: Timestamp::from_seconds(CLOSES_AT + GRACE),
    };
    assert_refused(suite.withdraw(&sponsor, id), expected);
    suite.set_time(CLOSES_AT + GRACE - 1);
    assert_eq!(suite.study_info(id).phase, StudyPhase::Claiming);
}

#[test]
fn only_the_sponsor_may_withdraw() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    suite.pass_grace();
    let (funder, admin) = (suite.addr("funder"), suite.admin.clone());
    assert_refused(suite.withdraw(&funder, id), ContractError::NotSponsor);
    assert_refused(suite.withdraw(&admin, id), ContractError::NotSponsor);
    let sponsor = suite.sponsor.clone();
    assert_refused(
        suite.execute(
            &sponsor,
            &ExecuteMsg::WithdrawUnearned { study_id: id },
            &coins(1, DENOM),
        ),
        ContractError::Payment(PaymentError::NonPayable {}),
    );
}

/// The sponsor withdraws what no member earned: Bob's unclaimed share stays in the pool (the
/// reserve) and Bob claims it later; the books balance at every step; with nothing left to
/// take, a second withdrawal is refused.
#[test]
fn sponsor_withdraws_only_what_no_member_earned_and_the_books_balance() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000_000).unwrap();
    suite.top_up(Funding::Native, id, 200_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 2);
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 1);
    suite.close_study();
    suite.claim(&alice, id).unwrap(); // bob claims only after the sponsor withdrew
    suite.pass_grace();
    assert_eq!(suite.study_info(id).phase, StudyPhase::Refundable);
    let bob_share = suite.contribution(id, &bob).claimable.u128();
    assert!(bob_share > 0);
    assert_eq!(suite.study_info(id).reserved.u128(), bob_share);
    let sponsor = suite.sponsor.clone();
    let before = suite.balance(Funding::Native, &sponsor);
    suite.withdraw(&sponsor, id).unwrap();
    let refund = suite.balance(Funding::Native, &sponsor) - before;
    let pool = suite.pool(id).pool;
    assert_eq!(pool.refunded.unwrap().u128(), refund);
    assert_eq!(
        pool.fees.u128() + pool.paid.u128() + refund + bob_share,
        1_200_000
    );
    let union = suite.union.clone();
    assert_eq!(suite.balance(Funding::Native, &union), bob_share);
    assert_eq!(suite.study_info(id).phase, StudyPhase::Closed);
    assert_refused(
        suite.withdraw(&sponsor, id),
        ContractError::NothingToWithdraw { study_id: id },
    );
    suite.claim(&bob, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &bob), bob_share);
    assert_eq!(suite.balance(Funding::Native, &union), 0);
    assert_eq!(suite.study_info(id).reserved.u128(), 0);
}

/// A study created before 0.3.0 keeps no book of what members earned: its sponsor withdraws the
/// whole balance once, which closes claims, as it did then.
#[test]
fn a_study_from_before_0_3_keeps_the_old_withdrawal_rule() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 2);
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 1);
    // Rewrite the study as 0.2.x stored it: its JSON had no `earned`.
    let union = suite.union.clone();
    let mut storage = suite.app.contract_storage_mut(&union);
    let mut study = crate::state::STUDIES.load(storage.as_ref(), id).unwrap();
    study.earned = None;
    let json = cosmwasm_std::to_json_string(&study).unwrap();
    let json = json.replace(",\"earned\":null", "");
    assert!(!json.contains("earned"), "{json}");
    let study: diachain_std::union::Study = cosmwasm_std::from_json(&json).unwrap();
    crate::state::STUDIES
        .save(storage.as_mut(), id, &study)
        .unwrap();
    drop(storage);
    suite.pass_grace();
    suite.claim(&alice, id).unwrap();
    assert_eq!(suite.study_info(id).reserved.u128(), 0);
    let sponsor = suite.sponsor.clone();
    let before = suite.balance(Funding::Native, &sponsor);
    suite.withdraw(&sponsor, id).unwrap();
    assert!(suite.balance(Funding::Native, &sponsor) > before);
    assert_eq!(suite.balance(Funding::Native, &union), 0);
    assert_refused(
        suite.claim(&bob, id),
        ContractError::StudyClosed { study_id: id },
    );
    assert_refused(
        suite.withdraw(&sponsor, id),
        ContractError::StudyClosed { study_id: id },
    );
}

#[test]
fn sponsor_withdraws_a_cw20_pool_in_the_token() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let id = suite.create_cw20(Suite::study(), 5_000).unwrap();
    suite.pass_grace();
    let sponsor = suite.sponsor.clone();
    let before = suite.cw20_balance(&suite.token, &sponsor);
    suite.withdraw(&sponsor, id).unwrap();
    assert_eq!(suite.cw20_balance(&suite.token, &sponsor) - before, 5_000);
}

/// A capped share keeps only the cap in reserve: an eligible member who never claims cannot lock
/// the excess of their uncapped share, which the sponsor takes back at once.
#[test]
fn an_unclaimed_capped_share_reserves_only_the_cap() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let mut study = Suite::study();
    study.cap_per_patient = cosmwasm_std::Uint128::new(100_000);
    let id = suite.create_native(study, 1_200_000).unwrap();
    let alice = suite.addr("alice");
    suite.consent_and_join(&alice, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 288);
    suite.pass_grace();
    assert_eq!(suite.contribution(id, &alice).claimable.u128(), 100_000);
    assert_eq!(suite.study_info(id).reserved.u128(), 100_000);
    let sponsor = suite.sponsor.clone();
    let before = suite.balance(Funding::Native, &sponsor);
    suite.withdraw(&sponsor, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &sponsor) - before, 1_100_000);
    suite.claim(&alice, id).unwrap();
    assert_eq!(suite.balance(Funding::Native, &alice), 100_000);
    let union = suite.union.clone();
    assert_eq!(suite.balance(Funding::Native, &union), 0);
}
