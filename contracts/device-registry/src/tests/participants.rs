use diachain_std::device::{Participant, ParticipantStatus, Role};
use diachain_std::Page;

use super::{addr, Fx};
use crate::assert_err;
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::ContractError;
use diachain_std::admin::AdminError;

fn admit(role: Role, who: &cosmwasm_std::Addr) -> ExecuteMsg {
    ExecuteMsg::AdmitParticipant {
        role,
        address: who.to_string(),
        label: "label".into(),
    }
}

#[test]
fn only_the_admin_admits_suspends_reinstates_and_removes() {
    let mut fx = Fx::new();
    // The role is checked before anything else, even an invalid reason.
    let (stranger0, maker0) = (fx.stranger.clone(), fx.maker.clone());
    assert_err!(
        fx.exec(
            &stranger0,
            ExecuteMsg::SuspendParticipant {
                role: Role::Manufacturer,
                address: maker0.to_string(),
                reason: "".into()
            }
        ),
        ContractError::Admin(AdminError::NotAdmin)
    );
    let (maker, stranger, new) = (fx.maker.clone(), fx.stranger.clone(), addr("new"));
    for sender in [&maker, &stranger, &fx.relayer.clone()] {
        assert_err!(
            fx.exec(sender, admit(Role::Relayer, &new)),
            ContractError::Admin(AdminError::NotAdmin)
        );
        assert_err!(
            fx.exec(
                sender,
                ExecuteMsg::SuspendParticipant {
                    role: Role::Manufacturer,
                    address: maker.to_string(),
                    reason: "r".into()
                }
            ),
            ContractError::Admin(AdminError::NotAdmin)
        );
        assert_err!(
            fx.exec(
                sender,
                ExecuteMsg::ReinstateParticipant {
                    role: Role::Manufacturer,
                    address: maker.to_string()
                }
            ),
            ContractError::Admin(AdminError::NotAdmin)
        );
        assert_err!(
            fx.exec(
                sender,
                ExecuteMsg::RemoveParticipant {
                    role: Role::Manufacturer,
                    address: maker.to_string()
                }
            ),
            ContractError::Admin(AdminError::NotAdmin)
        );
    }
}

#[test]
fn admission_validates_address_label_and_duplicates() {
    let mut fx = Fx::new();
    let (admin, maker) = (fx.admin.clone(), fx.maker.clone());
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::AdmitParticipant {
                role: Role::Relayer,
                address: "nope".into(),
                label: "x".into()
            }
        ),
        ContractError::Std(_)
    );
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::AdmitParticipant {
                role: Role::Relayer,
                address: addr("a").to_string(),
                label: "".into()
            }
        ),
        ContractError::InvalidText { field: "label", .. }
    );
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::AdmitParticipant {
                role: Role::Relayer,
                address: addr("a").to_string(),
                label: "x".repeat(129)
            }
        ),
        ContractError::InvalidText { field: "label", .. }
    );
    assert_err!(
        fx.exec(&admin, admit(Role::Manufacturer, &maker)),
        ContractError::AlreadyAdmitted {
            role: Role::Manufacturer,
            ..
        }
    );
    // The same address may hold the other role.
    fx.exec(&admin, admit(Role::Relayer, &maker)).unwrap();
}

#[test]
fn suspension_and_reinstatement_change_relayer_standing() {
    let mut fx = Fx::new();
    let (admin, relayer) = (fx.admin.clone(), fx.relayer.clone());
    let is_active = |fx: &Fx| {
        fx.query::<bool>(QueryMsg::IsActiveRelayer {
            address: relayer.to_string(),
        })
    };
    assert!(is_active(&fx));
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::ReinstateParticipant {
                role: Role::Relayer,
                address: relayer.to_string()
            }
        ),
        ContractError::NotSuspended { .. }
    );
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::SuspendParticipant {
                role: Role::Relayer,
                address: relayer.to_string(),
                reason: "".into()
            }
        ),
        ContractError::InvalidText {
            field: "reason",
            ..
        }
    );
    fx.exec(
        &admin,
        ExecuteMsg::SuspendParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
            reason: "audit".into(),
        },
    )
    .unwrap();
    assert!(!is_active(&fx));
    let p: Option<Participant> = fx.query(QueryMsg::Participant {
        role: Role::Relayer,
        address: relayer.to_string(),
    });
    assert!(
        matches!(p.unwrap().status, ParticipantStatus::Suspended { ref reason, .. } if reason == "audit")
    );
    assert_err!(
        fx.exec(
            &admin,
            ExecuteMsg::SuspendParticipant {
                role: Role::Relayer,
                address: relayer.to_string(),
                reason: "again".into()
            }
        ),
        ContractError::AlreadySuspended { .. }
    );
    fx.exec(
        &admin,
        ExecuteMsg::ReinstateParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
        },
    )
    .unwrap();
    assert!(is_active(&fx));
    fx.exec(
        &admin,
        ExecuteMsg::RemoveParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
        },
    )
    .unwrap();
    assert!(!is_active(&fx));
    let p: Option<Participant> = fx.query(QueryMsg::Participant {
        role: Role::Relayer,
        address: relayer.to_string(),
    });
    assert!(p.is_none());
    for msg in [
        ExecuteMsg::RemoveParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
        },
        ExecuteMsg::SuspendParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
            reason: "x".into(),
        },
        ExecuteMsg::ReinstateParticipant {
            role: Role::Relayer,
            address: relayer.to_string(),
        },
    ] {
        assert_err!(
            fx.exec(&admin, msg),
            ContractError::NotAdmitted {
                role: Role::Relayer,
                ..
            }
        );
    }
}

#[test]
fn participants_are_listed_per_role_with_capped_pages() {
    let mut fx = Fx::new();
    let admin = fx.admin.clone();
    for i in 0..120 {
        fx.exec(&admin, admit(Role::Relayer, &addr(&format!("relayer-{i}"))))
            .unwrap();
    }
    let page: Page<Participant> = fx.query(QueryMsg::Participants {
        role: Role::Relayer,
        start_after: None,
        limit: Some(1000),
    });
    assert_eq!((page.items.len(), page.has_more), (100, true));
    assert!(page.items.iter().all(|p| p.role == Role::Relayer));
    let last = page.items.last().unwrap().address.to_string();
    let rest: Page<Participant> = fx.query(QueryMsg::Participants {
        role: Role::Relayer,
        start_after: Some(last),
        limit: Some(1000),
    });
    assert_eq!((rest.items.len(), rest.has_more), (21, false));
    let makers: Page<Participant> = fx.query(QueryMsg::Participants {
        role: Role::Manufacturer,
        start_after: None,
        limit: None,
    });
    assert_eq!((makers.items.len(), makers.has_more), (1, false));
}
