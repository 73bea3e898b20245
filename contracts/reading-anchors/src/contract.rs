//! Entry points: each one only dispatches.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response};

use crate::error::ContractError;
use crate::execute;
use crate::execute::{admin, listeners, sampling, submit};
use crate::msg::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
use crate::query;

/// Re-exported from `state.rs`, where every contract keeps its cw2 name and version.
pub use crate::state::{CONTRACT_NAME, CONTRACT_VERSION};

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    execute::instantiate::instantiate(deps, info, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::SubmitBatches { batches } => submit::submit(deps, env, info, batches),
        ExecuteMsg::AddListener { address } => listeners::add(deps, info, address),
        ExecuteMsg::RemoveListener { address } => listeners::remove(deps, info, address),
        ExecuteMsg::SetSamplingLimits { limits } => sampling::set(deps, info, limits),
        ExecuteMsg::TransferAdmin { new_admin } => admin::transfer(deps, info, new_admin),
        ExecuteMsg::AcceptAdmin {} => admin::accept(deps, info),
        ExecuteMsg::CancelAdminTransfer {} => admin::cancel(deps, info),
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
