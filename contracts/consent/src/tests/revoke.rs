use cosmwasm_std::{from_json, CosmosMsg, ReplyOn, WasmMsg};
use cw_utils::PaymentError;
use diachain_std::consent::{
    CheckAccessResponse, Denial, ExecuteMsg, GrantInfo, GrantStatus, QueryMsg,
    ResearchConsentResponse,
};
use diachain_std::hooks::ConsentHookMsg;
use diachain_std::DataScope;

use super::{attr, grant_id, Suite, DATA_FROM, DATA_TO, DAY};
use crate::error::ContractError;
use crate::execute::HOOK_GAS_LIMIT;

#[test]
fn revoked_grant_denies_in_the_same_block_and_from_the_next() {
    let mut s = Suite::new();
    let id = s.grant_clinician();
    let patient = s.patient.clone();
    let res = s
        .exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    assert_eq!(attr(&res, "action"), "revoke_grant");
    assert!(res.messages.is_empty());
    let info: GrantInfo = s.query(QueryMsg::Grant { grant_id: id });
    assert_eq!(info.status, GrantStatus::Revoked);
    assert_eq!(info.grant.revoked.unwrap().by, patient);
    let check = s.check_msg(&s.clinician, DataScope::Glucose, DATA_FROM, DATA_TO, None);
    let now: CheckAccessResponse = s.query(check.clone());
    assert_eq!(now.denial, Some(Denial::Revoked { grant_id: id }));
    s.advance(5);
    let next: CheckAccessResponse = s.query(check);
    assert_eq!(
        (next.allowed, next.denial),
        (false, Some(Denial::Revoked { grant_id: id }))
    );
}

#[test]
fn guardian_and_grantee_may_revoke_but_a_stranger_may_not() {
    let mut s = Suite::new();
    let (child, parent, clinician, stranger) = (
        s.child.clone(),
        s.parent.clone(),
        s.clinician.clone(),
        s.stranger.clone(),
    );
    let a = grant_id(
        &s.exec(&parent, s.grant_msg(Some(&child), &clinician))
            .unwrap(),
    );
    let b = grant_id(
        &s.exec(&parent, s.grant_msg(Some(&child), &clinician))
            .unwrap(),
    );
    assert_eq!(
        s.exec(&stranger, ExecuteMsg::RevokeGrant { grant_id: a })
            .unwrap_err(),
        ContractError::NotPatientGuardianOrGrantee
    );
    s.exec(&parent, ExecuteMsg::RevokeGrant { grant_id: a })
        .unwrap();
    // the grantee renounces
    s.exec(&clinician, ExecuteMsg::RevokeGrant { grant_id: b })
        .unwrap();
    let info: GrantInfo = s.query(QueryMsg::Grant { grant_id: b });
    assert_eq!(info.grant.revoked.unwrap().by, clinician);
}

#[test]
fn revoke_refuses_unknown_already_revoked_expired_grants_and_funds() {
    let mut s = Suite::new();
    let patient = s.patient.clone();
    assert_eq!(
        s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: 5 })
            .unwrap_err(),
        ContractError::GrantNotFound { grant_id: 5 }
    );
    let id = s.grant_clinician();
    assert_eq!(
        s.exec_paid(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
            .unwrap_err(),
        ContractError::Payment(PaymentError::NonPayable {})
    );
    s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    assert_eq!(
        s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
            .unwrap_err(),
        ContractError::GrantRevoked { grant_id: id }
    );
    let expired = s.grant_clinician();
    s.advance(DAY);
    assert_eq!(
        s.exec(&patient, ExecuteMsg::RevokeGrant { grant_id: expired })
            .unwrap_err(),
        ContractError::GrantExpired { grant_id: expired }
    );
}

#[test]
fn revoking_a_research_grant_notifies_every_listener_and_ends_research_consent() {
    let mut s = Suite::new();
    let (admin, patient, sponsor) = (s.admin.clone(), s.patient.clone(), s.addr("sponsor"));
    let other = s.addr("second-union");
    s.exec(
        &admin,
        ExecuteMsg::SetListeners {
            listeners: vec![s.listener.to_string(), other.to_string()],
        },
    )
    .unwrap();
    let id = grant_id(&s.exec(&patient, s.research_msg(&sponsor, 42)).unwrap());
    let res = s
        .exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    let expected = ConsentHookMsg::ResearchConsentEnded {
        patient: patient.clone(),
        study_id: 42,
        grant_id: id,
    };
    assert!(res
        .messages
        .iter()
        .all(|m| m.reply_on == ReplyOn::Error && m.gas_limit == Some(HOOK_GAS_LIMIT)));
    let sent: Vec<(String, ConsentHookMsg)> = res
        .messages
        .iter()
        .map(|m| match &m.msg {
            CosmosMsg::Wasm(WasmMsg::Execute {
                contract_addr, msg, ..
            }) => (contract_addr.clone(), from_json(msg).unwrap()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        sent,
        vec![
            (s.listener.to_string(), expected.clone()),
            (other.to_string(), expected)
        ]
    );
    let rc: ResearchConsentResponse = s.query(QueryMsg::ResearchConsent {
        patient: patient.to_string(),
        study_id: 42,
    });
    assert_eq!(rc.consent, None);
}

#[test]
fn revoking_with_no_listeners_sends_nothing() {
    let mut s = Suite::new();
    let (admin, patient, sponsor) = (s.admin.clone(), s.patient.clone(), s.addr("sponsor"));
    s.exec(&admin, ExecuteMsg::SetListeners { listeners: vec![] })
        .unwrap();
    let id = grant_id(&s.exec(&patient, s.research_msg(&sponsor, 1)).unwrap());
    let res = s
        .exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
        .unwrap();
    assert!(res.messages.is_empty());
    assert_eq!(attr(&res, "research_consent_ended"), "1");
}

#[test]
fn a_failing_listener_is_logged_by_reply_and_does_not_undo_the_revocation() {
    let mut s = Suite::new();
    let env = s.env.clone();
    let failed = cosmwasm_std::Reply {
        id: crate::execute::HOOK_REPLY_ID,
        payload: Default::default(),
        gas_used: 0,
        result: cosmwasm_std::SubMsgResult::Err("union is broken".into()),
    };
    let res = crate::contract::reply(s.deps.as_mut(), env.clone(), failed).unwrap();
    assert_eq!(attr(&res, "action"), "listener_hook_failed");
    assert_eq!(attr(&res, "error"), "union is broken");
    let unknown = cosmwasm_std::Reply {
        id: 9,
        payload: Default::default(),
        gas_used: 0,
        result: cosmwasm_std::SubMsgResult::Err("x".into()),
    };
    assert_eq!(
        crate::contract::reply(s.deps.as_mut(), env, unknown).unwrap_err(),
        ContractError::UnknownReply { id: 9 }
    );
}

/// A research consent is the patient's to end: its grantee, the study's sponsor, cannot
/// renounce it (that would end a membership the sponsor pays for, and let it take back the
/// member's share), while it can still renounce any other grant it holds. Nothing changes.
#[test]
fn the_grantee_of_a_research_consent_cannot_end_it() {
    let mut s = Suite::new();
    let (patient, sponsor) = (s.patient.clone(), s.addr("sponsor"));
    let id = grant_id(&s.exec(&patient, s.research_msg(&sponsor, 42)).unwrap());
    assert_eq!(
        s.exec(&sponsor, ExecuteMsg::RevokeGrant { grant_id: id })
            .unwrap_err(),
        ContractError::ResearchConsentIsThePatients { grant_id: id }
    );
    let research: diachain_std::consent::ResearchConsentResponse =
        s.query(QueryMsg::ResearchConsent {
            patient: patient.to_string(),
            study_id: 42,
        });
    assert_eq!(research.consent.map(|c| c.grant_id), Some(id));
    assert!(s
        .exec(&patient, ExecuteMsg::RevokeGrant { grant_id: id })
        .is_ok());
}
