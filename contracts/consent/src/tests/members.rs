use cw_utils::PaymentError;
use diachain_std::consent::{ConsentRole, ExecuteMsg, Member, QueryMsg};
use diachain_std::Page;

use super::Suite;
use crate::error::ContractError;

#[test]
fn admin_admits_and_removes_members_by_role() {
    let mut s = Suite::new();
    let (admin, doc) = (s.admin.clone(), s.addr("another-er-doc"));
    s.exec(
        &admin,
        ExecuteMsg::AdmitMember {
            role: ConsentRole::EmergencyProvider,
            address: doc.to_string(),
        },
    )
    .unwrap();
    let member: Option<Member> = s.query(QueryMsg::Member {
        role: ConsentRole::EmergencyProvider,
        address: doc.to_string(),
    });
    assert_eq!(member.unwrap().admitted_at, s.now());
    // a role does not carry over to the other
    let other: Option<Member> = s.query(QueryMsg::Member {
        role: ConsentRole::Custodian,
        address: doc.to_string(),
    });
    assert_eq!(other, None);

    s.exec(
        &admin,
        ExecuteMsg::RemoveMember {
            role: ConsentRole::EmergencyProvider,
            address: doc.to_string(),
        },
    )
    .unwrap();
    let member: Option<Member> = s.query(QueryMsg::Member {
        role: ConsentRole::EmergencyProvider,
        address: doc.to_string(),
    });
    assert_eq!(member, None);
}

#[test]
fn admitting_twice_or_removing_a_non_member_is_refused() {
    let mut s = Suite::new();
    let admin = s.admin.clone();
    let er = s.er_doc.to_string();
    assert_eq!(
        s.exec(
            &admin,
            ExecuteMsg::AdmitMember {
                role: ConsentRole::EmergencyProvider,
                address: er.clone()
            }
        )
        .unwrap_err(),
        ContractError::AlreadyMember {
            role: ConsentRole::EmergencyProvider,
            address: er.clone()
        }
    );
    assert_eq!(
        s.exec(
            &admin,
            ExecuteMsg::RemoveMember {
                role: ConsentRole::Custodian,
                address: er.clone()
            }
        )
        .unwrap_err(),
        ContractError::NotMember {
            role: ConsentRole::Custodian,
            address: er
        }
    );
}

#[test]
fn only_the_admin_admits_or_removes_and_funds_are_refused() {
    let mut s = Suite::new();
    let (admin, stranger) = (s.admin.clone(), s.stranger.clone());
    let admit = ExecuteMsg::AdmitMember {
        role: ConsentRole::Custodian,
        address: stranger.to_string(),
    };
    let remove = ExecuteMsg::RemoveMember {
        role: ConsentRole::Custodian,
        address: s.custodian.to_string(),
    };
    assert_eq!(
        s.exec(&stranger, admit.clone()).unwrap_err(),
        ContractError::NotAdmin
    );
    assert_eq!(
        s.exec(&stranger, remove.clone()).unwrap_err(),
        ContractError::NotAdmin
    );
    for msg in [admit, remove] {
        assert_eq!(
            s.exec_paid(&admin, msg).unwrap_err(),
            ContractError::Payment(PaymentError::NonPayable {})
        );
    }
    let bad = ExecuteMsg::AdmitMember {
        role: ConsentRole::Custodian,
        address: "Bad Address".into(),
    };
    assert!(matches!(s.exec(&admin, bad), Err(ContractError::Std(_))));
}

#[test]
fn members_list_pages_by_address_with_has_more() {
    let mut s = Suite::new();
    let admin = s.admin.clone();
    for i in 0..4 {
        let address = s.addr(&format!("custodian-{i}")).to_string();
        s.exec(
            &admin,
            ExecuteMsg::AdmitMember {
                role: ConsentRole::Custodian,
                address,
            },
        )
        .unwrap();
    }
    let first: Page<Member> = s.query(QueryMsg::Members {
        role: ConsentRole::Custodian,
        start_after: None,
        limit: Some(3),
    });
    assert_eq!((first.items.len(), first.has_more), (3, true));
    let rest: Page<Member> = s.query(QueryMsg::Members {
        role: ConsentRole::Custodian,
        start_after: Some(first.items[2].address.to_string()),
        limit: Some(3),
    });
    assert_eq!((rest.items.len(), rest.has_more), (2, false));
    assert!(rest.items.iter().all(|m| m.role == ConsentRole::Custodian));
}
