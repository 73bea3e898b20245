//! Entry points: each one only dispatches.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response};

use crate::error::ContractError;
use crate::execute;
use crate::execute::{admin, bind, guardians, participants, register, rotate, status, transfer};
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
        ExecuteMsg::TransferAdmin { new_admin } => admin::transfer(deps, info, new_admin),
        ExecuteMsg::AcceptAdmin {} => admin::accept(deps, info),
        ExecuteMsg::CancelAdminTransfer {} => admin::cancel(deps, info),
        ExecuteMsg::AdmitParticipant {
            role,
            address,
            label,
        } => participants::admit(deps, env, info, role, address, label),
        ExecuteMsg::SuspendParticipant {
            role,
            address,
            reason,
        } => participants::suspend(deps, env, info, role, address, reason),
        ExecuteMsg::ReinstateParticipant { role, address } => {
            participants::reinstate(deps, env, info, role, address)
        }
        ExecuteMsg::RemoveParticipant { role, address } => {
            participants::remove(deps, env, info, role, address)
        }
        ExecuteMsg::RegisterDevices { devices } => register::register(deps, env, info, devices),
        ExecuteMsg::BindDevice {
            device_id,
            patient,
            signature,
        } => bind::bind(deps, env, info, device_id, patient, signature),
        ExecuteMsg::UnbindDevice { device_id } => bind::unbind(deps, env, info, device_id),
        ExecuteMsg::TransferDevice {
            device_id,
            new_owner,
            signature,
            expires_in_seconds,
        } => transfer::offer(
            deps,
            env,
            info,
            device_id,
            new_owner,
            signature,
            expires_in_seconds,
        ),
        ExecuteMsg::AcceptTransfer { device_id } => transfer::accept(deps, env, info, device_id),
        ExecuteMsg::CancelTransfer { device_id } => transfer::cancel(deps, info, device_id),
        ExecuteMsg::AddGuardian { patient, guardian } => {
            guardians::add(deps, env, info, patient, guardian)
        }
        ExecuteMsg::RemoveGuardian { patient, guardian } => {
            guardians::remove(deps, info, patient, guardian)
        }
        ExecuteMsg::SuspendDevice { device_id, reason } => {
            status::suspend(deps, env, info, device_id, reason)
        }
        ExecuteMsg::ReactivateDevice { device_id } => status::reactivate(deps, info, device_id),
        ExecuteMsg::RevokeDevice {
            device_id,
            reason,
            effective_at,
        } => status::revoke(deps, env, info, device_id, reason, effective_at),
        ExecuteMsg::RotateKey {
            device_id,
            new_key,
            signature,
        } => rotate::rotate(deps, env, info, device_id, new_key, signature),
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
