use cosmwasm_std::coins;
use cosmwasm_std::testing::{message_info, mock_dependencies, mock_env};
use cw_utils::PaymentError;
use diachain_std::consent::{ConfigResponse, InstantiateMsg, MigrateMsg, QueryMsg};
use diachain_std::version::MigrateError;

use super::Suite;
use crate::contract::{instantiate, migrate};
use crate::error::ContractError;
use crate::state::{CONTRACT_NAME, CONTRACT_VERSION};

fn msg(hours: u32, listeners: Vec<String>) -> InstantiateMsg {
    let api = cosmwasm_std::testing::MockApi::default();
    InstantiateMsg {
        admin: None,
        registry: api.addr_make("registry").to_string(),
        max_break_glass_hours: hours,
        listeners,
    }
}

#[test]
fn instantiate_stores_config_cw2_and_defaults_admin_to_sender() {
    let mut deps = mock_dependencies();
    let sender = deps.api.addr_make("consortium");
    instantiate(
        deps.as_mut(),
        mock_env(),
        message_info(&sender, &[]),
        msg(48, vec![]),
    )
    .unwrap();
    let version = cw2::get_contract_version(&deps.storage).unwrap();
    assert_eq!(version.contract, CONTRACT_NAME);
    assert_eq!(version.version, CONTRACT_VERSION);
    let config: ConfigResponse = cosmwasm_std::from_json(
        crate::contract::query(deps.as_ref(), mock_env(), QueryMsg::Config {}).unwrap(),
    )
    .unwrap();
    assert_eq!(config.admin, sender);
    assert_eq!(config.max_break_glass_hours, 48);
    assert_eq!(config.pending_admin, None);
    assert!(config.listeners.is_empty());
}

#[test]
fn instantiate_refuses_funds() {
    let mut deps = mock_dependencies();
    let sender = deps.api.addr_make("consortium");
    let err = instantiate(
        deps.as_mut(),
        mock_env(),
        message_info(&sender, &coins(1, "ustake")),
        msg(24, vec![]),
    )
    .unwrap_err();
    assert_eq!(err, ContractError::Payment(PaymentError::NonPayable {}));
}

#[test]
fn instantiate_refuses_break_glass_cap_of_zero_or_over_72_hours() {
    for hours in [0, 73] {
        let mut deps = mock_dependencies();
        let sender = deps.api.addr_make("consortium");
        let err = instantiate(
            deps.as_mut(),
            mock_env(),
            message_info(&sender, &[]),
            msg(hours, vec![]),
        )
        .unwrap_err();
        assert_eq!(err, ContractError::InvalidBreakGlassCap { hours, max: 72 });
    }
}

#[test]
fn instantiate_refuses_more_than_8_or_duplicate_listeners_and_invalid_addresses() {
    let api = cosmwasm_std::testing::MockApi::default();
    let nine: Vec<String> = (0..9)
        .map(|i| api.addr_make(&format!("l{i}")).to_string())
        .collect();
    let dup = vec![nine[0].clone(), nine[0].clone()];
    let sender = api.addr_make("consortium");
    let mut deps = mock_dependencies();
    let err = instantiate(
        deps.as_mut(),
        mock_env(),
        message_info(&sender, &[]),
        msg(24, nine),
    )
    .unwrap_err();
    assert_eq!(err, ContractError::TooManyListeners { max: 8 });
    let err = instantiate(
        deps.as_mut(),
        mock_env(),
        message_info(&sender, &[]),
        msg(24, dup),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ContractError::DuplicateListener(api.addr_make("l0").to_string())
    );
    let mut bad = msg(24, vec![]);
    bad.registry = "not-an-address".into();
    let err = instantiate(deps.as_mut(), mock_env(), message_info(&sender, &[]), bad);
    assert!(matches!(err, Err(ContractError::Std(_))));
}

#[test]
fn migrate_accepts_same_version_and_refuses_downgrade_or_other_contract() {
    let mut s = Suite::new();
    let env = s.env.clone();
    migrate(s.deps.as_mut(), env.clone(), MigrateMsg {}).unwrap();

    cw2::set_contract_version(&mut s.deps.storage, CONTRACT_NAME, "99.0.0").unwrap();
    let err = migrate(s.deps.as_mut(), env.clone(), MigrateMsg {}).unwrap_err();
    assert_eq!(
        err,
        ContractError::Migrate(MigrateError::Downgrade {
            from: "99.0.0".into(),
            to: CONTRACT_VERSION.into()
        })
    );
    cw2::set_contract_version(&mut s.deps.storage, "diachain:registry", "0.0.1").unwrap();
    let err = migrate(s.deps.as_mut(), env, MigrateMsg {}).unwrap_err();
    assert!(matches!(
        err,
        ContractError::Migrate(MigrateError::WrongContract { .. })
    ));
}
