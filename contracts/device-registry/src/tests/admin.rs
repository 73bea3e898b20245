use cosmwasm_std::coins;
use cosmwasm_std::testing::{message_info, mock_dependencies, mock_env};
use diachain_std::version::MigrateError;

use super::{addr, Fx};
use crate::assert_err;
use crate::contract::{instantiate, migrate, CONTRACT_NAME, CONTRACT_VERSION};
use crate::msg::{ConfigResponse, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
use crate::ContractError;
use diachain_std::admin::AdminError;

#[test]
fn instantiate_sets_the_named_admin_or_the_sender_and_the_cw2_version() {
    let fx = Fx::new();
    let c: ConfigResponse = fx.query(QueryMsg::Config {});
    assert_eq!((c.admin, c.pending_admin), (fx.admin.clone(), None));
    let v = cw2::get_contract_version(&fx.deps.storage).unwrap();
    assert_eq!(
        (v.contract.as_str(), v.version.as_str()),
        (CONTRACT_NAME, CONTRACT_VERSION)
    );

    let mut deps = mock_dependencies();
    let named = addr("named");
    instantiate(
        deps.as_mut(),
        mock_env(),
        message_info(&addr("deployer"), &[]),
        InstantiateMsg {
            admin: Some(named.to_string()),
        },
    )
    .unwrap();
    let c: ConfigResponse = cosmwasm_std::from_json(
        crate::contract::query(deps.as_ref(), mock_env(), QueryMsg::Config {}).unwrap(),
    )
    .unwrap();
    assert_eq!(c.admin, named);
}

#[test]
fn instantiate_refuses_funds_and_an_invalid_admin() {
    let mut deps = mock_dependencies();
    let sender = addr("deployer");
    assert_err!(
        instantiate(
            deps.as_mut(),
            mock_env(),
            message_info(&sender, &coins(5, "ucosm")),
            InstantiateMsg { admin: None }
        ),
        ContractError::Payment(_)
    );
    assert_err!(
        instantiate(
            deps.as_mut(),
            mock_env(),
            message_info(&sender, &[]),
            InstantiateMsg {
                admin: Some("not-an-address".into())
            }
        ),
        ContractError::Std(_)
    );
}

#[test]
fn admin_transfer_takes_two_steps() {
    let mut fx = Fx::new();
    let (admin, next, stranger) = (fx.admin.clone(), addr("next-admin"), fx.stranger.clone());
    assert_err!(
        fx.exec(
            &stranger,
            ExecuteMsg::TransferAdmin {
                new_admin: next.to_string()
            }
        ),
        ContractError::Admin(AdminError::NotAdmin)
    );
    assert_err!(
        fx.exec(&next, ExecuteMsg::AcceptAdmin {}),
        ContractError::Admin(AdminError::NoPendingAdmin)
    );
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::TransferAdmin {
                new_admin: "bad".into()
            }
        ),
        ContractError::Admin(AdminError::Std(_))
    );
    fx.exec(
        &admin,
        ExecuteMsg::TransferAdmin {
            new_admin: next.to_string(),
        },
    )
    .unwrap();
    let c: ConfigResponse = fx.query(QueryMsg::Config {});
    assert_eq!(
        (c.admin, c.pending_admin),
        (admin.clone(), Some(next.clone()))
    );
    assert_err!(
        fx.exec(&stranger, ExecuteMsg::AcceptAdmin {}),
        ContractError::Admin(AdminError::NotPendingAdmin)
    );
    fx.exec(&next, ExecuteMsg::AcceptAdmin {}).unwrap();
    let c: ConfigResponse = fx.query(QueryMsg::Config {});
    assert_eq!((c.admin, c.pending_admin), (next.clone(), None));
    // The old admin lost its powers.
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::TransferAdmin {
                new_admin: admin.to_string()
            }
        ),
        ContractError::Admin(AdminError::NotAdmin)
    );
}

#[test]
fn a_pending_transfer_can_be_cancelled_only_by_the_admin() {
    let mut fx = Fx::new();
    let (admin, next) = (fx.admin.clone(), addr("next-admin"));
    assert_err!(
        fx.exec(&admin, ExecuteMsg::CancelAdminTransfer {}),
        ContractError::Admin(AdminError::NoPendingAdmin)
    );
    fx.exec(
        &admin,
        ExecuteMsg::TransferAdmin {
            new_admin: next.to_string(),
        },
    )
    .unwrap();
    assert_err!(
        fx.exec(&next, ExecuteMsg::CancelAdminTransfer {}),
        ContractError::Admin(AdminError::NotAdmin)
    );
    fx.exec(&admin, ExecuteMsg::CancelAdminTransfer {}).unwrap();
    assert_err!(
        fx.exec(&next, ExecuteMsg::AcceptAdmin {}),
        ContractError::Admin(AdminError::NoPendingAdmin)
    );
}

#[test]
fn migrate_accepts_same_or_newer_and_refuses_downgrade_or_another_contract() {
    let mut fx = Fx::new();
    migrate(fx.deps.as_mut(), mock_env(), MigrateMsg {}).unwrap();
    cw2::set_contract_version(&mut fx.deps.storage, CONTRACT_NAME, "99.0.0").unwrap();
    assert_err!(
        migrate(fx.deps.as_mut(), mock_env(), MigrateMsg {}),
        ContractError::Migrate(MigrateError::Downgrade { .. })
    );
    cw2::set_contract_version(&mut fx.deps.storage, CONTRACT_NAME, "0.0.1").unwrap();
    let res = migrate(fx.deps.as_mut(), mock_env(), MigrateMsg {}).unwrap();
    assert!(res
        .attributes
        .iter()
        .any(|a| a.key == "from_version" && a.value == "0.0.1"));
    assert_eq!(
        cw2::get_contract_version(&fx.deps.storage).unwrap().version,
        CONTRACT_VERSION
    );
    cw2::set_contract_version(&mut fx.deps.storage, "crates.io:other", "0.0.1").unwrap();
    assert_err!(
        migrate(fx.deps.as_mut(), mock_env(), MigrateMsg {}),
        ContractError::Migrate(MigrateError::WrongContract { .. })
    );
}
