//! Granting and amending consent.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response, Timestamp};
use diachain_std::consent::{Expiry, Grant};
use diachain_std::{DataScope, Purpose};

use crate::access::{is_live, load_pair, normalize_scopes};
use crate::error::ContractError;
use crate::execute::{
    ensure_pair_room, ensure_patient_or_guardian, research_ended_hooks, store_new_grant,
};
use crate::state::{CONFIG, GRANTS, RESEARCH};

pub struct NewGrant {
    pub patient: Option<String>,
    pub grantee: String,
    pub scopes: Vec<DataScope>,
    pub purpose: Purpose,
    pub study_id: Option<u64>,
    pub data_from: Timestamp,
    pub data_to: Timestamp,
    pub expires: Expiry,
}

pub fn grant(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: NewGrant,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let patient_addr = match &msg.patient {
        Some(p) => deps.api.addr_validate(p)?,
        None => info.sender.clone(),
    };
    ensure_patient_or_guardian(deps.as_ref(), &config, &patient_addr, &info.sender)?;
    cw_utils::nonpayable(&info)?;

    let grantee_addr = deps.api.addr_validate(&msg.grantee)?;
    if grantee_addr == patient_addr {
        return Err(ContractError::GranteeIsPatient);
    }
    let scopes = normalize_scopes(msg.scopes)?;
    if msg.data_to < msg.data_from {
        return Err(ContractError::InvalidDataPeriod {
            from: msg.data_from,
            to: msg.data_to,
        });
    }
    if msg.expires.is_expired(&env.block) {
        return Err(ContractError::ExpiryInPast);
    }
    match (msg.purpose, msg.study_id) {
        (Purpose::Research, None) => return Err(ContractError::StudyRequired),
        (Purpose::Research, Some(study_id)) => {
            if let Some(existing) = RESEARCH.may_load(deps.storage, (&patient_addr, study_id))? {
                if is_live(&GRANTS.load(deps.storage, existing)?, &env.block) {
                    return Err(ContractError::ResearchConsentExists { grant_id: existing });
                }
            }
        }
        (_, Some(_)) => return Err(ContractError::StudyNotAllowed),
        (_, None) => {}
    }
    let pair = load_pair(deps.storage, &patient_addr, &grantee_addr, &env.block)?;
    ensure_pair_room(&pair)?;

    let grant = Grant {
        id: 0,
        patient: patient_addr.clone(),
        grantee: grantee_addr.clone(),
        scopes,
        purpose: msg.purpose,
        study_id: msg.study_id,
        data_from: msg.data_from,
        data_to: msg.data_to,
        expires: msg.expires,
        granted_by: info.sender.clone(),
        granted_at: env.block.time,
        granted_height: env.block.height,
        amended_at: None,
        revoked: None,
        break_glass: None,
    };
    let id = store_new_grant(deps.storage, grant, &pair)?;
    let mut res = Response::new()
        .add_attribute("action", "grant")
        .add_attribute("grant_id", id.to_string())
        .add_attribute("patient", patient_addr)
        .add_attribute("grantee", grantee_addr)
        .add_attribute("granted_by", info.sender)
        .add_attribute("purpose", format!("{:?}", msg.purpose));
    if let Some(study_id) = msg.study_id {
        res = res.add_attribute("study_id", study_id.to_string());
    }
    Ok(res)
}

pub struct Amendment {
    pub grant_id: u64,
    pub scopes: Option<Vec<DataScope>>,
    pub data_from: Option<Timestamp>,
    pub data_to: Option<Timestamp>,
    pub expires: Option<Expiry>,
}

/// Whether the new expiry may end the grant sooner than the old one. Expiries of different
/// kinds (time vs height) cannot be compared, so a change of kind counts as earlier.
fn expiry_earlier(old: Expiry, new: Expiry) -> bool {
    match (old, new) {
        (Expiry::AtTime(a), Expiry::AtTime(b)) => b < a,
        (Expiry::AtHeight(a), Expiry::AtHeight(b)) => b < a,
        _ => true,
    }
}

pub fn amend_grant(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: Amendment,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let grant_id = msg.grant_id;
    let mut grant = GRANTS
        .may_load(deps.storage, grant_id)?
        .ok_or(ContractError::GrantNotFound { grant_id })?;
    ensure_patient_or_guardian(deps.as_ref(), &config, &grant.patient, &info.sender)?;
    cw_utils::nonpayable(&info)?;

    if grant.break_glass.is_some() {
        return Err(ContractError::BreakGlassNotAmendable { grant_id });
    }
    if grant.revoked.is_some() {
        return Err(ContractError::GrantRevoked { grant_id });
    }
    if grant.expires.is_expired(&env.block) {
        return Err(ContractError::GrantExpired { grant_id });
    }
    let old = grant.clone();
    if let Some(scopes) = msg.scopes {
        grant.scopes = normalize_scopes(scopes)?;
    }
    if let Some(from) = msg.data_from {
        grant.data_from = from;
    }
    if let Some(to) = msg.data_to {
        grant.data_to = to;
    }
    if grant.data_to < grant.data_from {
        return Err(ContractError::InvalidDataPeriod {
            from: grant.data_from,
            to: grant.data_to,
        });
    }
    if let Some(expires) = msg.expires {
        if expires.is_expired(&env.block) {
            return Err(ContractError::ExpiryInPast);
        }
        grant.expires = expires;
    }
    if grant == old {
        return Err(ContractError::NothingToAmend);
    }

    // A research grant that now covers less than the union joined the patient on (a scope
    // dropped, a shorter data period, or an earlier end) is reported as ended: the consent
    // contract cannot tell which scopes and period the study needs; the union re-checks.
    let narrowed = old.scopes.iter().any(|s| !grant.scopes.contains(s))
        || grant.data_from > old.data_from
        || grant.data_to < old.data_to
        || expiry_earlier(old.expires, grant.expires);
    grant.amended_at = Some(env.block.time);
    GRANTS.save(deps.storage, grant_id, &grant)?;

    let mut res = Response::new()
        .add_attribute("action", "amend_grant")
        .add_attribute("grant_id", grant_id.to_string())
        .add_attribute("patient", grant.patient.as_str())
        .add_attribute("grantee", grant.grantee.as_str())
        .add_attribute("amended_by", info.sender);
    if let (Purpose::Research, Some(study_id), true) = (grant.purpose, grant.study_id, narrowed) {
        res = res
            .add_submessages(research_ended_hooks(
                deps.storage,
                &grant.patient,
                study_id,
                grant_id,
            )?)
            .add_attribute("research_consent_ended", study_id.to_string());
    }
    Ok(res)
}
