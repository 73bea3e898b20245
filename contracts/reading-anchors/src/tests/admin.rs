use diachain_std::admin::AdminError;
use diachain_std::anchors::{ConfigResponse, MAX_LISTENERS};

use super::Suite;
use crate::msg::{ExecuteMsg, MigrateMsg, QueryMsg};
use crate::ContractError;
use diachain_testing::assert_refused;

#[test]
fn only_the_admin_manages_listeners_within_the_cap() {
    let mut s = Suite::new();
    let (admin, stranger, relayer) = (s.admin.clone(), s.stranger.clone(), s.relayer.clone());
    let api = cosmwasm_std::testing::MockApi::default();
    let who = |i: usize| api.addr_make(&format!("listener-{i}")).to_string();
    for sender in [&stranger, &relayer] {
        assert_refused(
            s.exec(sender, ExecuteMsg::AddListener { address: who(0) }),
            ContractError::Admin(AdminError::NotAdmin),
        );
        assert_refused(
            s.exec(sender, ExecuteMsg::RemoveListener { address: who(0) }),
            ContractError::Admin(AdminError::NotAdmin),
        );
    }
    let invalid = s
        .exec(
            &admin,
            ExecuteMsg::AddListener {
                address: "bad".into(),
            },
        )
        .unwrap_err()
        .to_string();
    assert!(invalid.ends_with("parse failed"), "{invalid}");
    for i in 0..MAX_LISTENERS {
        s.exec(&admin, ExecuteMsg::AddListener { address: who(i) })
            .unwrap();
    }
    assert_refused(
        s.exec(&admin, ExecuteMsg::AddListener { address: who(0) }),
        ContractError::ListenerExists { address: who(0) },
    );
    assert_refused(
        s.exec(&admin, ExecuteMsg::AddListener { address: who(99) }),
        ContractError::TooManyListeners { max: MAX_LISTENERS },
    );
    s.exec(&admin, ExecuteMsg::RemoveListener { address: who(3) })
        .unwrap();
    assert_refused(
        s.exec(&admin, ExecuteMsg::RemoveListener { address: who(3) }),
        ContractError::NotListener { address: who(3) },
    );
    let c: ConfigResponse = s.query(QueryMsg::Config {});
    assert_eq!(
        (c.listeners.len(), c.registry, c.admin),
        (MAX_LISTENERS - 1, s.registry.clone(), admin)
    );
}

#[test]
fn admin_transfer_takes_two_steps() {
    let mut s = Suite::new();
    let (admin, next) = (s.admin.clone(), s.stranger.clone());
    s.exec(
        &admin,
        ExecuteMsg::TransferAdmin {
            new_admin: next.to_string(),
        },
    )
    .unwrap();
    assert_refused(
        s.exec(&admin, ExecuteMsg::AcceptAdmin {}),
        ContractError::Admin(AdminError::NotPendingAdmin),
    );
    s.exec(&next, ExecuteMsg::AcceptAdmin {}).unwrap();
    assert_refused(
        s.exec(&admin, ExecuteMsg::CancelAdminTransfer {}),
        ContractError::Admin(AdminError::NotAdmin),
    );
    let c: ConfigResponse = s.query(QueryMsg::Config {});
    assert_eq!(c.admin, next);
}

#[test]
fn instantiate_refuses_an_invalid_registry_and_migrate_refuses_a_downgrade() {
    use cosmwasm_std::testing::{message_info, mock_dependencies, mock_env};
    let mut deps = mock_dependencies();
    let sender = deps.api.addr_make("deployer");
    let bad = crate::msg::InstantiateMsg {
        admin: None,
        registry: "nope".into(),
    };
    let err =
        crate::contract::instantiate(deps.as_mut(), mock_env(), message_info(&sender, &[]), bad)
            .unwrap_err();
    assert!(matches!(err, ContractError::Std(_)), "{err:?}");
    let good = crate::msg::InstantiateMsg {
        admin: None,
        registry: sender.to_string(),
    };
    crate::contract::instantiate(deps.as_mut(), mock_env(), message_info(&sender, &[]), good)
        .unwrap();
    crate::contract::migrate(deps.as_mut(), mock_env(), MigrateMsg {}).unwrap();
    cw2::set_contract_version(&mut deps.storage, crate::contract::CONTRACT_NAME, "9.9.9").unwrap();
    let err = crate::contract::migrate(deps.as_mut(), mock_env(), MigrateMsg {}).unwrap_err();
    assert!(matches!(err, ContractError::Migrate(_)), "{err:?}");
}
