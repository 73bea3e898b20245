//! Creating a study: native and cw20 funding, the fee, and every validation.

use cosmwasm_std::{coin, coins, Timestamp, Uint128};
use cw_utils::PaymentError;
use diachain_std::device::DeviceKind;
use diachain_std::union::{
    PoolToken, ReceiveMsg, StudyPhase, MAX_CLOSE_DELAY, MAX_DAY, MAX_STUDY_DAYS, MAX_TITLE_LEN,
};
use diachain_std::DataScope;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::ExecuteMsg;

#[test]
fn create_native_study_books_deposit_and_sends_fee_to_treasury() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000_000).unwrap();
    assert_eq!(id, 1);
    let info = suite.study_info(id);
    assert_eq!(info.phase, StudyPhase::Open);
    let s = info.study;
    assert_eq!(s.sponsor, suite.sponsor);
    assert_eq!(
        s.pool.token,
        PoolToken::Native {
            denom: DENOM.into()
        }
    );
    assert_eq!(s.pool.funded.u128(), 1_000_000);
    assert_eq!(s.pool.fees.u128(), 25_000); // 2.5 %
    assert_eq!(s.closes_at, Timestamp::from_seconds((TO_DAY + 2) * DAY));
    assert_eq!(s.refund_after, s.closes_at.plus_seconds(GRACE));
    assert_eq!(
        suite.balance(Funding::Native, &suite.treasury.clone()),
        25_000
    );
    assert_eq!(suite.pool(id).balance.u128(), 975_000);
    assert_eq!(suite.create_native(Suite::study(), 10).unwrap(), 2);
}

#[test]
fn create_cw20_study_through_receive_makes_the_sender_the_sponsor() {
    let mut suite = Suite::new();
    let id = suite.create_cw20(Suite::study(), 40_000).unwrap();
    let s = suite.study_info(id).study;
    assert_eq!(s.sponsor, suite.sponsor);
    assert_eq!(
        s.pool.token,
        PoolToken::Cw20 {
            address: suite.token.clone()
        }
    );
    assert_eq!(s.pool.fees.u128(), 1_000);
    assert_eq!(suite.cw20_balance(&suite.token, &suite.treasury), 1_000);
    assert_eq!(suite.cw20_balance(&suite.token, &suite.union), 39_000);
}

#[test]
fn create_with_no_wrong_or_extra_funds_is_refused() {
    let mut suite = Suite::new();
    let sponsor = suite.sponsor.clone();
    let msg = ExecuteMsg::CreateStudy {
        study: Suite::study(),
        denom: DENOM.into(),
    };
    assert_refused(
        suite.execute(&sponsor, &msg, &[]),
        ContractError::Payment(PaymentError::NoFunds {}),
    );
    assert_refused(
        suite.execute(&sponsor, &msg, &coins(5, "uother")),
        ContractError::Payment(PaymentError::MissingDenom(DENOM.into())),
    );
    assert_refused(
        suite.execute(&sponsor, &msg, &[coin(5, DENOM), coin(5, "uother")]),
        ContractError::Payment(PaymentError::MultipleDenoms {}),
    );
}

#[test]
fn create_through_receive_refuses_zero_amount_and_native_coins() {
    let mut suite = Suite::new();
    let token = suite.token.clone();
    let sponsor = suite.sponsor.clone();
    let receive = |amount: u128| {
        ExecuteMsg::Receive(diachain_std::union::Cw20ReceiveMsg {
            sender: sponsor.to_string(),
            amount: Uint128::new(amount),
            msg: cosmwasm_std::to_json_binary(&ReceiveMsg::CreateStudy {
                study: Suite::study(),
            })
            .unwrap(),
        })
    };
    assert_refused(
        suite.execute(&token, &receive(0), &[]),
        ContractError::ZeroAmount,
    );
    assert_refused(
        suite.execute(&sponsor, &receive(10), &coins(10, DENOM)),
        ContractError::Payment(PaymentError::NonPayable {}),
    );
}

type Edit = Box<dyn Fn(&mut diachain_std::union::NewStudy)>;

#[test]
fn create_refuses_every_invalid_study_field() {
    let mut suite = Suite::new();
    let cases: Vec<(Edit, ContractError)> = vec![
        (
            Box::new(|s| s.title = String::new()),
            ContractError::InvalidText {
                field: "title",
                max: MAX_TITLE_LEN,
            },
        ),
        (
            Box::new(|s| s.title = "x".repeat(MAX_TITLE_LEN + 1)),
            ContractError::InvalidText {
                field: "title",
                max: MAX_TITLE_LEN,
            },
        ),
        (
            Box::new(|s| s.description_url = String::new()),
            ContractError::InvalidText {
                field: "description_url",
                max: 256,
            },
        ),
        (Box::new(|s| s.scopes = vec![]), ContractError::NoScopes),
        (
            Box::new(|s| {
                s.scopes = vec![DataScope::Glucose, DataScope::Insulin, DataScope::Glucose]
            }),
            ContractError::DuplicateScope {
                scope: DataScope::Glucose,
            },
        ),
        (
            Box::new(|s| s.eligibility.device_kinds = vec![DeviceKind::Cgm, DeviceKind::Cgm]),
            ContractError::DuplicateDeviceKind {
                kind: DeviceKind::Cgm,
            },
        ),
        (
            Box::new(|s| s.data_from_day = TO_DAY + 1),
            ContractError::InvalidDataPeriod,
        ),
        (
            Box::new(|s| {
                s.data_to_day = FROM_DAY + MAX_STUDY_DAYS;
                s.closes_at = None;
            }),
            ContractError::DataPeriodTooLong {
                days: MAX_STUDY_DAYS + 1,
                max: MAX_STUDY_DAYS,
            },
        ),
        (
            Box::new(|s| s.eligibility.min_days = 11),
            ContractError::MinDaysExceedPeriod {
                min_days: 11,
                days: 10,
            },
        ),
        (
            Box::new(|s| s.cap_per_patient = Uint128::zero()),
            ContractError::ZeroCap,
        ),
        (
            Box::new(|s| {
                s.data_from_day = u64::MAX - 1;
                s.data_to_day = u64::MAX;
            }),
            ContractError::DayOutOfRange {
                day: u64::MAX,
                max: MAX_DAY,
            },
        ),
        (
            Box::new(|s| {
                s.data_from_day = MAX_DAY;
                s.data_to_day = MAX_DAY + 1;
            }),
            ContractError::DayOutOfRange {
                day: MAX_DAY + 1,
                max: MAX_DAY,
            },
        ),
        (
            Box::new(|s| s.closes_at = Some(Timestamp::from_seconds((TO_DAY + 1) * DAY - 1))),
            ContractError::InvalidClosingTime {
                earliest: Timestamp::from_seconds((TO_DAY + 1) * DAY),
                latest: Timestamp::from_seconds((TO_DAY + 1) * DAY + MAX_CLOSE_DELAY),
            },
        ),
        (
            Box::new(|s| {
                s.closes_at = Some(Timestamp::from_seconds(
                    (TO_DAY + 1) * DAY + MAX_CLOSE_DELAY + 1,
                ))
            }),
            ContractError::InvalidClosingTime {
                earliest: Timestamp::from_seconds((TO_DAY + 1) * DAY),
                latest: Timestamp::from_seconds((TO_DAY + 1) * DAY + MAX_CLOSE_DELAY),
            },
        ),
        (
            Box::new(|s| {
                s.data_from_day = START_DAY - 20;
                s.data_to_day = START_DAY - 10;
            }),
            ContractError::ClosingTimeInPast {
                closes_at: Timestamp::from_seconds((START_DAY - 8) * DAY),
            },
        ),
    ];
    for (edit, expected) in cases {
        let mut study = Suite::study();
        edit(&mut study);
        assert_refused(suite.create_native(study, 100), expected);
    }
    // Nothing was created by the refused attempts.
    assert!(suite
        .query::<diachain_std::Page<diachain_std::union::StudyResponse>>(
            &crate::msg::QueryMsg::Studies {
                start_after: None,
                limit: None
            }
        )
        .unwrap()
        .items
        .is_empty());
}

#[test]
fn create_accepts_a_full_366_day_period_and_explicit_closing_time() {
    let mut suite = Suite::new();
    let mut study = Suite::study();
    study.data_to_day = FROM_DAY + MAX_STUDY_DAYS - 1;
    study.closes_at = Some(Timestamp::from_seconds((study.data_to_day + 1) * DAY));
    let id = suite.create_native(study.clone(), 100).unwrap();
    assert_eq!(
        suite.study_info(id).study.closes_at,
        study.closes_at.unwrap()
    );
}

#[test]
fn fee_of_zero_sends_nothing_to_the_treasury() {
    let mut suite = SuiteBuilder::default().with_fee(0).build();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    assert_eq!(suite.pool(id).pool.fees.u128(), 0);
    assert_eq!(suite.balance(Funding::Native, &suite.treasury.clone()), 0);
}

/// A study may end on `MAX_DAY`, the last day for which its closing time and the end of the
/// longest grace period after it still fit in a `Timestamp`.
#[test]
fn a_study_ending_on_the_last_allowed_day_is_created() {
    let mut suite = Suite::new();
    let mut study = Suite::study();
    study.data_from_day = MAX_DAY - 1;
    study.data_to_day = MAX_DAY;
    let latest = (MAX_DAY + 1) * DAY + MAX_CLOSE_DELAY;
    study.closes_at = Some(Timestamp::from_seconds(latest));
    let id = suite.create_native(study, 100).unwrap();
    let created = suite.study_info(id).study;
    assert_eq!(created.closes_at, Timestamp::from_seconds(latest));
    assert_eq!(
        created.refund_after,
        Timestamp::from_seconds(latest + GRACE)
    );
}
