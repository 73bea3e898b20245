//! Sponsor: take back what is left once the study has closed and the grace period has passed.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};

use super::{load_study, payment};
use crate::error::ContractError;
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
    if study.pool.refunded.is_some() {
        return Err(ContractError::StudyClosed { study_id });
    }
    if env.block.time < study.refund_after {
        return Err(ContractError::WithdrawTooEarly {
            available_at: study.refund_after,
        });
    }
    let amount = study.pool.balance();
    study.pool.refunded = Some(amount);
    STUDIES.save(deps.storage, study_id, &study)?;
    let mut response = Response::new()
        .add_attribute("action", "withdraw_unearned")
        .add_attribute("study_id", study_id.to_string())
        .add_attribute("amount", amount);
    if !amount.is_zero() {
        response = response.add_message(payment(&study.pool.token, &study.sponsor, amount)?);
    }
    Ok(response)
}
