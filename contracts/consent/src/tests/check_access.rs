use diachain_std::consent::{CheckAccessResponse, Denial, ExecuteMsg, Expiry, QueryMsg};
use diachain_std::{DataScope, Purpose};

use super::{grant_id, ts, Suite, DATA_FROM, DATA_TO, DAY, HOUR};
use crate::error::ContractError;

fn check(s: &Suite, scope: DataScope, from: u64, to: u64) -> CheckAccessResponse {
    s.query(s.check_msg(&s.clinician, scope, from, to, None))
}

#[test]
fn no_grant_denies_with_no_grant() {
    let s = Suite::new();
    let res = check(&s, DataScope::Glucose, DATA_FROM, DATA_TO);
    assert_eq!(
        (res.allowed, res.grant, res.denial),
        (false, None, Some(Denial::NoGrant))
    );
}

#[test]
fn a_grant_to_someone_else_does_not_allow_this_grantee() {
    let mut s = Suite::new();
    s.grant_clinician();
    let res: CheckAccessResponse =
        s.query(s.check_msg(&s.stranger, DataScope::Glucose, DATA_FROM, DATA_TO, None));
    assert_eq!(res.denial, Some(Denial::NoGrant));
}

#[test]
fn scope_must_be_granted_exactly() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    for scope in [
        DataScope::Insulin,
        DataScope::Nutrition,
        DataScope::DeviceEvents,
        DataScope::SummariesOnly,
    ] {
        let res = check(&s, scope, DATA_FROM, DATA_TO);
        assert_eq!(res.denial, Some(Denial::ScopeNotGranted { grant_id: id }));
    }
    assert!(check(&s, DataScope::Glucose, DATA_FROM, DATA_TO).allowed);
}

#[test]
fn data_period_is_inclusive_at_both_ends_and_denies_one_second_outside() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let period_denied = Some(Denial::PeriodNotCovered { grant_id: id });
    // exactly the period, and a single instant at each end
    assert!(check(&s, DataScope::Glucose, DATA_FROM, DATA_TO).allowed);
    assert!(check(&s, DataScope::Glucose, DATA_FROM, DATA_FROM).allowed);
    assert!(check(&s, DataScope::Glucose, DATA_TO, DATA_TO).allowed);
    assert!(check(&s, DataScope::Glucose, DATA_FROM + 1, DATA_TO - 1).allowed);
    // one second early at the start, one second late at the end, or both
    assert_eq!(
        check(&s, DataScope::Glucose, DATA_FROM - 1, DATA_TO).denial,
        period_denied
    );
    assert_eq!(
        check(&s, DataScope::Glucose, DATA_FROM, DATA_TO + 1).denial,
        period_denied
    );
    assert_eq!(
        check(&s, DataScope::Glucose, DATA_FROM - 1, DATA_TO + 1).denial,
        period_denied
    );
    // wholly before or after
    assert_eq!(
        check(&s, DataScope::Glucose, 0, DATA_FROM - 1).denial,
        period_denied
    );
    assert_eq!(
        check(&s, DataScope::Glucose, DATA_TO + 1, DATA_TO + 9).denial,
        period_denied
    );
}

#[test]
fn time_expiry_allows_until_the_instant_before_and_denies_from_it() {
    let mut s = Suite::new();
    let id = s.grant_clinician(); // expires a day from now
    s.advance(DAY - 1);
    assert!(check(&s, DataScope::Glucose, DATA_FROM, DATA_TO).allowed);
    s.advance(1);
    let res = check(&s, DataScope::Glucose, DATA_FROM, DATA_TO);
    assert_eq!(res.denial, Some(Denial::Expired { grant_id: id }));
}

#[test]
fn height_expiry_allows_below_the_height_and_denies_at_it() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let mut msg = s.grant_msg(None, &s.clinician.clone());
    let expiry_height = s.env.block.height + 2;
    if let ExecuteMsg::Grant { expires, .. } = &mut msg {
        *expires = Expiry::AtHeight(expiry_height);
    }
    let id = grant_id(&s.exec(&patient, msg).unwrap());
    s.advance(5);
    assert!(check(&s, DataScope::Glucose, DATA_FROM, DATA_TO).allowed);
    s.advance(5);
    assert_eq!(s.env.block.height, expiry_height);
    let res = check(&s, DataScope::Glucose, DATA_FROM, DATA_TO);
    assert_eq!(res.denial, Some(Denial::Expired { grant_id: id }));
}

#[test]
fn at_in_the_past_judges_the_grant_as_of_then() {
    let mut s = Suite::new();
    let before_grant = s.now();
    s.advance(10);
    let id = s.grant_clinician();
    let granted = s.now();
    s.advance(10);
    let patient = s.patient.clone();
    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    let revoked = s.now();
    s.advance(10);
    let at = |s: &Suite, t| -> CheckAccessResponse {
        s.query(s.check_msg(
            &s.clinician,
            DataScope::Glucose,
            DATA_FROM,
            DATA_TO,
            Some(t),
        ))
    };
    assert_eq!(at(&s, before_grant).denial, Some(Denial::NoGrant));
    assert!(at(&s, granted).allowed);
    assert!(at(&s, revoked.minus_seconds(1)).allowed);
    assert_eq!(
        at(&s, revoked).denial,
        Some(Denial::Revoked { grant_id: id })
    );
}

#[test]
fn at_in_the_future_and_an_inverted_range_are_refused() {
    let s = Suite::new();
    let future = s.now().plus_seconds(1);
    assert_eq!(
        s.query_err(s.check_msg(
            &s.clinician,
            DataScope::Glucose,
            DATA_FROM,
            DATA_TO,
            Some(future)
        )),
        ContractError::AtInFuture {
            at: future,
            now: s.now()
        }
    );
    assert_eq!(
        s.query_err(s.check_msg(&s.clinician, DataScope::Glucose, DATA_TO, DATA_FROM, None)),
        ContractError::InvalidDataRange {
            from: ts(DATA_TO),
            to: ts(DATA_FROM)
        }
    );
    let bad = QueryMsg::CheckAccess {
        patient: "Bad Address".into(),
        grantee: s.clinician.to_string(),
        scope: DataScope::Glucose,
        data_from: ts(DATA_FROM),
        data_to: ts(DATA_TO),
        at: None,
    };
    assert!(matches!(s.query_err(bad), ContractError::Std(_)));
}

#[test]
fn the_denial_names_the_grant_that_came_closest() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    // an hour-long glucose grant that will expire, and a lasting insulin grant
    let mut short = s.grant_msg(None, &s.clinician.clone());
    if let ExecuteMsg::Grant { expires, .. } = &mut short {
        *expires = Expiry::AtTime(s.now().plus_seconds(HOUR));
    }
    let short_id = grant_id(&s.exec(&patient, short).unwrap());
    let mut insulin = s.grant_msg(None, &s.clinician.clone());
    if let ExecuteMsg::Grant {
        scopes, expires, ..
    } = &mut insulin
    {
        *scopes = vec![DataScope::Insulin];
        *expires = Expiry::AtTime(s.now().plus_seconds(3 * DAY));
    }
    let insulin_id = grant_id(&s.exec(&patient, insulin).unwrap());
    s.advance(HOUR);
    // for glucose: the short grant is expired, the insulin one lacks the scope (ranks higher)
    assert_eq!(
        check(&s, DataScope::Glucose, DATA_FROM, DATA_TO).denial,
        Some(Denial::ScopeNotGranted {
            grant_id: insulin_id
        })
    );
    // for insulin beyond the period: period not covered ranks above the rest
    assert_eq!(
        check(&s, DataScope::Insulin, DATA_FROM, DATA_TO + 1).denial,
        Some(Denial::PeriodNotCovered {
            grant_id: insulin_id
        })
    );
    s.exec(
        &patient,
        ExecuteMsg::RevokeGrant {
            grant_id: insulin_id,
        },
    )
    .unwrap();
    assert_eq!(
        check(&s, DataScope::Glucose, DATA_FROM, DATA_TO).denial,
        Some(Denial::Expired { grant_id: short_id })
    );
}

#[test]
fn a_grant_pruned_after_expiry_is_still_consulted_and_the_last_ended_grant_explains_denials() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let first = s.grant_clinician();
    let while_first_was_live = s.now();
    s.advance(DAY);
    assert_eq!(
        check(&s, DataScope::Glucose, DATA_FROM, DATA_TO).denial,
        Some(Denial::Expired { grant_id: first })
    );
    // a new grant for the pair prunes the expired one; it covers insulin only
    let mut msg = s.grant_msg(None, &s.clinician.clone());
    if let ExecuteMsg::Grant { scopes, .. } = &mut msg {
        *scopes = vec![DataScope::Insulin];
    }
    let second = grant_id(&s.exec(&patient, msg).unwrap());
    let past: CheckAccessResponse = s.query(s.check_msg(
        &s.clinician,
        DataScope::Glucose,
        DATA_FROM,
        DATA_TO,
        Some(while_first_was_live),
    ));
    assert_eq!(past.grant.map(|g| g.id), Some(first));
    assert_eq!(
        check(&s, DataScope::Glucose, DATA_FROM, DATA_TO).denial,
        Some(Denial::ScopeNotGranted { grant_id: second })
    );
    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: second })
        .unwrap();
    assert_eq!(
        check(&s, DataScope::Insulin, DATA_FROM, DATA_TO).denial,
        Some(Denial::Revoked { grant_id: second })
    );
}

#[test]
fn a_consent_grant_is_preferred_over_a_break_glass_session() {
    let mut s = Suite::new();
    let (patient, er) = (s.patient.clone(), s.er_doc.clone());
    let session = grant_id(
        &s.exec(
            &er,
            ExecuteMsg::OpenBreakGlass {
                patient: patient.to_string(),
                hours: 1,
                reason: diachain_std::consent::BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: None,
            },
        )
        .unwrap(),
    );
    let q = s.check_msg(&er, DataScope::Glucose, DATA_FROM, DATA_TO, None);
    let res: CheckAccessResponse = s.query(q.clone());
    assert_eq!(res.grant.unwrap().id, session);
    let consent = grant_id(&s.exec(&patient, s.grant_msg(None, &er)).unwrap());
    let res: CheckAccessResponse = s.query(q);
    let grant = res.grant.unwrap();
    assert_eq!((grant.id, grant.purpose), (consent, Purpose::Treatment));
}
