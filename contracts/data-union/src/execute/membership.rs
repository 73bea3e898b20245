//! Joining (with a live research consent), leaving, and the consent contract's notice that a
//! research consent ended.

use cosmwasm_std::{Addr, Deps, DepsMut, Env, MessageInfo, Response, Storage, Timestamp};
use diachain_std::consent::Expiry;
use diachain_std::encoding::SECONDS_PER_DAY;
use diachain_std::union::{Member, Study, MAX_ACTIVE_STUDIES_PER_PATIENT};
use diachain_std::Consent;

use super::load_study;
use crate::error::ContractError;
use crate::state::{active_studies, ACTIVE, CONFIG, MEMBERS, STUDIES};

/// Patient: join a study. The consent contract must show a live research consent for the
/// study, granted to the study's sponsor (a consent to anyone else gives the sponsor nothing),
/// whose scopes cover every scope the study wants and whose data period overlaps the study's.
/// What counts is exactly the overlap (to the second), until the consent expires.
pub fn join(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    study_id: u64,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let now = env.block.time;
    let patient_addr = info.sender;
    // 1. Check: the study takes members, the patient is not one yet and has a free slot, and
    //    the consent contract shows a research consent that fits the study. Nothing is written.
    let study = load_study(deps.storage, study_id)?;
    let existing = check_open_to(deps.storage, &study, study_id, &patient_addr, now)?;
    let stale = check_free_slot(deps.storage, &patient_addr, now)?;
    let consent = check_consent(deps.as_ref(), &study, study_id, &patient_addr)?;
    // 2. Plan: the membership (new, or a former member back) and the study's member counts.
    let (member, study) = plan_membership(study, study_id, existing, &patient_addr, now, &consent)?;
    // 3. Apply: free the stale slots, take this one, store the member and the study.
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
        .add_attribute("grant_id", consent.grant_id.to_string()))
}

/// The study still takes members and the patient is not an active one. Returns the patient's
/// former membership, if any.
fn check_open_to(
    storage: &dyn Storage,
    study: &Study,
    study_id: u64,
    patient_addr: &Addr,
    now: Timestamp,
) -> Result<Option<Member>, ContractError> {
    if now >= study.closes_at || study.pool.refunded.is_some() {
        return Err(ContractError::JoiningClosed { study_id });
    }
    let existing = MEMBERS.may_load(storage, (study_id, patient_addr))?;
    if existing.as_ref().is_some_and(|m| m.active) {
        return Err(ContractError::AlreadyMember { study_id });
    }
    Ok(existing)
}

/// The patient is in fewer than `MAX_ACTIVE_STUDIES_PER_PATIENT` open studies. Memberships of
/// studies that have closed no longer take a slot: returns them, to be freed.
fn check_free_slot(
    storage: &dyn Storage,
    patient_addr: &Addr,
    now: Timestamp,
) -> Result<Vec<u64>, ContractError> {
    let mut stale = Vec::new();
    let mut live = 0usize;
    for id in active_studies(storage, patient_addr)? {
        match STUDIES.may_load(storage, id)? {
            Some(s) if now < s.closes_at => live += 1,
            _ => stale.push(id),
        }
    }
    if live >= MAX_ACTIVE_STUDIES_PER_PATIENT {
        return Err(ContractError::TooManyStudies {
            max: MAX_ACTIVE_STUDIES_PER_PATIENT,
        });
    }
    Ok(stale)
}

/// What a fitting research consent gives a membership: its grant, the exact window of
/// measurement times that counts (and its days), and when the consent expires.
struct JoinConsent {
    grant_id: u64,
    counts_from: u64,
    counts_to: u64,
    expires: Expiry,
}

/// The consent contract's live research consent for the study: granted to the sponsor,
/// covering every scope the study wants, over data days that overlap the study's.
fn check_consent(
    deps: Deps,
    study: &Study,
    study_id: u64,
    patient_addr: &Addr,
) -> Result<JoinConsent, ContractError> {
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
            sponsor: study.sponsor.clone(),
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
    // The study's days are at most `MAX_DAY` (checked at creation), so these cannot overflow.
    let study_from = study.data_from_day.saturating_mul(SECONDS_PER_DAY);
    let study_to = study
        .data_to_day
        .saturating_add(1)
        .saturating_mul(SECONDS_PER_DAY)
        .saturating_sub(1);
    // Readings are measured at whole seconds: the window rounds the consent's ends inward.
    let consent_from = grant
        .data_from
        .seconds()
        .saturating_add(u64::from(grant.data_from.subsec_nanos() > 0));
    let counts_from = study_from.max(consent_from);
    let counts_to = study_to.min(grant.data_to.seconds());
    if counts_from > counts_to {
        return Err(ContractError::ConsentPeriodOutsideStudy { study_id });
    }
    Ok(JoinConsent {
        grant_id: grant.grant_id,
        counts_from,
        counts_to,
        expires: grant.expires,
    })
}

/// The member to store (a former member keeps its units and claims) and the study with its
/// member counts raised.
fn plan_membership(
    mut study: Study,
    study_id: u64,
    existing: Option<Member>,
    patient_addr: &Addr,
    now: Timestamp,
    consent: &JoinConsent,
) -> Result<(Member, Study), ContractError> {
    let member = match existing {
        Some(previous) => Member {
            grant_id: consent.grant_id,
            active: true,
            joined_at: now,
            left_at: None,
            from_day: consent.counts_from / SECONDS_PER_DAY,
            to_day: consent.counts_to / SECONDS_PER_DAY,
            counts_from: Some(Timestamp::from_seconds(consent.counts_from)),
            counts_to: Some(Timestamp::from_seconds(consent.counts_to)),
            consent_expires: Some(consent.expires),
            ..previous
        },
        None => {
            study.members = study.members.checked_add(1).ok_or_else(overflow)?;
            Member {
                patient: patient_addr.clone(),
                study_id,
                grant_id: consent.grant_id,
                active: true,
                joined_at: now,
                left_at: None,
                from_day: consent.counts_from / SECONDS_PER_DAY,
                to_day: consent.counts_to / SECONDS_PER_DAY,
                counts_from: Some(Timestamp::from_seconds(consent.counts_from)),
                counts_to: Some(Timestamp::from_seconds(consent.counts_to)),
                consent_expires: Some(consent.expires),
                counting_days: 0,
                counted_units: 0,
                units: 0,
                claimed: None,
                scopes_seen: Some(vec![]),
            }
        }
    };
    study.active_members = study.active_members.checked_add(1).ok_or_else(overflow)?;
    Ok((member, study))
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
