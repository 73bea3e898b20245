//! Entry points: each one only dispatches.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response};
use diachain_std::admin;

use crate::error::ContractError;
use crate::execute::{listeners, sampling, submit};
use crate::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
use crate::query;

pub const CONTRACT_NAME: &str = "crates.io:diachain-reading-anchors";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    crate::execute::admin::instantiate(deps, info, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    match msg {
        ExecuteMsg::SubmitBatches { batches } => submit::submit(deps, env, info, batches),
        ExecuteMsg::AddListener { address } => listeners::add(deps, info, address),
        ExecuteMsg::RemoveListener { address } => listeners::remove(deps, info, address),
        ExecuteMsg::SetSamplingLimits { limits } => sampling::set(deps, info, limits),
        ExecuteMsg::TransferAdmin { new_admin } => Ok(admin::transfer(
            deps.storage,
            deps.api,
            &info.sender,
            &new_admin,
        )?),
        ExecuteMsg::AcceptAdmin {} => Ok(admin::accept(deps.storage, &info.sender)?),
        ExecuteMsg::CancelAdminTransfer {} => Ok(admin::cancel(deps.storage, &info.sender)?),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    query::dispatch(deps, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    Ok(diachain_std::version::migrate(
        deps.storage,
        CONTRACT_NAME,
        CONTRACT_VERSION,
    )?)
}
