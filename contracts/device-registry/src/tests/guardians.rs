use cosmwasm_std::Addr;
use diachain_std::Page;

use super::{addr, Fx};
use crate::assert_err;
use crate::msg::{ExecuteMsg, QueryMsg};
use crate::ContractError;

fn is_guardian(fx: &Fx, patient: &Addr, guardian: &Addr) -> bool {
    fx.query(QueryMsg::IsGuardian {
        patient: patient.to_string(),
        guardian: guardian.to_string(),
    })
}

#[test]
fn a_patient_or_the_admin_names_guardians_and_nobody_else() {
    let mut fx = Fx::new();
    let (patient, guardian, stranger, admin) = (
        fx.patient.clone(),
        fx.guardian.clone(),
        fx.stranger.clone(),
        fx.admin.clone(),
    );
    fx.exec(
        &patient,
        ExecuteMsg::AddGuardian {
            patient: None,
            guardian: guardian.to_string(),
        },
    )
    .unwrap();
    assert!(is_guardian(&fx, &patient, &guardian));
    let second = addr("second-parent");
    assert_err!(
        fx.exec(
            &stranger,
            ExecuteMsg::AddGuardian {
                patient: Some(patient.to_string()),
                guardian: second.to_string()
            }
        ),
        ContractError::NotPatientOrAdmin { .. }
    );
    // A guardian may not name further guardians.
    assert_err!(
        fx.exec(
            &guardian,
            ExecuteMsg::AddGuardian {
                patient: Some(patient.to_string()),
                guardian: second.to_string()
            }
        ),
        ContractError::NotPatientOrAdmin { .. }
    );
    fx.exec(
        &admin,
        ExecuteMsg::AddGuardian {
            patient: Some(patient.to_string()),
            guardian: second.to_string(),
        },
    )
    .unwrap();
    let page: Page<Addr> = fx.query(QueryMsg::Guardians {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(page.items.len(), 2);
    assert!(!page.has_more);
}

#[test]
fn self_duplicate_and_invalid_guardians_are_refused() {
    let mut fx = Fx::new();
    let (patient, guardian) = (fx.patient.clone(), fx.guardian.clone());
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::AddGuardian {
                patient: None,
                guardian: patient.to_string()
            }
        ),
        ContractError::SelfGuardian
    );
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::AddGuardian {
                patient: None,
                guardian: "bad".into()
            }
        ),
        ContractError::Std(_)
    );
    fx.exec(
        &patient,
        ExecuteMsg::AddGuardian {
            patient: None,
            guardian: guardian.to_string(),
        },
    )
    .unwrap();
    assert_err!(
        fx.exec(
            &patient,
            ExecuteMsg::AddGuardian {
                patient: None,
                guardian: guardian.to_string()
            }
        ),
        ContractError::GuardianExists { .. }
    );
}

#[test]
fn the_patient_the_guardian_or_the_admin_removes_a_guardian() {
    let mut fx = Fx::new();
    let (patient, guardian, stranger, admin) = (
        fx.patient.clone(),
        fx.guardian.clone(),
        fx.stranger.clone(),
        fx.admin.clone(),
    );
    let remove = |sender_is_patient: bool| ExecuteMsg::RemoveGuardian {
        patient: if sender_is_patient {
            None
        } else {
            Some(patient.to_string())
        },
        guardian: guardian.to_string(),
    };
    let add = ExecuteMsg::AddGuardian {
        patient: None,
        guardian: guardian.to_string(),
    };
    fx.exec(&patient, add.clone()).unwrap();
    assert_err!(
        fx.exec(&stranger, remove(false)),
        ContractError::CannotRemoveGuardian
    );
    fx.exec(&guardian, remove(false)).unwrap();
    assert!(!is_guardian(&fx, &patient, &guardian));
    assert_err!(
        fx.exec(&patient, remove(true)),
        ContractError::NotGuardian { .. }
    );
    fx.exec(&patient, add.clone()).unwrap();
    fx.exec(&patient, remove(true)).unwrap();
    fx.exec(&patient, add).unwrap();
    fx.exec(&admin, remove(false)).unwrap();
    assert!(!is_guardian(&fx, &patient, &guardian));
}
