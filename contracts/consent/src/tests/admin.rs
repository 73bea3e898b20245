use cw_utils::PaymentError;
use diachain_std::consent::{ConfigResponse, ExecuteMsg, QueryMsg};

use super::Suite;
use crate::error::ContractError;

#[test]
fn admin_transfer_takes_effect_only_when_the_proposed_admin_accepts() {
    let mut s = Suite::new();
    let (admin, new_admin) = (s.admin.clone(), s.addr("new-admin"));
    s.exec(
        &admin,
        ExecuteMsg::TransferAdmin {
            new_admin: new_admin.to_string(),
        },
    )
    .unwrap();
    let config: ConfigResponse = s.query(QueryMsg::Config {});
    assert_eq!(
        (config.admin, config.pending_admin),
        (admin.clone(), Some(new_admin.clone()))
    );

    let stranger = s.stranger.clone();
    assert_eq!(
        s.exec(&stranger, ExecuteMsg::AcceptAdmin {}).unwrap_err(),
        ContractError::NotPendingAdmin
    );
    s.exec(&new_admin, ExecuteMsg::AcceptAdmin {}).unwrap();
    let config: ConfigResponse = s.query(QueryMsg::Config {});
    assert_eq!((config.admin, config.pending_admin), (new_admin, None));
    // the old admin has lost the role
    assert_eq!(
        s.exec(&admin, ExecuteMsg::SetListeners { listeners: vec![] })
            .unwrap_err(),
        ContractError::NotAdmin
    );
}

#[test]
fn only_the_admin_may_propose_or_cancel_a_transfer() {
    let mut s = Suite::new();
    let stranger = s.stranger.clone();
    let msg = ExecuteMsg::TransferAdmin {
        new_admin: stranger.to_string(),
    };
    assert_eq!(s.exec(&stranger, msg).unwrap_err(), ContractError::NotAdmin);
    assert_eq!(
        s.exec(&stranger, ExecuteMsg::CancelAdminTransfer {})
            .unwrap_err(),
        ContractError::NotAdmin
    );
}

#[test]
fn cancel_withdraws_a_pending_transfer_and_both_fail_without_one() {
    let mut s = Suite::new();
    let (admin, new_admin) = (s.admin.clone(), s.addr("new-admin"));
    assert_eq!(
        s.exec(&admin, ExecuteMsg::CancelAdminTransfer {})
            .unwrap_err(),
        ContractError::NoPendingAdmin
    );
    assert_eq!(
        s.exec(&new_admin, ExecuteMsg::AcceptAdmin {}).unwrap_err(),
        ContractError::NoPendingAdmin
    );
    s.exec(
        &admin,
        ExecuteMsg::TransferAdmin {
            new_admin: new_admin.to_string(),
        },
    )
    .unwrap();
    s.exec(&admin, ExecuteMsg::CancelAdminTransfer {}).unwrap();
    assert_eq!(
        s.exec(&new_admin, ExecuteMsg::AcceptAdmin {}).unwrap_err(),
        ContractError::NoPendingAdmin
    );
}

#[test]
fn admin_messages_refuse_funds_and_invalid_addresses() {
    let mut s = Suite::new();
    let admin = s.admin.clone();
    let new_admin = s.addr("new-admin");
    for msg in [
        ExecuteMsg::TransferAdmin {
            new_admin: new_admin.to_string(),
        },
        ExecuteMsg::CancelAdminTransfer {},
        ExecuteMsg::SetListeners { listeners: vec![] },
    ] {
        assert_eq!(
            s.exec_paid(&admin, msg).unwrap_err(),
            ContractError::Payment(PaymentError::NonPayable {})
        );
    }
    s.exec(
        &admin,
        ExecuteMsg::TransferAdmin {
            new_admin: new_admin.to_string(),
        },
    )
    .unwrap();
    assert_eq!(
        s.exec_paid(&new_admin, ExecuteMsg::AcceptAdmin {})
            .unwrap_err(),
        ContractError::Payment(PaymentError::NonPayable {})
    );
    let bad = ExecuteMsg::TransferAdmin {
        new_admin: "Not A Valid Address".into(),
    };
    assert!(matches!(s.exec(&admin, bad), Err(ContractError::Std(_))));
}

#[test]
fn set_listeners_replaces_the_list_within_its_cap_without_duplicates() {
    let mut s = Suite::new();
    let admin = s.admin.clone();
    let a = s.addr("union-a").to_string();
    let b = s.addr("union-b").to_string();
    s.exec(
        &admin,
        ExecuteMsg::SetListeners {
            listeners: vec![a.clone(), b.clone()],
        },
    )
    .unwrap();
    let config: ConfigResponse = s.query(QueryMsg::Config {});
    assert_eq!(config.listeners.len(), 2);

    let nine: Vec<String> = (0..9)
        .map(|i| s.addr(&format!("l{i}")).to_string())
        .collect();
    assert_eq!(
        s.exec(&admin, ExecuteMsg::SetListeners { listeners: nine })
            .unwrap_err(),
        ContractError::TooManyListeners { max: 8 }
    );
    assert_eq!(
        s.exec(
            &admin,
            ExecuteMsg::SetListeners {
                listeners: vec![a.clone(), a.clone()]
            }
        )
        .unwrap_err(),
        ContractError::DuplicateListener(a)
    );
    let stranger = s.stranger.clone();
    assert_eq!(
        s.exec(&stranger, ExecuteMsg::SetListeners { listeners: vec![b] })
            .unwrap_err(),
        ContractError::NotAdmin
    );
}

#[test]
fn the_admin_refusals_read_as_the_shared_admins_do_in_the_registry_and_anchors() {
    use diachain_std::admin::AdminError;
    for (ours, shared) in [
        (ContractError::NotAdmin, AdminError::NotAdmin),
        (ContractError::NoPendingAdmin, AdminError::NoPendingAdmin),
        (ContractError::NotPendingAdmin, AdminError::NotPendingAdmin),
    ] {
        assert_eq!(ours.to_string(), shared.to_string());
        assert_eq!(ContractError::from(shared), ours);
    }
}
