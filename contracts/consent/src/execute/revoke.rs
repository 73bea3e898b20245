//! Revoking a grant or closing a break-glass session early.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use diachain_std::consent::Revocation;
use diachain_std::Purpose;

use crate::error::ContractError;
use crate::execute::{break_glass_end, is_guardian, research_ended_hooks};
use crate::state::{BREAK_GLASS, CONFIG, GRANTS, PAIR_GRANTS, PAIR_LAST_ENDED, RESEARCH};

pub fn revoke_grant(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    grant_id: u64,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let mut grant = GRANTS
        .may_load(deps.storage, grant_id)?
        .ok_or(ContractError::GrantNotFound { grant_id })?;
    let for_patient = info.sender == grant.patient
        || is_guardian(deps.as_ref(), &config, &grant.patient, &info.sender)?;
    if !for_patient && info.sender != grant.grantee {
        return Err(ContractError::NotPatientGuardianOrGrantee);
    }
    // A research consent is the patient's to end: its grantee is the study's sponsor, who
    // would otherwise end a membership it pays for (and take back the member's share).
    if !for_patient && grant.purpose == Purpose::Research {
        return Err(ContractError::ResearchConsentIsThePatients { grant_id });
    }
    cw_utils::nonpayable(&info)?;
    if grant.revoked.is_some() {
        return Err(ContractError::GrantRevoked { grant_id });
    }
    if grant.expires.is_expired(&env.block) {
        return Err(ContractError::GrantExpired { grant_id });
    }

    grant.revoked = Some(Revocation {
        at: env.block.time,
        height: env.block.height,
        by: info.sender.clone(),
    });
    GRANTS.save(deps.storage, grant_id, &grant)?;
    let (patient, grantee) = (&grant.patient, &grant.grantee);
    PAIR_GRANTS.remove(deps.storage, (patient, grantee, grant_id));
    PAIR_LAST_ENDED.save(deps.storage, (patient, grantee), &grant_id)?;

    let action = if grant.break_glass.is_some() {
        BREAK_GLASS.remove(deps.storage, (patient, break_glass_end(&grant), grant_id));
        "close_break_glass"
    } else {
        "revoke_grant"
    };
    let mut res = Response::new()
        .add_attribute("action", action)
        .add_attribute("grant_id", grant_id.to_string())
        .add_attribute("patient", patient.as_str())
        .add_attribute("grantee", grantee.as_str())
        .add_attribute("revoked_by", info.sender.as_str());

    if let (Purpose::Research, Some(study_id)) = (grant.purpose, grant.study_id) {
        if RESEARCH.may_load(deps.storage, (patient, study_id))? == Some(grant_id) {
            RESEARCH.remove(deps.storage, (patient, study_id));
        }
        res = res
            .add_submessages(research_ended_hooks(
                deps.storage,
                patient,
                study_id,
                grant_id,
            )?)
            .add_attribute("research_consent_ended", study_id.to_string());
    }
    Ok(res)
}
