//! Sponsor: take back what no member earned, once the study has closed and the grace period
//! has passed.
//!
//! In studies that keep a book of what eligible members earned (created from 0.3.0 on), the
//! sponsor may withdraw the balance less what those members may still claim
//! ([`crate::rewards::reserved`]), as often as something is left: claims stay open, and every
//! claim frees whatever its capped, rounded-down share left of its reserve. Studies created
//! before keep the old rule: one withdrawal of the whole balance, which closes claims.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response, Uint128};

use super::{load_study, payment};
use crate::error::ContractError;
use crate::rewards::reserved;
use crate::state::STUDIES;

pub fn withdraw_unearned(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    study_id: u64,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut study = load_study(deps.storage, study_id)?;
    if info.sender != study.sponsor {
        return Err(ContractError::NotSponsor);
    }
    if study.pool.refunded.is_some() && study.earned.is_none() {
        return Err(ContractError::StudyClosed { study_id });
    }
    if env.block.time < study.refund_after {
        return Err(ContractError::WithdrawTooEarly {
            available_at: study.refund_after,
        });
    }
    let reserve = reserved(&study)?;
    let amount = study.pool.balance().saturating_sub(reserve);
    if amount.is_zero() && study.pool.refunded.is_some() {
        return Err(ContractError::NothingToWithdraw { study_id });
    }
    let refunded = study
        .pool
        .refunded
        .unwrap_or_default()
        .checked_add(amount)?;
    study.pool.refunded = Some(refunded);
    STUDIES.save(deps.storage, study_id, &study)?;
    let mut response = Response::new()
        .add_attribute("action", "withdraw_unearned")
        .add_attribute("study_id", study_id.to_string())
        .add_attribute("amount", amount)
        .add_attribute("reserved", reserve);
    if amount > Uint128::zero() {
        response = response.add_message(payment(&study.pool.token, &study.sponsor, amount)?);
    }
    Ok(response)
}
