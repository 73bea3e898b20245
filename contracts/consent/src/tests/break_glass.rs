use cosmwasm_std::Binary;
use cw_utils::PaymentError;
use diachain_std::consent::{
    BreakGlassReason, CheckAccessResponse, ConsentRole, Denial, ExecuteMsg, Expiry, Grant,
    GrantInfo, QueryMsg, SessionBound,
};
use diachain_std::{DataScope, Page, Purpose};

use super::{attr, grant_id, Suite, DATA_FROM, DATA_TO, HOUR};
use crate::error::ContractError;

fn open(s: &Suite, hours: u32) -> ExecuteMsg {
    ExecuteMsg::OpenBreakGlass {
        patient: s.patient.to_string(),
        hours,
        reason: BreakGlassReason::PatientCannotConsent,
        note_hash: None,
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
    assert_eq!(attr(&res, "reason"), "patient_cannot_consent");
    let id = grant_id(&res);
    let end = s.now().plus_seconds(6 * HOUR);

    let res = check(&s);
    assert!(res.allowed);
    let grant = res.grant.unwrap();
    assert_eq!(grant.purpose, Purpose::Emergency);
    assert_eq!(grant.scopes, DataScope::ALL.to_vec());
    assert_eq!(grant.expires, Expiry::AtTime(end));
    let bg = grant.break_glass.as_ref().unwrap();
    assert_eq!(
        (bg.hours, bg.reason, bg.note_hash.as_ref()),
        (6, BreakGlassReason::PatientCannotConsent, None)
    );

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
        reason: BreakGlassReason::PatientCannotConsent,
        note_hash: None,
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
        reason: BreakGlassReason::PatientCannotConsent,
        note_hash: None,
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
        reason: BreakGlassReason::PatientCannotConsent,
        note_hash: None,
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
fn break_glass_refuses_a_legacy_reason_a_bad_note_hash_self_access_bad_patient_and_funds() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let with = |s: &Suite, reason: BreakGlassReason, note_hash: Option<Binary>| {
        ExecuteMsg::OpenBreakGlass {
            patient: s.patient.to_string(),
            hours: 1,
            reason,
            note_hash,
            scopes: None,
        }
    };
    // `legacy` only marks sessions recorded before reason codes.
    assert_eq!(
        s.exec(&er, with(&s, BreakGlassReason::Legacy, None))
            .unwrap_err(),
        ContractError::LegacyReason
    );
    // A note hash is exactly 32 bytes: no room for the note itself.
    for len in [0usize, 31, 33, 200] {
        assert_eq!(
            s.exec(
                &er,
                with(
                    &s,
                    BreakGlassReason::PatientCannotConsent,
                    Some(Binary::new(vec![7; len]))
                )
            )
            .unwrap_err(),
            ContractError::InvalidNoteHash { len, expected: 32 }
        );
    }
    // `other` says nothing by itself: it needs the hash of an off-chain note.
    assert_eq!(
        s.exec(&er, with(&s, BreakGlassReason::Other, None))
            .unwrap_err(),
        ContractError::NoteRequired
    );
    let on_self = ExecuteMsg::OpenBreakGlass {
        patient: er.to_string(),
        hours: 1,
        reason: BreakGlassReason::LegalOrder,
        note_hash: None,
        scopes: None,
    };
    assert_eq!(
        s.exec(&er, on_self).unwrap_err(),
        ContractError::GranteeIsPatient
    );
    let bad = ExecuteMsg::OpenBreakGlass {
        patient: "Bad Address".into(),
        hours: 1,
        reason: BreakGlassReason::LegalOrder,
        note_hash: None,
        scopes: None,
    };
    assert!(matches!(s.exec(&er, bad), Err(ContractError::Std(_))));
    assert_eq!(
        s.exec_paid(&er, open(&s, 1)).unwrap_err(),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

#[test]
fn free_text_sent_as_a_reason_is_refused_and_never_stored() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    // A client that still sends text: the message parses (the text reads as `legacy`) and is
    // refused, so nothing of it reaches storage.
    let raw = format!(
        r#"{{"open_break_glass":{{"patient":"{}","hours":1,"reason":"type 1 diabetes, hypoglycaemic coma"}}}}"#,
        s.patient
    );
    let msg: ExecuteMsg = cosmwasm_std::from_json(raw.as_bytes()).unwrap();
    assert_eq!(s.exec(&er, msg).unwrap_err(), ContractError::LegacyReason);
    assert!(sessions(&s).items.is_empty());
}

#[test]
fn a_session_records_its_reason_code_and_note_hash_only() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let hash =
        Binary::new(diachain_std::crypto::sha256(b"salt|note kept by the hospital").to_vec());
    let res = s
        .exec(
            &er,
            ExecuteMsg::OpenBreakGlass {
                patient: s.patient.to_string(),
                hours: 2,
                reason: BreakGlassReason::Other,
                note_hash: Some(hash.clone()),
                scopes: None,
            },
        )
        .unwrap();
    assert_eq!(attr(&res, "reason"), "other");
    assert!(res.attributes.iter().all(|a| a.key != "note_hash"));
    let bg = sessions(&s).items[0].break_glass.clone().unwrap();
    assert_eq!(
        (bg.reason, bg.note_hash),
        (BreakGlassReason::Other, Some(hash))
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
        start_after: first.items[1].session_bound(),
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
}

#[test]
fn break_glass_sessions_take_an_ordinary_exclusive_bound_that_need_not_exist() {
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
    let page = |s: &Suite, ends_in_hours: u64, grant_id: u64| -> Vec<u64> {
        let p: Page<Grant> = s.query(QueryMsg::BreakGlassSessions {
            patient: s.patient.to_string(),
            start_after: Some(SessionBound {
                ends_at: s.now().plus_seconds(ends_in_hours * HOUR),
                grant_id,
            }),
            limit: None,
        });
        p.items.iter().map(|g| g.id).collect()
    };
    // Grant 999 does not exist: the bound still places the page (no GrantNotFound).
    assert_eq!(page(&s, 1, 999), vec![ids[2], ids[0]]);
    assert_eq!(page(&s, 3, 0), vec![ids[2], ids[0]]);
    assert_eq!(page(&s, 3, ids[2]), vec![ids[0]]);
    assert_eq!(page(&s, 99, 999), Vec::<u64>::new());
    // A bound in the past is no bound: ended sessions never list.
    let p: Page<Grant> = s.query(QueryMsg::BreakGlassSessions {
        patient: s.patient.to_string(),
        start_after: Some(SessionBound {
            ends_at: cosmwasm_std::Timestamp::from_nanos(0),
            grant_id: 999,
        }),
        limit: None,
    });
    assert_eq!(
        p.items.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![ids[1], ids[2], ids[0]]
    );
}
