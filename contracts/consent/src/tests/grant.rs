use cosmwasm_std::from_json;
use cw_utils::PaymentError;
use diachain_std::consent::{
    CheckAccessResponse, ExecuteMsg, Expiry, GrantInfo, GrantStatus, QueryMsg,
    ResearchConsentResponse, MAX_GRANTS_PER_PAIR,
};
use diachain_std::{DataScope, Purpose};

use super::{grant_id, ts, Suite, DATA_FROM, DATA_TO, DAY};
use crate::error::ContractError;

#[test]
fn patient_grants_clinician_who_is_then_allowed() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let info: GrantInfo = s.query(QueryMsg::Grant { grant_id: id });
    assert_eq!(info.status, GrantStatus::Active);
    assert_eq!(info.grant.patient, s.patient);
    assert_eq!(info.grant.grantee, s.clinician);
    assert_eq!(info.grant.granted_by, s.patient);
    assert_eq!(info.grant.scopes, vec![DataScope::Glucose]);
    let check: CheckAccessResponse =
        s.query(s.check_msg(&s.clinician, DataScope::Glucose, DATA_FROM, DATA_TO, None));
    assert!(check.allowed);
    assert_eq!(check.grant.unwrap().id, id);
}

#[test]
fn guardian_named_in_registry_can_grant_for_the_child() {
    let mut s = Suite::new();
    let (child, parent, clinician) = (s.child.clone(), s.parent.clone(), s.clinician.clone());
    let id = grant_id(
        &s.exec(&parent, s.grant_msg(Some(&child), &clinician))
            .unwrap(),
    );
    let info: GrantInfo = s.query(QueryMsg::Grant { grant_id: id });
    assert_eq!((info.grant.patient, info.grant.granted_by), (child, parent));
}

#[test]
fn stranger_grantee_or_clinician_cannot_grant_for_someone_else() {
    let mut s = Suite::new();
    let (patient, child) = (s.patient.clone(), s.child.clone());
    let (stranger, clinician, parent) = (s.stranger.clone(), s.clinician.clone(), s.parent.clone());
    // a stranger, for themselves as grantee
    let msg = s.grant_msg(Some(&patient), &stranger);
    assert_eq!(
        s.exec(&stranger, msg).unwrap_err(),
        ContractError::NotPatientOrGuardian
    );
    // the grantee (a clinician) granting itself access to the patient
    let msg = s.grant_msg(Some(&patient), &clinician);
    assert_eq!(
        s.exec(&clinician, msg).unwrap_err(),
        ContractError::NotPatientOrGuardian
    );
    // a clinician granting someone else access to the patient
    let msg = s.grant_msg(Some(&patient), &stranger);
    assert_eq!(
        s.exec(&clinician, msg).unwrap_err(),
        ContractError::NotPatientOrGuardian
    );
    // a guardian of another patient
    let msg = s.grant_msg(Some(&patient), &clinician);
    assert_eq!(
        s.exec(&parent, msg).unwrap_err(),
        ContractError::NotPatientOrGuardian
    );
    // the child's clinician cannot act for the child either
    let msg = s.grant_msg(Some(&child), &stranger);
    assert_eq!(
        s.exec(&clinician, msg).unwrap_err(),
        ContractError::NotPatientOrGuardian
    );
}

#[test]
fn grant_refuses_funds() {
    let mut s = Suite::new();
    let (patient, clinician) = (s.patient.clone(), s.clinician.clone());
    let msg = s.grant_msg(None, &clinician);
    assert_eq!(
        s.exec_paid(&patient, msg).unwrap_err(),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

fn with(
    s: &Suite,
    f: impl FnOnce(&mut Vec<DataScope>, &mut Purpose, &mut Option<u64>, &mut (u64, u64), &mut Expiry),
) -> ExecuteMsg {
    let mut scopes = vec![DataScope::Glucose];
    let mut purpose = Purpose::Treatment;
    let mut study = None;
    let mut period = (DATA_FROM, DATA_TO);
    let mut expires = Expiry::AtTime(s.now().plus_seconds(DAY));
    f(
        &mut scopes,
        &mut purpose,
        &mut study,
        &mut period,
        &mut expires,
    );
    ExecuteMsg::Grant {
        patient: None,
        grantee: s.clinician.to_string(),
        scopes,
        purpose,
        study_id: study,
        data_from: ts(period.0),
        data_to: ts(period.1),
        expires,
    }
}

#[test]
fn grant_refuses_self_empty_scopes_inverted_period_and_bad_addresses() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let msg = s.grant_msg(None, &patient);
    assert_eq!(
        s.exec(&patient, msg).unwrap_err(),
        ContractError::GranteeIsPatient
    );
    let msg = with(&s, |sc, _, _, _, _| sc.clear());
    assert_eq!(s.exec(&patient, msg).unwrap_err(), ContractError::NoScopes);
    let msg = with(&s, |_, _, _, p, _| *p = (DATA_TO, DATA_FROM));
    assert_eq!(
        s.exec(&patient, msg).unwrap_err(),
        ContractError::InvalidDataPeriod {
            from: ts(DATA_TO),
            to: ts(DATA_FROM)
        }
    );
    let mut msg = s.grant_msg(None, &s.clinician.clone());
    if let ExecuteMsg::Grant { grantee, .. } = &mut msg {
        *grantee = "Bad Address".into();
    }
    assert!(matches!(s.exec(&patient, msg), Err(ContractError::Std(_))));
}

#[test]
fn a_one_instant_data_period_is_accepted_and_duplicate_scopes_are_merged() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let msg = with(&s, |sc, _, _, p, _| {
        *sc = vec![DataScope::Insulin, DataScope::Glucose, DataScope::Insulin];
        *p = (DATA_FROM, DATA_FROM);
    });
    let id = grant_id(&s.exec(&patient, msg).unwrap());
    let info: GrantInfo = s.query(QueryMsg::Grant { grant_id: id });
    assert_eq!(
        info.grant.scopes,
        vec![DataScope::Glucose, DataScope::Insulin]
    );
}

#[test]
fn grant_refuses_an_expiry_already_passed_by_time_or_height() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let now = s.now();
    let height = s.env.block.height;
    for expires in [Expiry::AtTime(now), Expiry::AtHeight(height)] {
        let msg = with(&s, |_, _, _, _, e| *e = expires);
        assert_eq!(
            s.exec(&patient, msg).unwrap_err(),
            ContractError::ExpiryInPast
        );
    }
    // the next block / next nanosecond is fine
    let msg = with(&s, |_, _, _, _, e| *e = Expiry::AtHeight(height + 1));
    s.exec(&patient, msg).unwrap();
}

#[test]
fn expiry_reads_cw_utils_at_time_and_at_height_but_never_does_not_parse() {
    let never = r#"{"never":{}}"#;
    assert!(from_json::<Expiry>(never.as_bytes()).is_err());
    // the finite variants read exactly as cw_utils::Expiration writes them
    let t = ts(DATA_FROM);
    let json = cosmwasm_std::to_json_vec(&cw_utils::Expiration::AtTime(t)).unwrap();
    assert_eq!(from_json::<Expiry>(&json).unwrap(), Expiry::AtTime(t));
    let json = cosmwasm_std::to_json_vec(&cw_utils::Expiration::AtHeight(7)).unwrap();
    assert_eq!(from_json::<Expiry>(&json).unwrap(), Expiry::AtHeight(7));
}

#[test]
fn research_grant_needs_a_study_and_only_research_names_one() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let msg = with(&s, |_, p, _, _, _| *p = Purpose::Research);
    assert_eq!(
        s.exec(&patient, msg).unwrap_err(),
        ContractError::StudyRequired
    );
    let msg = with(&s, |_, p, st, _, _| {
        *p = Purpose::Insurance;
        *st = Some(1)
    });
    assert_eq!(
        s.exec(&patient, msg).unwrap_err(),
        ContractError::StudyNotAllowed
    );
}

#[test]
fn one_live_research_grant_per_study_and_a_new_one_after_it_ends() {
    let mut s = Suite::new();
    let (patient, sponsor) = (s.patient.clone(), s.addr("sponsor"));
    let first = grant_id(&s.exec(&patient, s.research_msg(&sponsor, 7)).unwrap());
    assert_eq!(
        s.exec(&patient, s.research_msg(&sponsor, 7)).unwrap_err(),
        ContractError::ResearchConsentExists { grant_id: first }
    );
    // another study is independent
    s.exec(&patient, s.research_msg(&sponsor, 8)).unwrap();
    let res: ResearchConsentResponse = s.query(QueryMsg::ResearchConsent {
        patient: patient.to_string(),
        study_id: 7,
    });
    assert_eq!(res.consent.unwrap().grant_id, first);

    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: first })
        .unwrap();
    let second = grant_id(&s.exec(&patient, s.research_msg(&sponsor, 7)).unwrap());
    let res: ResearchConsentResponse = s.query(QueryMsg::ResearchConsent {
        patient: patient.to_string(),
        study_id: 7,
    });
    let consent = res.consent.unwrap();
    assert_eq!(consent.grant_id, second);
    assert_eq!(consent.scopes, vec![DataScope::Glucose, DataScope::Insulin]);
    assert_eq!(
        (consent.data_from, consent.data_to),
        (ts(DATA_FROM), ts(DATA_TO))
    );

    // after it expires a new one may be made too
    s.advance(31 * DAY);
    let res: ResearchConsentResponse = s.query(QueryMsg::ResearchConsent {
        patient: patient.to_string(),
        study_id: 7,
    });
    assert_eq!(res.consent, None);
    s.exec(&patient, s.research_msg(&sponsor, 7)).unwrap();
}

#[test]
fn a_pair_holds_at_most_16_live_grants_and_expired_ones_make_room() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    let short = with(&s, |_, _, _, _, e| {
        *e = Expiry::AtTime(s.now().plus_seconds(60))
    });
    s.exec(&patient, short).unwrap();
    for _ in 1..MAX_GRANTS_PER_PAIR {
        let msg = s.grant_msg(None, &s.clinician.clone());
        s.exec(&patient, msg).unwrap();
    }
    let msg = s.grant_msg(None, &s.clinician.clone());
    assert_eq!(
        s.exec(&patient, msg).unwrap_err(),
        ContractError::TooManyGrants {
            max: MAX_GRANTS_PER_PAIR
        }
    );
    // another grantee is not affected
    let msg = s.grant_msg(None, &s.stranger.clone());
    s.exec(&patient, msg).unwrap();
    // once the short grant has expired it is pruned and there is room again
    s.advance(60);
    let msg = s.grant_msg(None, &s.clinician.clone());
    s.exec(&patient, msg).unwrap();
    let msg = s.grant_msg(None, &s.clinician.clone());
    assert_eq!(
        s.exec(&patient, msg).unwrap_err(),
        ContractError::TooManyGrants {
            max: MAX_GRANTS_PER_PAIR
        }
    );
}
