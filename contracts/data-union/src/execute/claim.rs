//! Member: claim the share once the study has closed. In studies that keep a book of what
//! members earned (created from 0.3.0 on), a share stays claimable after the sponsor withdrew
//! what no member earned.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};

use super::{load_study, payment};
use crate::error::ContractError;
use crate::rewards::assess;
use crate::state::{ACTIVE, CONFIG, MEMBERS, STUDIES};

pub fn claim(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    study_id: u64,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut study = load_study(deps.storage, study_id)?;
    let mut member = MEMBERS
        .may_load(deps.storage, (study_id, &info.sender))?
        .ok_or(ContractError::NotMember { study_id })?;
    if study.pool.refunded.is_some() && study.earned.is_none() {
        return Err(ContractError::StudyClosed { study_id });
    }
    if env.block.time < study.closes_at {
        return Err(ContractError::ClaimNotOpen {
            study_id,
            opens_at: study.closes_at,
        });
    }
    if member.claimed.is_some() {
        return Err(ContractError::AlreadyClaimed { study_id });
    }
    let config = CONFIG.load(deps.storage)?;
    let assessment = assess(deps.as_ref(), &config, &study, &member)?;
    if let Some(unmet) = assessment.unmet {
        return Err(unmet.into());
    }
    let amount = assessment.share;
    if amount.is_zero() {
        return Err(ContractError::NothingToClaim { study_id });
    }
    // Cannot happen (shares add up to at most the net pool), checked all the same.
    let balance = study.pool.balance();
    if amount > balance {
        return Err(ContractError::PoolExhausted {
            study_id,
            balance,
            amount,
        });
    }
    study.pool.paid = study.pool.paid.checked_add(amount)?;
    if let Some(earned) = &mut study.earned {
        let overflow = || cosmwasm_std::OverflowError::new(cosmwasm_std::OverflowOperation::Add);
        earned.claimed_units = earned
            .claimed_units
            .checked_add(assessment.counted_units)
            .ok_or_else(overflow)?;
        earned.claimed_members = earned.claimed_members.checked_add(1).ok_or_else(overflow)?;
    }
    member.claimed = Some(amount);
    MEMBERS.save(deps.storage, (study_id, &member.patient), &member)?;
    STUDIES.save(deps.storage, study_id, &study)?;
    ACTIVE.remove(deps.storage, (&member.patient, study_id));
    Ok(Response::new()
        .add_message(payment(&study.pool.token, &member.patient, amount)?)
        .add_attribute("action", "claim")
        .add_attribute("study_id", study_id.to_string())
        .add_attribute("patient", member.patient.as_str())
        .add_attribute("counted_units", assessment.counted_units.to_string())
        .add_attribute("amount", amount))
}
