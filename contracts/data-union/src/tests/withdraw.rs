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

#[test]
fn sponsor_withdraws_the_unclaimed_rest_once_and_the_books_balance() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000_000).unwrap();
    suite.top_up(Funding::Native, id, 200_000).unwrap();
    let (alice, bob) = (suite.addr("alice"), suite.addr("bob"));
    suite.consent_and_join(&alice, id);
    suite.consent_and_join(&bob, id);
    suite.anchor(&alice, DataScope::Glucose, FROM_DAY, 2);
    suite.anchor(&bob, DataScope::Glucose, FROM_DAY, 1);
    suite.close_study();
    suite.claim(&alice, id).unwrap(); // bob never claims
    suite.pass_grace();
    assert_eq!(suite.study_info(id).phase, StudyPhase::Refundable);
    let sponsor = suite.sponsor.clone();
    let before = suite.balance(Funding::Native, &sponsor);
    suite.withdraw(&sponsor, id).unwrap();
    let refund = suite.balance(Funding::Native, &sponsor) - before;
    let pool = suite.pool(id).pool;
    assert_eq!(pool.refunded.unwrap().u128(), refund);
    assert_eq!(pool.fees.u128() + pool.paid.u128() + refund, 1_200_000);
    assert_eq!(suite.balance(Funding::Native, &suite.union.clone()), 0);
    assert_eq!(suite.study_info(id).phase, StudyPhase::Closed);
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
