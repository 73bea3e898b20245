//! Instantiation, configuration updates and migration.

use cosmwasm_std::{coin, Addr};
use cw_multi_test::Executor;
use diachain_std::union::{
    InstantiateMsg, MigrateMsg, MAX_FEE_BPS, MAX_GRACE_PERIOD, MIN_GRACE_PERIOD,
};
use diachain_std::version::MigrateError;

use super::fixture::*;
use crate::error::ContractError;
use crate::msg::ExecuteMsg;

fn instantiate(
    suite: &mut Suite,
    msg: &InstantiateMsg,
    funds: &[cosmwasm_std::Coin],
) -> cosmwasm_std::StdResult<Addr> {
    let sponsor = suite.sponsor.clone();
    suite
        .app
        .instantiate_contract(suite.union_code, sponsor, msg, funds, "u2", None)
}

#[test]
fn instantiate_stores_config_and_defaults_admin_to_sender() {
    let suite = Suite::new();
    let config = suite.config();
    assert_eq!(config.admin, suite.admin);
    assert_eq!(config.anchors, suite.anchors);
    assert_eq!(config.consent, suite.consent);
    assert_eq!(config.treasury, suite.treasury);
    assert_eq!(config.fee_bps, FEE_BPS);
    assert_eq!(config.grace_period, GRACE);
    let version = cw2::query_contract_info(&suite.app.wrap(), suite.union.to_string()).unwrap();
    assert_eq!(version.contract, crate::contract::CONTRACT_NAME);
}

#[test]
fn instantiate_refuses_a_fee_above_the_cap() {
    let mut suite = Suite::new();
    let mut msg = instantiate_msg(&suite.anchors, &suite.consent, &suite.treasury);
    msg.fee_bps = MAX_FEE_BPS + 1;
    assert_refused(
        instantiate(&mut suite, &msg, &[]),
        ContractError::FeeTooHigh {
            fee_bps: MAX_FEE_BPS + 1,
            max: MAX_FEE_BPS,
        },
    );
    msg.fee_bps = MAX_FEE_BPS;
    instantiate(&mut suite, &msg, &[]).unwrap();
}

#[test]
fn instantiate_refuses_a_grace_period_out_of_range() {
    let mut suite = Suite::new();
    let mut msg = instantiate_msg(&suite.anchors, &suite.consent, &suite.treasury);
    for grace in [MIN_GRACE_PERIOD - 1, MAX_GRACE_PERIOD + 1] {
        msg.grace_period = grace;
        assert_refused(
            instantiate(&mut suite, &msg, &[]),
            ContractError::InvalidGracePeriod {
                min: MIN_GRACE_PERIOD,
                max: MAX_GRACE_PERIOD,
            },
        );
    }
}

#[test]
fn instantiate_refuses_invalid_addresses_and_funds() {
    let mut suite = Suite::new();
    let mut msg = instantiate_msg(&suite.anchors, &suite.consent, &suite.treasury);
    assert_refused(
        instantiate(&mut suite, &msg, &[coin(1, DENOM)]),
        ContractError::Payment(cw_utils::PaymentError::NonPayable {}),
    );
    msg.treasury = "not an address".into();
    assert!(instantiate(&mut suite, &msg, &[]).is_err());
}

#[test]
fn update_config_is_admin_only_and_rewires() {
    let mut suite = Suite::new();
    let stranger = suite.addr("stranger");
    let new_treasury = suite.addr("treasury2");
    let msg = ExecuteMsg::UpdateConfig {
        admin: None,
        anchors: None,
        consent: None,
        treasury: Some(new_treasury.to_string()),
    };
    assert_refused(suite.execute(&stranger, &msg, &[]), ContractError::NotAdmin);
    let admin = suite.admin.clone();
    assert_refused(
        suite.execute_paid(&admin, &msg, &[coin(1, DENOM)]),
        ContractError::Payment(cw_utils::PaymentError::NonPayable {}),
    );
    suite.execute(&admin, &msg, &[]).unwrap();
    assert_eq!(suite.config().treasury, new_treasury);
    assert_eq!(suite.config().fee_bps, FEE_BPS);
    // Hand the admin over; the old admin loses the right.
    let hand_over = ExecuteMsg::UpdateConfig {
        admin: Some(stranger.to_string()),
        anchors: None,
        consent: None,
        treasury: None,
    };
    suite.execute(&admin, &hand_over, &[]).unwrap();
    assert_refused(suite.execute(&admin, &msg, &[]), ContractError::NotAdmin);
    suite.execute(&stranger, &msg, &[]).unwrap();
}

#[test]
fn migrate_keeps_state_and_refuses_a_downgrade() {
    let mut suite = Suite::new();
    let id = suite.create_native(Suite::study(), 1_000).unwrap();
    let (admin, union, code) = (suite.admin.clone(), suite.union.clone(), suite.union_code);
    suite
        .app
        .migrate_contract(admin.clone(), union.clone(), &MigrateMsg {}, code)
        .unwrap();
    assert_eq!(suite.study_info(id).study.pool.funded.u128(), 1_000);

    let mut deps = cosmwasm_std::testing::mock_dependencies();
    cw2::set_contract_version(&mut deps.storage, crate::contract::CONTRACT_NAME, "99.0.0").unwrap();
    let err = crate::contract::migrate(
        deps.as_mut(),
        cosmwasm_std::testing::mock_env(),
        MigrateMsg {},
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ContractError::Migrate(MigrateError::Downgrade { .. })
    ));
    cw2::set_contract_version(&mut deps.storage, "crates.io:other", "0.0.1").unwrap();
    let err = crate::contract::migrate(
        deps.as_mut(),
        cosmwasm_std::testing::mock_env(),
        MigrateMsg {},
    )
    .unwrap_err();
    assert!(matches!(
        err,
        ContractError::Migrate(MigrateError::WrongContract { .. })
    ));
}
