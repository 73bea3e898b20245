//! Topping up pools: anyone may, in the pool's token only, while the study is open.

use cosmwasm_std::coins;
use cw_utils::PaymentError;
use diachain_std::union::ReceiveMsg;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::ExecuteMsg;

#[test]
fn anyone_tops_up_a_native_pool_and_pays_the_fee() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    suite.top_up(Funding::Native, id, 4_000).unwrap();
    let pool = suite.pool(id);
    assert_eq!(pool.pool.funded.u128(), 5_000);
    assert_eq!(pool.pool.fees.u128(), 125);
    assert_eq!(pool.balance.u128(), 4_875);
    assert_eq!(suite.balance(Funding::Native, &suite.union.clone()), 4_875);
}

#[test]
fn anyone_tops_up_a_cw20_pool_through_receive() {
    let mut suite = Suite::new();
    let id = suite.create_cw20(Suite::study(), 1_000).unwrap();
    suite.top_up(Funding::Cw20, id, 3_000).unwrap();
    assert_eq!(suite.pool(id).pool.funded.u128(), 4_000);
    assert_eq!(suite.cw20_balance(&suite.token, &suite.union), 3_900);
}

#[test]
fn native_top_up_with_missing_or_wrong_funds_is_refused() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let funder = suite.addr("funder");
    let msg = ExecuteMsg::TopUp { study_id: id };
    assert_refused(
        suite.execute(&funder, &msg, &[]),
        ContractError::Payment(PaymentError::NoFunds {}),
    );
    assert_refused(
        suite.execute(&funder, &msg, &coins(9, "uother")),
        ContractError::Payment(PaymentError::MissingDenom(DENOM.into())),
    );
    assert_refused(
        suite.execute(
            &funder,
            &ExecuteMsg::TopUp { study_id: 9 },
            &coins(9, DENOM),
        ),
        ContractError::StudyNotFound { study_id: 9 },
    );
}

#[test]
fn native_coins_to_a_cw20_pool_are_refused() {
    let mut suite = Suite::new();
    let id = suite.create_cw20(Suite::study(), 1_000).unwrap();
    assert_refused(
        suite.top_up(Funding::Native, id, 10),
        ContractError::PoolIsCw20 {
            study_id: id,
            token: suite.token.to_string(),
        },
    );
}

#[test]
fn cw20_from_a_token_other_than_the_pools_is_refused() {
    let mut suite = Suite::new();
    let id = suite.create_cw20(Suite::study(), 1_000).unwrap();
    let (other, funder) = (suite.other_token.clone(), suite.addr("funder"));
    assert_refused(
        suite.send_cw20(&other, &funder, 10, &ReceiveMsg::TopUp { study_id: id }),
        ContractError::WrongToken {
            study_id: id,
            expected: format!("cw20 token {}", suite.token),
            received: other.to_string(),
        },
    );
    // Tokens bounced: the funder still holds them all.
    assert_eq!(suite.cw20_balance(&other, &funder), SPONSOR_FUNDS);
}

#[test]
fn cw20_into_a_native_pool_is_refused() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    assert_refused(
        suite.top_up(Funding::Cw20, id, 10),
        ContractError::WrongToken {
            study_id: id,
            expected: format!("native {DENOM}"),
            received: suite.token.to_string(),
        },
    );
}

#[test]
fn top_up_after_the_study_closes_is_refused() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    suite.close_study();
    assert_refused(
        suite.top_up(Funding::Native, id, 10),
        ContractError::FundingClosed { study_id: id },
    );
    let id2 = {
        let mut s = Suite::new();
        let id = s.create_cw20(Suite::study(), 1_000).unwrap();
        s.close_study();
        assert_refused(
            s.top_up(Funding::Cw20, id, 10),
            ContractError::FundingClosed { study_id: id },
        );
        id
    };
    assert_eq!(id2, 1);
}
