//! One file per action. Shared helpers (loading, phases, payments, deposits) live here.

pub mod claim;
pub mod config;
pub mod contribute;
pub mod fund;
pub mod instantiate;
pub mod manifest;
pub mod membership;
pub mod withdraw;

use cosmwasm_std::{
    to_json_binary, Addr, BankMsg, Coin, CosmosMsg, StdResult, Uint128, Uint256, WasmMsg,
};
use diachain_std::union::{Cw20ExecuteMsg, PoolToken, Study, BPS_DENOMINATOR};

use crate::error::ContractError;
pub(crate) use crate::state::load_study;

/// A payment of `amount` of the pool's token to `recipient`.
pub(crate) fn payment(
    token: &PoolToken,
    recipient: &Addr,
    amount: Uint128,
) -> StdResult<CosmosMsg> {
    Ok(match token {
        PoolToken::Native { denom } => BankMsg::Send {
            to_address: recipient.to_string(),
            amount: vec![Coin::new(Uint256::from(amount), denom.clone())],
        }
        .into(),
        PoolToken::Cw20 { address } => WasmMsg::Execute {
            contract_addr: address.to_string(),
            msg: to_json_binary(&Cw20ExecuteMsg::Transfer {
                recipient: recipient.to_string(),
                amount,
            })?,
            funds: vec![],
        }
        .into(),
    })
}

/// The union fee on a deposit: `floor(amount × fee_bps / 10_000)`.
pub(crate) fn fee_of(amount: Uint128, fee_bps: u16) -> Result<Uint128, ContractError> {
    Ok(amount.checked_multiply_ratio(fee_bps, BPS_DENOMINATOR)?)
}

/// Books a deposit into the study's pool and returns the fee taken from it.
pub(crate) fn book_deposit(study: &mut Study, amount: Uint128) -> Result<Uint128, ContractError> {
    let fee = fee_of(amount, study.fee_bps)?;
    study.pool.funded = study.pool.funded.checked_add(amount)?;
    study.pool.fees = study.pool.fees.checked_add(fee)?;
    Ok(fee)
}
