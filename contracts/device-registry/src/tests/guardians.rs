use cosmwasm_std::Addr;
use diachain_std::registry::{GuardianAppointer, GuardianInfo};
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
    let page: Page<GuardianInfo> = fx.query(QueryMsg::Guardians {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(page.items.len(), 2);
    assert!(!page.has_more);
}

fn guardians(fx: &Fx, patient: &Addr) -> Vec<GuardianInfo> {
    let page: Page<GuardianInfo> = fx.query(QueryMsg::Guardians {
        patient: patient.to_string(),
        start_after: None,
        limit: None,
    });
    page.items
}

#[test]
fn a_consortium_appointed_guardian_is_shown_to_the_patient_as_such_with_its_time() {
    let mut fx = Fx::new();
    let (patient, guardian, admin) = (fx.patient.clone(), fx.guardian.clone(), fx.admin.clone());
    let court = addr("court-appointed");
    fx.exec(
        &patient,
        ExecuteMsg::AddGuardian {
            patient: None,
            guardian: guardian.to_string(),
        },
    )
    .unwrap();
    let named_at = fx.env.block.time;
    fx.advance(600);
    let res = fx
        .exec(
            &admin,
            ExecuteMsg::AddGuardian {
                patient: Some(patient.to_string()),
                guardian: court.to_string(),
            },
        )
        .unwrap();
    // The appointment is public: the event names who made it.
    assert!(res
        .attributes
        .iter()
        .any(|a| a.key == "appointed_by" && a.value == admin.as_str()));
    let mut expected = vec![
        GuardianInfo {
            guardian: guardian.clone(),
            appointed_by: GuardianAppointer::Patient,
            appointed_at: named_at,
        },
        GuardianInfo {
            guardian: court.clone(),
            appointed_by: GuardianAppointer::Consortium,
            appointed_at: fx.env.block.time,
        },
    ];
    expected.sort_by(|a, b| a.guardian.cmp(&b.guardian));
    assert_eq!(guardians(&fx, &patient), expected);
}

#[test]
fn the_patient_removes_a_guardian_the_consortium_appointed() {
    let mut fx = Fx::new();
    let (patient, admin) = (fx.patient.clone(), fx.admin.clone());
    let court = addr("court-appointed");
    fx.exec(
        &admin,
        ExecuteMsg::AddGuardian {
            patient: Some(patient.to_string()),
            guardian: court.to_string(),
        },
    )
    .unwrap();
    assert!(is_guardian(&fx, &patient, &court));
    fx.exec(
        &patient,
        ExecuteMsg::RemoveGuardian {
            patient: None,
            guardian: court.to_string(),
        },
    )
    .unwrap();
    assert!(!is_guardian(&fx, &patient, &court));
    assert!(guardians(&fx, &patient).is_empty());
    // A removed guardian acts for the patient no more: they may not bind to the patient.
    let key = fx.register("cgm-court001", diachain_std::KeyAlgorithm::Ed25519, 41);
    let proof = fx.bind_proof(&key, "cgm-court001", &patient);
    assert_err!(
        fx.exec(
            &court,
            ExecuteMsg::BindDevice {
                device_id: "cgm-court001".into(),
                patient: Some(patient.to_string()),
                signature: proof,
            }
        ),
        ContractError::NotGuardian { .. }
    );
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
