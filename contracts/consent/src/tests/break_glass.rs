use cw_utils::PaymentError;
use diachain_std::consent::{
    CheckAccessResponse, ConsentRole, Denial, ExecuteMsg, Expiry, Grant, GrantInfo, QueryMsg,
    MAX_REASON_LEN,
};
use diachain_std::{DataScope, Page, Purpose};

use super::{attr, grant_id, Suite, DATA_FROM, DATA_TO, HOUR};
use crate::error::ContractError;

fn open(s: &Suite, hours: u32) -> ExecuteMsg {
    ExecuteMsg::OpenBreakGlass {
        patient: s.patient.to_string(),
        hours,
        reason: "unconscious, suspected hypoglycaemia".into(),
        scopes: None,
    }
}

fn check(s: &Suite) -> CheckAccessResponse {
    s.query(s.check_msg(&s.er_doc, DataScope::Insulin, DATA_FROM, DATA_TO, None))
}

fn sessions(s: &Suite) -> Page<Grant> {
    s.query(QueryMsg::BreakGlassSessions {
        patient: s.patient.to_string(),
        start_after: None,
        limit: None,
    })
}

#[test]
fn admitted_provider_opens_emergency_access_listed_to_the_patient() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let res = s.exec(&er, open(&s, 6)).unwrap();
    assert_eq!(attr(&res, "action"), "open_break_glass");
    assert_eq!(attr(&res, "reason"), "unconscious, suspected hypoglycaemia");
    let id = grant_id(&res);
    let end = s.now().plus_seconds(6 * HOUR);

    let res = check(&s);
    assert!(res.allowed);
    let grant = res.grant.unwrap();
    assert_eq!(grant.purpose, Purpose::Emergency);
    assert_eq!(grant.scopes, DataScope::ALL.to_vec());
    assert_eq!(grant.expires, Expiry::AtTime(end));
    assert_eq!(grant.break_glass.as_ref().unwrap().hours, 6);

    let open_now = sessions(&s);
    assert_eq!(open_now.items.len(), 1);
    assert_eq!(open_now.items[0].id, id);
    let listed: Page<GrantInfo> = s.query(QueryMsg::GrantsByPatient {
        patient: s.patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(listed.items[0].grant.id, id);
}

#[test]
fn break_glass_can_be_limited_to_some_scopes() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let msg = ExecuteMsg::OpenBreakGlass {
        patient: s.patient.to_string(),
        hours: 1,
        reason: "pump failure".into(),
        scopes: Some(vec![DataScope::Glucose]),
    };
    let id = grant_id(&s.exec(&er, msg).unwrap());
    assert_eq!(
        check(&s).denial,
        Some(Denial::ScopeNotGranted { grant_id: id })
    );
    let empty = ExecuteMsg::OpenBreakGlass {
        patient: s.addr("other").to_string(),
        hours: 1,
        reason: "pump failure".into(),
        scopes: Some(vec![]),
    };
    assert_eq!(s.exec(&er, empty).unwrap_err(), ContractError::NoScopes);
}

#[test]
fn break_glass_by_a_non_admitted_provider_is_refused() {
    let mut s = Suite::new();
    for who in [s.stranger.clone(), s.clinician.clone(), s.custodian.clone()] {
        assert_eq!(
            s.exec(&who, open(&s, 1)).unwrap_err(),
            ContractError::NotMember {
                role: ConsentRole::EmergencyProvider,
                address: who.to_string()
            }
        );
    }
}

#[test]
fn break_glass_over_the_cap_or_for_zero_hours_is_refused() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    for hours in [0, 25, u32::MAX] {
        assert_eq!(
            s.exec(&er, open(&s, hours)).unwrap_err(),
            ContractError::InvalidBreakGlassHours { hours, max: 24 }
        );
    }
    // exactly the cap is allowed
    s.exec(&er, open(&s, 24)).unwrap();
}

#[test]
fn break_glass_ends_by_itself_after_its_hours() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let id = grant_id(&s.exec(&er, open(&s, 2)).unwrap());
    s.advance(2 * HOUR - 1);
    assert!(check(&s).allowed);
    assert_eq!(sessions(&s).items.len(), 1);
    s.advance(1);
    assert_eq!(check(&s).denial, Some(Denial::Expired { grant_id: id }));
    assert!(sessions(&s).items.is_empty());
    // a new session may then be opened
    s.exec(&er, open(&s, 1)).unwrap();
}

#[test]
fn a_second_session_while_one_is_open_is_refused() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let id = grant_id(&s.exec(&er, open(&s, 2)).unwrap());
    assert_eq!(
        s.exec(&er, open(&s, 2)).unwrap_err(),
        ContractError::BreakGlassAlreadyOpen { grant_id: id }
    );
}

#[test]
fn patient_guardian_or_provider_can_close_a_session_early() {
    let mut s = Suite::new();
    let (patient, er) = (s.patient.clone(), s.er_doc.clone());
    let id = grant_id(&s.exec(&er, open(&s, 4)).unwrap());
    let res = s
        .exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    assert_eq!(attr(&res, "action"), "close_break_glass");
    assert_eq!(check(&s).denial, Some(Denial::Revoked { grant_id: id }));
    assert!(sessions(&s).items.is_empty());
    // the provider closes its own next one
    let id = grant_id(&s.exec(&er, open(&s, 4)).unwrap());
    s.exec(&er, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    // a guardian closes one on the child
    let (child, parent) = (s.child.clone(), s.parent.clone());
    let msg = ExecuteMsg::OpenBreakGlass {
        patient: child.to_string(),
        hours: 1,
        reason: "DKA".into(),
        scopes: None,
    };
    let id = grant_id(&s.exec(&er, msg).unwrap());
    s.exec(&parent, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
}

#[test]
fn removing_the_provider_ends_its_open_sessions_at_once() {
    let mut s = Suite::new();
    let (admin, er) = (s.admin.clone(), s.er_doc.clone());
    let id = grant_id(&s.exec(&er, open(&s, 4)).unwrap());
    s.exec(
        &admin,
        ExecuteMsg::RemoveMember {
            role: ConsentRole::EmergencyProvider,
            address: er.to_string(),
        },
    )
    .unwrap();
    assert_eq!(
        check(&s).denial,
        Some(Denial::ProviderNotAdmitted { grant_id: id })
    );
}

#[test]
fn break_glass_refuses_empty_or_long_reason_self_access_bad_patient_and_funds() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let with_reason = |s: &Suite, reason: String| ExecuteMsg::OpenBreakGlass {
        patient: s.patient.to_string(),
        hours: 1,
        reason,
        scopes: None,
    };
    assert_eq!(
        s.exec(&er, with_reason(&s, "   ".into())).unwrap_err(),
        ContractError::EmptyReason
    );
    assert_eq!(
        s.exec(&er, with_reason(&s, "x".repeat(MAX_REASON_LEN + 1)))
            .unwrap_err(),
        ContractError::ReasonTooLong {
            len: MAX_REASON_LEN + 1,
            max: MAX_REASON_LEN
        }
    );
    let on_self = ExecuteMsg::OpenBreakGlass {
        patient: er.to_string(),
        hours: 1,
        reason: "test".into(),
        scopes: None,
    };
    assert_eq!(
        s.exec(&er, on_self).unwrap_err(),
        ContractError::GranteeIsPatient
    );
    let bad = ExecuteMsg::OpenBreakGlass {
        patient: "Bad Address".into(),
        hours: 1,
        reason: "test".into(),
        scopes: None,
    };
    assert!(matches!(s.exec(&er, bad), Err(ContractError::Std(_))));
    assert_eq!(
        s.exec_paid(&er, open(&s, 1)).unwrap_err(),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

#[test]
fn open_sessions_page_soonest_end_first_across_providers() {
    let mut s = Suite::new();
    let admin = s.admin.clone();
    let mut ids = vec![];
    for (i, hours) in [5u32, 1, 3].into_iter().enumerate() {
        let doc = s.addr(&format!("er-{i}"));
        s.exec(
            &admin,
            ExecuteMsg::AdmitMember {
                role: ConsentRole::EmergencyProvider,
                address: doc.to_string(),
            },
        )
        .unwrap();
        ids.push(grant_id(&s.exec(&doc, open(&s, hours)).unwrap()));
    }
    let first: Page<Grant> = s.query(QueryMsg::BreakGlassSessions {
        patient: s.patient.to_string(),
        start_after: None,
        limit: Some(2),
    });
    assert_eq!(
        (
            first.items.iter().map(|g| g.id).collect::<Vec<_>>(),
            first.has_more
        ),
        (vec![ids[1], ids[2]], true)
    );
    let rest: Page<Grant> = s.query(QueryMsg::BreakGlassSessions {
        patient: s.patient.to_string(),
        start_after: Some(ids[2]),
        limit: Some(2),
    });
    assert_eq!(
        (
            rest.items.iter().map(|g| g.id).collect::<Vec<_>>(),
            rest.has_more
        ),
        (vec![ids[0]], false)
    );
    // after two hours the one-hour session is gone from the list
    s.advance(2 * HOUR);
    let now: Page<Grant> = s.query(QueryMsg::BreakGlassSessions {
        patient: s.patient.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(
        now.items.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![ids[2], ids[0]]
    );
    assert_eq!(
        s.query_err(QueryMsg::BreakGlassSessions {
            patient: s.patient.to_string(),
            start_after: Some(999),
            limit: None,
        }),
        ContractError::GrantNotFound { grant_id: 999 }
    );
}
