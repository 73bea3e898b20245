//! Joining (with a live research consent), leaving, and the consent contract's notice that a
//! research consent ended.

use cosmwasm_std::{Addr, DepsMut, Env, MessageInfo, Response, Storage, Timestamp};
use diachain_std::encoding::SECONDS_PER_DAY;
use diachain_std::union::{Member, MAX_ACTIVE_STUDIES_PER_PATIENT};
use diachain_std::Consent;

use super::load_study;
use crate::error::ContractError;
use crate::state::{active_studies, ACTIVE, CONFIG, MEMBERS, STUDIES};

/// Patient: join a study. The consent contract must show a live research consent for the
/// study, granted to the study's sponsor (a consent to anyone else gives the sponsor nothing),
/// whose scopes cover every scope the study wants and whose data period overlaps the study's.
/// Counting days are the overlap.
pub fn join(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    study_id: u64,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let now = env.block.time;
    let patient_addr = info.sender;
    let mut study = load_study(deps.storage, study_id)?;
    if now >= study.closes_at || study.pool.refunded.is_some() {
        return Err(ContractError::JoiningClosed { study_id });
    }
    let existing = MEMBERS.may_load(deps.storage, (study_id, &patient_addr))?;
    if existing.as_ref().is_some_and(|m| m.active) {
        return Err(ContractError::AlreadyMember { study_id });
    }

    // Memberships of studies that have closed no longer take a slot.
    let mut stale = Vec::new();
    let mut live = 0usize;
    for id in active_studies(deps.storage, &patient_addr)? {
        match STUDIES.may_load(deps.storage, id)? {
            Some(s) if now < s.closes_at => live += 1,
            _ => stale.push(id),
        }
    }
    if live >= MAX_ACTIVE_STUDIES_PER_PATIENT {
        return Err(ContractError::TooManyStudies {
            max: MAX_ACTIVE_STUDIES_PER_PATIENT,
        });
    }

    let config = CONFIG.load(deps.storage)?;
    let answer = Consent(&config.consent_addr).research_consent(
        &deps.querier,
        patient_addr.as_str(),
        study_id,
    )?;
    let grant = answer
        .consent
        .ok_or(ContractError::NoResearchConsent { study_id })?;
    if grant.grantee != study.sponsor {
        return Err(ContractError::ConsentNotToSponsor {
            study_id,
            grantee: grant.grantee,
            sponsor: study.sponsor,
        });
    }
    let missing: Vec<_> = study
        .scopes
        .iter()
        .filter(|s| !grant.scopes.contains(s))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(ContractError::ConsentScopesInsufficient { missing });
    }
    let from_day = study
        .data_from_day
        .max(grant.data_from.seconds() / SECONDS_PER_DAY);
    let to_day = study
        .data_to_day
        .min(grant.data_to.seconds() / SECONDS_PER_DAY);
    if from_day > to_day || grant.data_to < grant.data_from {
        return Err(ContractError::ConsentPeriodOutsideStudy { study_id });
    }

    let member = match existing {
        Some(previous) => Member {
            grant_id: grant.grant_id,
            active: true,
            joined_at: now,
            left_at: None,
            from_day,
            to_day,
            ..previous
        },
        None => {
            study.members = study.members.checked_add(1).ok_or_else(overflow)?;
            Member {
                patient: patient_addr.clone(),
                study_id,
                grant_id: grant.grant_id,
                active: true,
                joined_at: now,
                left_at: None,
                from_day,
                to_day,
                units: 0,
                claimed: None,
                scopes_seen: Some(vec![]),
            }
        }
    };
    study.active_members = study.active_members.checked_add(1).ok_or_else(overflow)?;

    for id in stale {
        ACTIVE.remove(deps.storage, (&patient_addr, id));
    }
    ACTIVE.save(deps.storage, (&patient_addr, study_id), &())?;
    MEMBERS.save(deps.storage, (study_id, &patient_addr), &member)?;
    STUDIES.save(deps.storage, study_id, &study)?;
    Ok(Response::new()
        .add_attribute("action", "join")
        .add_attribute("study_id", study_id.to_string())
        .add_attribute("patient", patient_addr)
        .add_attribute("grant_id", grant.grant_id.to_string()))
}

/// Member: stop accruing. What was credited stays claimable.
pub fn leave(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    study_id: u64,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let member = MEMBERS
        .may_load(deps.storage, (study_id, &info.sender))?
        .ok_or(ContractError::NotMember { study_id })?;
    if !member.active {
        return Err(ContractError::NotActiveMember { study_id });
    }
    deactivate(deps.storage, member, env.block.time)?;
    Ok(Response::new()
        .add_attribute("action", "leave")
        .add_attribute("study_id", study_id.to_string())
        .add_attribute("patient", info.sender))
}

/// Consent contract only: a research consent ended early. The member stops accruing if their
/// membership rests on that grant; anything else (not a member, another grant, already left,
/// unknown study) is acknowledged and ignored, so that a revocation is never blocked here.
pub fn consent_ended(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    patient: Addr,
    study_id: u64,
    grant_id: u64,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let config = CONFIG.load(deps.storage)?;
    if info.sender != config.consent_addr {
        return Err(ContractError::NotConsent);
    }
    let response = Response::new()
        .add_attribute("action", "research_consent_ended")
        .add_attribute("study_id", study_id.to_string())
        .add_attribute("patient", patient.as_str())
        .add_attribute("grant_id", grant_id.to_string());
    match MEMBERS.may_load(deps.storage, (study_id, &patient))? {
        Some(member) if member.active && member.grant_id == grant_id => {
            deactivate(deps.storage, member, env.block.time)?;
            Ok(response.add_attribute("removed", "true"))
        }
        _ => Ok(response.add_attribute("removed", "false")),
    }
}

fn deactivate(
    storage: &mut dyn Storage,
    mut member: Member,
    now: Timestamp,
) -> Result<(), ContractError> {
    let mut study = load_study(storage, member.study_id)?;
    study.active_members = study.active_members.saturating_sub(1);
    member.active = false;
    member.left_at = Some(now);
    ACTIVE.remove(storage, (&member.patient, member.study_id));
    MEMBERS.save(storage, (member.study_id, &member.patient), &member)?;
    STUDIES.save(storage, study.id, &study)?;
    Ok(())
}

fn overflow() -> ContractError {
    ContractError::Overflow(cosmwasm_std::OverflowError::new(
        cosmwasm_std::OverflowOperation::Add,
    ))
}
