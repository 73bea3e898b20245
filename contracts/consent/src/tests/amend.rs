use cosmwasm_std::{from_json, CosmosMsg, WasmMsg};
use cw_utils::PaymentError;
use diachain_std::consent::{CheckAccessResponse, Denial, ExecuteMsg, Expiry, GrantInfo, QueryMsg};
use diachain_std::hooks::ConsentHookMsg;
use diachain_std::DataScope;

use super::{grant_id, ts, Suite, DATA_FROM, DATA_TO, DAY, HOUR};
use crate::error::ContractError;

fn amend(grant_id: u64) -> ExecuteMsg {
    ExecuteMsg::AmendGrant {
        grant_id,
        scopes: None,
        data_from: None,
        data_to: None,
        expires: None,
    }
}

fn with_scopes(grant_id: u64, scopes: Vec<DataScope>) -> ExecuteMsg {
    ExecuteMsg::AmendGrant {
        grant_id,
        scopes: Some(scopes),
        data_from: None,
        data_to: None,
        expires: None,
    }
}

#[test]
fn amendment_takes_effect_in_the_same_block() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let patient = s.patient.clone();
    s.exec(&patient, with_scopes(id, vec![DataScope::Insulin]))
        .unwrap();
    let check: CheckAccessResponse =
        s.query(s.check_msg(&s.clinician, DataScope::Glucose, DATA_FROM, DATA_TO, None));
    assert_eq!(check.denial, Some(Denial::ScopeNotGranted { grant_id: id }));
    let check: CheckAccessResponse =
        s.query(s.check_msg(&s.clinician, DataScope::Insulin, DATA_FROM, DATA_TO, None));
    assert!(check.allowed);

    // shrink the data period and move the expiry
    s.exec(
        &patient,
        ExecuteMsg::AmendGrant {
            grant_id: id,
            scopes: None,
            data_from: Some(ts(DATA_FROM + DAY)),
            data_to: None,
            expires: Some(Expiry::AtTime(s.now().plus_seconds(HOUR))),
        },
    )
    .unwrap();
    let info: GrantInfo = s.query(QueryMsg::Grant { grant_id: id });
    assert_eq!(info.grant.data_from, ts(DATA_FROM + DAY));
    assert_eq!(info.grant.amended_at, Some(s.now()));
    let check: CheckAccessResponse =
        s.query(s.check_msg(&s.clinician, DataScope::Insulin, DATA_FROM, DATA_TO, None));
    assert_eq!(
        check.denial,
        Some(Denial::PeriodNotCovered { grant_id: id })
    );
    s.advance(HOUR);
    let check: CheckAccessResponse = s.query(s.check_msg(
        &s.clinician,
        DataScope::Insulin,
        DATA_FROM + DAY,
        DATA_TO,
        None,
    ));
    assert_eq!(check.denial, Some(Denial::Expired { grant_id: id }));
}

#[test]
fn guardian_may_amend_but_stranger_and_grantee_may_not() {
    let mut s = Suite::new();
    let (child, parent, clinician, stranger) = (
        s.child.clone(),
        s.parent.clone(),
        s.clinician.clone(),
        s.stranger.clone(),
    );
    let id = grant_id(
        &s.exec(&parent, s.grant_msg(Some(&child), &clinician))
            .unwrap(),
    );
    s.exec(&parent, with_scopes(id, vec![DataScope::SummariesOnly]))
        .unwrap();
    for who in [&stranger, &clinician] {
        assert_eq!(
            s.exec(who, with_scopes(id, vec![DataScope::Glucose]))
                .unwrap_err(),
            ContractError::NotPatientOrGuardian
        );
    }
}

#[test]
fn amend_refuses_unknown_revoked_expired_and_break_glass_grants() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    assert_eq!(
        s.exec(&patient, amend(99)).unwrap_err(),
        ContractError::GrantNotFound { grant_id: 99 }
    );
    let revoked = s.grant_clinician();
    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: revoked })
        .unwrap();
    assert_eq!(
        s.exec(&patient, with_scopes(revoked, vec![DataScope::Insulin]))
            .unwrap_err(),
        ContractError::GrantRevoked { grant_id: revoked }
    );
    let er = s.er_doc.clone();
    let session = grant_id(
        &s.exec(
            &er,
            ExecuteMsg::OpenBreakGlass {
                patient: patient.to_string(),
                hours: 2,
                reason: diachain_std::consent::BreakGlassReason::PatientCannotConsent,
                note_hash: None,
                scopes: None,
            },
        )
        .unwrap(),
    );
    assert_eq!(
        s.exec(&patient, with_scopes(session, vec![DataScope::Insulin]))
            .unwrap_err(),
        ContractError::BreakGlassNotAmendable { grant_id: session }
    );
    let expired = s.grant_clinician();
    s.advance(DAY);
    assert_eq!(
        s.exec(&patient, with_scopes(expired, vec![DataScope::Insulin]))
            .unwrap_err(),
        ContractError::GrantExpired { grant_id: expired }
    );
}

#[test]
fn amend_refuses_no_change_empty_scopes_inverted_period_past_expiry_and_funds() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let patient = s.patient.clone();
    assert_eq!(
        s.exec(&patient, amend(id)).unwrap_err(),
        ContractError::NothingToAmend
    );
    assert_eq!(
        s.exec(&patient, with_scopes(id, vec![DataScope::Glucose]))
            .unwrap_err(),
        ContractError::NothingToAmend
    );
    assert_eq!(
        s.exec(&patient, with_scopes(id, vec![])).unwrap_err(),
        ContractError::NoScopes
    );
    let inverted = ExecuteMsg::AmendGrant {
        grant_id: id,
        scopes: None,
        data_from: Some(ts(DATA_TO + 1)),
        data_to: None,
        expires: None,
    };
    assert_eq!(
        s.exec(&patient, inverted).unwrap_err(),
        ContractError::InvalidDataPeriod {
            from: ts(DATA_TO + 1),
            to: ts(DATA_TO)
        }
    );
    let past = ExecuteMsg::AmendGrant {
        grant_id: id,
        scopes: None,
        data_from: None,
        data_to: None,
        expires: Some(Expiry::AtHeight(s.env.block.height)),
    };
    assert_eq!(
        s.exec(&patient, past).unwrap_err(),
        ContractError::ExpiryInPast
    );
    assert_eq!(
        s.exec_paid(&patient, with_scopes(id, vec![DataScope::Insulin]))
            .unwrap_err(),
        ContractError::Payment(PaymentError::NonPayable {})
    );
}

fn hook_of(msg: &CosmosMsg) -> (String, ConsentHookMsg) {
    match msg {
        CosmosMsg::Wasm(WasmMsg::Execute {
            contract_addr,
            msg,
            funds,
        }) => {
            assert!(funds.is_empty());
            (contract_addr.clone(), from_json(msg).unwrap())
        }
        other => panic!("unexpected message {other:?}"),
    }
}

#[test]
fn narrowing_a_research_grant_tells_listeners_and_widening_does_not() {
    let mut s = Suite::new();
    let (patient, sponsor) = (s.patient.clone(), s.addr("sponsor"));
    let id = grant_id(&s.exec(&patient, s.research_msg(&sponsor, 3)).unwrap());

    // widening: more scopes, later expiry
    let res = s
        .exec(
            &patient,
            ExecuteMsg::AmendGrant {
                grant_id: id,
                scopes: Some(vec![
                    DataScope::Glucose,
                    DataScope::Insulin,
                    DataScope::Nutrition,
                ]),
                data_from: None,
                data_to: None,
                expires: Some(Expiry::AtTime(s.now().plus_seconds(60 * DAY))),
            },
        )
        .unwrap();
    assert!(res.messages.is_empty());

    let expected = ConsentHookMsg::ResearchConsentEnded {
        patient: patient.clone(),
        study_id: 3,
        grant_id: id,
    };
    let narrowings = [
        with_scopes(id, vec![DataScope::Glucose, DataScope::Insulin]),
        ExecuteMsg::AmendGrant {
            grant_id: id,
            scopes: None,
            data_from: None,
            data_to: Some(ts(DATA_TO - 1)),
            expires: None,
        },
        ExecuteMsg::AmendGrant {
            grant_id: id,
            scopes: None,
            data_from: None,
            data_to: None,
            expires: Some(Expiry::AtTime(s.now().plus_seconds(DAY))),
        },
    ];
    for msg in narrowings {
        let res = s.exec(&patient, msg).unwrap();
        assert_eq!(res.messages.len(), 1);
        assert_eq!(
            hook_of(&res.messages[0].msg),
            (s.listener.to_string(), expected.clone())
        );
    }
}
