use cw_utils::PaymentError;
use diachain_std::consent::{
    AccessRecord, ConsentRole, ExecuteMsg, NewAccess, QueryMsg, MAX_ACCESSES_PER_RECORD,
};
use diachain_std::{DataScope, Page};

use super::{attr, grant_id, ts, Suite, DATA_FROM, DATA_TO, DAY};
use crate::error::ContractError;

fn access(s: &Suite, grant_id: u64, scope: DataScope, from: u64, to: u64) -> NewAccess {
    NewAccess {
        patient: s.patient.to_string(),
        grantee: s.clinician.to_string(),
        scope,
        data_from: ts(from),
        data_to: ts(to),
        grant_id,
    }
}

fn record(
    s: &mut Suite,
    accesses: Vec<NewAccess>,
) -> Result<cosmwasm_std::Response, ContractError> {
    let custodian = s.custodian.clone();
    s.exec(&custodian, ExecuteMsg::RecordAccesses { accesses })
}

fn log_of_patient(s: &Suite) -> Page<AccessRecord> {
    s.query(QueryMsg::AccessLogByPatient {
        patient: s.patient.to_string(),
        start_after: None,
        limit: None,
    })
}

#[test]
fn custodian_records_an_access_allowed_by_a_grant() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let a = access(&s, id, DataScope::Glucose, DATA_FROM, DATA_FROM + DAY);
    let res = record(&mut s, vec![a]).unwrap();
    assert_eq!(attr(&res, "count"), "1");
    let log = log_of_patient(&s);
    assert_eq!(log.items.len(), 1);
    let entry = &log.items[0];
    assert_eq!(entry.grant_id, id);
    assert_eq!(entry.custodian, s.custodian);
    assert_eq!(entry.grantee, s.clinician);
    assert_eq!(entry.scope, DataScope::Glucose);
    assert_eq!(
        (entry.data_from, entry.data_to),
        (ts(DATA_FROM), ts(DATA_FROM + DAY))
    );
    assert_eq!((entry.at, entry.height), (s.now(), s.env.block.height));
    let by_grantee: Page<AccessRecord> = s.query(QueryMsg::AccessLogByGrantee {
        grantee: s.clinician.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(by_grantee.items, log.items);
}

#[test]
fn only_an_admitted_custodian_may_record() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let a = access(&s, id, DataScope::Glucose, DATA_FROM, DATA_TO);
    for who in [
        s.stranger.clone(),
        s.clinician.clone(),
        s.er_doc.clone(),
        s.admin.clone(),
    ] {
        assert_eq!(
            s.exec(
                &who,
                ExecuteMsg::RecordAccesses {
                    accesses: vec![a.clone()]
                }
            )
            .unwrap_err(),
            ContractError::NotMember {
                role: ConsentRole::Custodian,
                address: who.to_string()
            }
        );
    }
    let custodian = s.custodian.clone();
    assert_eq!(
        s.exec_paid(&custodian, ExecuteMsg::RecordAccesses { accesses: vec![a] })
            .unwrap_err(),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

#[test]
fn recording_without_a_valid_grant_is_refused_for_each_reason() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let cases = [
        (
            access(&s, 77, DataScope::Glucose, DATA_FROM, DATA_TO),
            ContractError::GrantNotFound { grant_id: 77 },
        ),
        (
            access(&s, id, DataScope::Insulin, DATA_FROM, DATA_TO),
            ContractError::ScopeNotGranted {
                grant_id: id,
                scope: DataScope::Insulin,
            },
        ),
        (
            access(&s, id, DataScope::Glucose, DATA_FROM - 1, DATA_TO),
            ContractError::PeriodNotCovered { grant_id: id },
        ),
        (
            access(&s, id, DataScope::Glucose, DATA_FROM, DATA_TO + 1),
            ContractError::PeriodNotCovered { grant_id: id },
        ),
        (
            access(&s, id, DataScope::Glucose, DATA_TO, DATA_FROM),
            ContractError::InvalidDataRange {
                from: ts(DATA_TO),
                to: ts(DATA_FROM),
            },
        ),
        (
            NewAccess {
                grantee: s.stranger.to_string(),
                ..access(&s, id, DataScope::Glucose, DATA_FROM, DATA_TO)
            },
            ContractError::GrantMismatch { grant_id: id },
        ),
    ];
    for (a, err) in cases {
        assert_eq!(record(&mut s, vec![a]).unwrap_err(), err);
    }
    assert!(log_of_patient(&s).items.is_empty());
}

#[test]
fn recording_under_a_revoked_or_expired_grant_is_refused() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let revoked = s.grant_clinician();
    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: revoked })
        .unwrap();
    let a = access(&s, revoked, DataScope::Glucose, DATA_FROM, DATA_TO);
    assert_eq!(
        record(&mut s, vec![a]).unwrap_err(),
        ContractError::GrantRevoked { grant_id: revoked }
    );
    let expiring = s.grant_clinician();
    s.advance(DAY);
    let a = access(&s, expiring, DataScope::Glucose, DATA_FROM, DATA_TO);
    assert_eq!(
        record(&mut s, vec![a]).unwrap_err(),
        ContractError::GrantExpired { grant_id: expiring }
    );
}

#[test]
fn a_batch_is_recorded_whole_or_not_at_all() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let good = access(&s, id, DataScope::Glucose, DATA_FROM, DATA_TO);
    let bad = access(&s, id, DataScope::Nutrition, DATA_FROM, DATA_TO);
    assert!(record(&mut s, vec![good.clone(), bad]).is_err());
    assert!(log_of_patient(&s).items.is_empty());
    record(&mut s, vec![good.clone(), good]).unwrap();
    assert_eq!(log_of_patient(&s).items.len(), 2);
}

#[test]
fn an_empty_or_oversized_batch_is_refused() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    assert_eq!(
        record(&mut s, vec![]).unwrap_err(),
        ContractError::NoAccesses
    );
    let a = access(&s, id, DataScope::Glucose, DATA_FROM, DATA_TO);
    assert_eq!(
        record(&mut s, vec![a.clone(); MAX_ACCESSES_PER_RECORD + 1]).unwrap_err(),
        ContractError::TooManyAccesses {
            max: MAX_ACCESSES_PER_RECORD
        }
    );
    record(&mut s, vec![a; MAX_ACCESSES_PER_RECORD]).unwrap();
}

#[test]
fn accesses_under_a_break_glass_session_are_recorded_too() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let id = grant_id(
        &s.exec(
            &er,
            ExecuteMsg::OpenBreakGlass {
                patient: s.patient.to_string(),
                hours: 1,
                reason: diachain_std::consent::BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: None,
            },
        )
        .unwrap(),
    );
    let now = s.now().seconds();
    let a = NewAccess {
        grantee: er.to_string(),
        ..access(&s, id, DataScope::Insulin, DATA_FROM, now)
    };
    record(&mut s, vec![a]).unwrap();
    let log: Page<AccessRecord> = s.query(QueryMsg::AccessLogByGrantee {
        grantee: er.to_string(),
        start_after: None,
        limit: None,
    });
    assert_eq!(log.items[0].grant_id, id);
}
