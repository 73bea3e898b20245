use cosmwasm_std::Timestamp;
use cw_utils::PaymentError;
use diachain_std::consent::{
    AccessRecord, BreakGlassReason, CheckAccessResponse, ConsentRole, ExecuteMsg, Expiry,
    NewAccess, QueryMsg, MAX_ACCESSES_PER_RECORD, MAX_ACCESS_RECORD_DELAY_SECONDS,
};
use diachain_std::{DataScope, Page};

use super::{attr, grant_id, ts, Suite, DATA_FROM, DATA_TO, DAY, HOUR};
use crate::error::ContractError;

fn access(s: &Suite, grant_id: u64, scope: DataScope, from: u64, to: u64) -> NewAccess {
    NewAccess {
        patient: s.patient.to_string(),
        grantee: s.clinician.to_string(),
        scope,
        data_from: ts(from),
        data_to: ts(to),
        grant_id,
        served_at: None,
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
    // Without `served_at` the access counts as served at this block.
    assert_eq!(entry.served_at, s.now());
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

// ------------------------------------------------------------------ served_at (recorded late)

fn served(s: &Suite, grant_id: u64, served_at: Timestamp) -> NewAccess {
    NewAccess {
        served_at: Some(served_at),
        ..access(s, grant_id, DataScope::Glucose, DATA_FROM, DATA_TO)
    }
}

/// `record` with the arguments the other way round, so that the accesses may borrow the suite.
fn rec(accesses: Vec<NewAccess>, s: &mut Suite) -> Result<cosmwasm_std::Response, ContractError> {
    record(s, accesses)
}

fn revoke(s: &mut Suite, grant_id: u64) {
    let patient = s.patient.clone();
    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id })
        .unwrap();
}

#[test]
fn an_access_served_before_the_patient_revoked_is_still_recorded_as_of_when_it_was_served() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    s.advance(HOUR);
    let served_at = s.now();
    s.advance(HOUR);
    revoke(&mut s, id);
    s.advance(HOUR);
    // Recorded now, it would be refused: the grant is revoked.
    assert_eq!(
        rec(
            vec![access(&s, id, DataScope::Glucose, DATA_FROM, DATA_TO)],
            &mut s
        )
        .unwrap_err(),
        ContractError::GrantRevoked { grant_id: id }
    );
    rec(vec![served(&s, id, served_at)], &mut s).unwrap();
    let log = log_of_patient(&s);
    assert_eq!(log.items.len(), 1);
    let entry = &log.items[0];
    assert_eq!((entry.served_at, entry.at), (served_at, s.now()));
    assert_eq!(entry.grant_id, id);
    // CheckAccess at the same time agrees.
    let check: CheckAccessResponse = s.query(s.check_msg(
        &s.clinician,
        DataScope::Glucose,
        DATA_FROM,
        DATA_TO,
        Some(served_at),
    ));
    assert!(check.allowed);
}

#[test]
fn an_access_served_at_or_after_the_revocation_is_refused() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    s.advance(HOUR);
    revoke(&mut s, id);
    let revoked_at = s.now();
    s.advance(HOUR);
    for at in [revoked_at, revoked_at.plus_nanos(1), s.now()] {
        assert_eq!(
            rec(vec![served(&s, id, at)], &mut s).unwrap_err(),
            ContractError::GrantRevoked { grant_id: id }
        );
    }
    rec(vec![served(&s, id, revoked_at.minus_nanos(1))], &mut s).unwrap();
}

#[test]
fn an_access_the_grant_never_allowed_is_refused_whenever_it_was_served() {
    let mut s = Suite::new();
    let granted_at = s.now();
    let id = s.grant_clinician();
    s.advance(HOUR);
    let served_at = s.now();
    s.advance(HOUR);
    revoke(&mut s, id);
    let cases = [
        (
            NewAccess {
                scope: DataScope::Insulin,
                ..served(&s, id, served_at)
            },
            ContractError::ScopeNotGranted {
                grant_id: id,
                scope: DataScope::Insulin,
            },
        ),
        (
            NewAccess {
                data_to: ts(DATA_TO + 1),
                ..served(&s, id, served_at)
            },
            ContractError::PeriodNotCovered { grant_id: id },
        ),
        (
            NewAccess {
                grantee: s.stranger.to_string(),
                ..served(&s, id, served_at)
            },
            ContractError::GrantMismatch { grant_id: id },
        ),
        // Served before the grant existed: the grant cannot have allowed it.
        (
            served(&s, id, granted_at.minus_nanos(1)),
            ContractError::ServedBeforeGrant {
                grant_id: id,
                granted_at,
                served_at: granted_at.minus_nanos(1),
            },
        ),
    ];
    for (a, err) in cases {
        assert_eq!(rec(vec![a], &mut s).unwrap_err(), err);
    }
    assert!(log_of_patient(&s).items.is_empty());
}

#[test]
fn an_access_served_before_a_time_expiry_is_recorded_after_it() {
    let mut s = Suite::new();
    let id = s.grant_clinician(); // expires a day from now
    let expiry = s.now().plus_seconds(DAY);
    s.advance(DAY + HOUR);
    assert_eq!(
        rec(vec![served(&s, id, expiry)], &mut s).unwrap_err(),
        ContractError::GrantExpired { grant_id: id }
    );
    rec(vec![served(&s, id, expiry.minus_nanos(1))], &mut s).unwrap();
}

#[test]
fn a_height_expiry_cannot_be_judged_in_the_past_so_a_late_record_is_refused() {
    // Documents a limit: the chain does not know which height a past time had, so once a
    // grant's expiry height is reached it counts as expired at any `served_at` (as in
    // `CheckAccess`). A custodian should record accesses under height grants promptly.
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let height = s.env.block.height + 2;
    let mut msg = s.grant_msg(None, &s.clinician.clone());
    if let ExecuteMsg::Grant { expires, .. } = &mut msg {
        *expires = Expiry::AtHeight(height);
    }
    let id = grant_id(&s.exec(&patient, msg).unwrap());
    s.advance(60);
    let served_at = s.now();
    s.advance(60);
    assert_eq!(s.env.block.height, height);
    assert_eq!(
        rec(vec![served(&s, id, served_at)], &mut s).unwrap_err(),
        ContractError::GrantExpired { grant_id: id }
    );
}

#[test]
fn served_at_in_the_future_is_refused() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let now = s.now();
    for at in [
        now.plus_nanos(1),
        now.plus_seconds(DAY),
        Timestamp::from_nanos(u64::MAX),
    ] {
        assert_eq!(
            rec(vec![served(&s, id, at)], &mut s).unwrap_err(),
            ContractError::ServedInFuture { served_at: at, now }
        );
    }
    rec(vec![served(&s, id, now)], &mut s).unwrap();
}

#[test]
fn served_at_more_than_the_bound_before_the_block_is_refused_and_the_bound_itself_is_accepted() {
    let mut s = Suite::new();
    let granted_at = s.now();
    let id = s.grant_clinician();
    // A longer grant, so that expiry does not decide.
    let patient = s.patient.clone();
    let mut msg = s.grant_msg(None, &s.clinician.clone());
    if let ExecuteMsg::Grant { expires, .. } = &mut msg {
        *expires = Expiry::AtTime(s.now().plus_seconds(10 * DAY));
    }
    let long = grant_id(&s.exec(&patient, msg).unwrap());
    assert!(long > id);
    s.advance(MAX_ACCESS_RECORD_DELAY_SECONDS);
    let now = s.now();
    assert_eq!(
        now,
        granted_at.plus_seconds(MAX_ACCESS_RECORD_DELAY_SECONDS)
    );
    for at in [granted_at.minus_nanos(1), Timestamp::from_nanos(0)] {
        assert_eq!(
            rec(vec![served(&s, long, at)], &mut s).unwrap_err(),
            ContractError::ServedTooLongAgo {
                served_at: at,
                now,
                max_delay_seconds: MAX_ACCESS_RECORD_DELAY_SECONDS,
            }
        );
    }
    let err = rec(vec![served(&s, long, Timestamp::from_nanos(0))], &mut s).unwrap_err();
    assert!(err.to_string().contains("86400 seconds"), "{err}");
    rec(vec![served(&s, long, granted_at)], &mut s).unwrap();
    assert_eq!(log_of_patient(&s).items[0].served_at, granted_at);
}

#[test]
fn one_stale_access_refuses_the_whole_batch_and_out_of_order_times_are_kept_as_given() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let t0 = s.now();
    s.advance(HOUR);
    let t1 = s.now();
    s.advance(HOUR);
    let stale = served(
        &s,
        id,
        s.now().minus_seconds(MAX_ACCESS_RECORD_DELAY_SECONDS + 1),
    );
    assert!(matches!(
        rec(vec![served(&s, id, t1), stale], &mut s).unwrap_err(),
        ContractError::ServedTooLongAgo { .. }
    ));
    assert!(log_of_patient(&s).items.is_empty());
    // Later first, the same access twice: each is recorded as given, in message order.
    rec(
        vec![served(&s, id, t1), served(&s, id, t0), served(&s, id, t0)],
        &mut s,
    )
    .unwrap();
    let times: Vec<_> = log_of_patient(&s)
        .items
        .iter()
        .map(|r| (r.id, r.served_at))
        .collect();
    assert_eq!(times, vec![(1, t1), (2, t0), (3, t0)]);
}

#[test]
fn an_access_served_under_a_break_glass_session_that_has_since_ended_is_recorded() {
    let mut s = Suite::new();
    let er = s.er_doc.clone();
    let open = |s: &Suite, hours| ExecuteMsg::OpenBreakGlass {
        patient: s.patient.to_string(),
        hours,
        reason: BreakGlassReason::PatientCannotConsent,
        note_hash: None,
        scopes: None,
    };
    // Ended by itself.
    let lapsed = grant_id(&s.exec(&er, open(&s, 1)).unwrap());
    let ends = s.now().plus_seconds(HOUR);
    s.advance(HOUR / 2);
    let served_in_session = s.now();
    s.advance(2 * HOUR);
    let bg = |s: &Suite, id, at| NewAccess {
        grantee: er.to_string(),
        served_at: Some(at),
        ..access(
            s,
            id,
            DataScope::Insulin,
            DATA_FROM,
            served_in_session.seconds(),
        )
    };
    assert_eq!(
        rec(vec![bg(&s, lapsed, s.now())], &mut s).unwrap_err(),
        ContractError::GrantExpired { grant_id: lapsed }
    );
    assert_eq!(
        rec(vec![bg(&s, lapsed, ends)], &mut s).unwrap_err(),
        ContractError::GrantExpired { grant_id: lapsed }
    );
    rec(vec![bg(&s, lapsed, served_in_session)], &mut s).unwrap();

    // Closed early by the patient.
    let closed = grant_id(&s.exec(&er, open(&s, 4)).unwrap());
    s.advance(HOUR);
    let served_before_close = s.now();
    s.advance(HOUR);
    revoke(&mut s, closed);
    s.advance(HOUR);
    let a = NewAccess {
        data_to: served_before_close,
        ..bg(&s, closed, served_before_close)
    };
    rec(vec![a], &mut s).unwrap();
    let log: Page<AccessRecord> = s.query(QueryMsg::AccessLogByGrantee {
        grantee: er.to_string(),
        start_after: None,
        limit: None,
    });
    let got: Vec<_> = log
        .items
        .iter()
        .map(|r| (r.grant_id, r.served_at))
        .collect();
    assert_eq!(
        got,
        vec![(lapsed, served_in_session), (closed, served_before_close)]
    );
}

#[test]
fn an_access_under_a_session_whose_provider_was_removed_since_is_refused() {
    // Documents a limit: removal is not timestamped, and a removed provider's sessions stop
    // allowing access at once, in the past too (as in `CheckAccess`).
    let mut s = Suite::new();
    let (er, admin) = (s.er_doc.clone(), s.admin.clone());
    let id = grant_id(
        &s.exec(
            &er,
            ExecuteMsg::OpenBreakGlass {
                patient: s.patient.to_string(),
                hours: 4,
                reason: BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: None,
            },
        )
        .unwrap(),
    );
    let served_at = s.now();
    s.advance(HOUR);
    s.exec(
        &admin,
        ExecuteMsg::RemoveMember {
            role: ConsentRole::EmergencyProvider,
            address: er.to_string(),
        },
    )
    .unwrap();
    let a = NewAccess {
        grantee: er.to_string(),
        served_at: Some(served_at),
        ..access(&s, id, DataScope::Insulin, DATA_FROM, DATA_TO)
    };
    assert_eq!(
        rec(vec![a], &mut s).unwrap_err(),
        ContractError::ProviderNotAdmitted { grant_id: id }
    );
}
