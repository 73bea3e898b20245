//! Entry points: each only dispatches to `execute::*` and `query`.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Reply, Response, SubMsgResult};
use diachain_std::consent::{ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

use crate::error::ContractError;
use crate::execute;
use crate::execute::{
    admin, break_glass, erasure, grant, members, record_access, revoke, HOOK_REPLY_ID,
};
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
        ExecuteMsg::TransferAdmin { new_admin } => admin::transfer_admin(deps, info, new_admin),
        ExecuteMsg::AcceptAdmin {} => admin::accept_admin(deps, info),
        ExecuteMsg::CancelAdminTransfer {} => admin::cancel_admin_transfer(deps, info),
        ExecuteMsg::AdmitMember { role, address } => {
            members::admit_member(deps, env, info, role, address)
        }
        ExecuteMsg::RemoveMember { role, address } => {
            members::remove_member(deps, info, role, address)
        }
        ExecuteMsg::SetListeners { listeners } => admin::set_listeners(deps, info, listeners),
        ExecuteMsg::Grant {
            patient,
            grantee,
            scopes,
            purpose,
            study_id,
            data_from,
            data_to,
            expires,
        } => grant::grant(
            deps,
            env,
            info,
            grant::NewGrant {
                patient,
                grantee,
                scopes,
                purpose,
                study_id,
                data_from,
                data_to,
                expires,
            },
        ),
        ExecuteMsg::AmendGrant {
            grant_id,
            scopes,
            data_from,
            data_to,
            expires,
        } => grant::amend_grant(
            deps,
            env,
            info,
            grant::Amendment {
                grant_id,
                scopes,
                data_from,
                data_to,
                expires,
            },
        ),
        ExecuteMsg::RevokeGrant { grant_id } => revoke::revoke_grant(deps, env, info, grant_id),
        ExecuteMsg::OpenBreakGlass {
            patient,
            hours,
            reason,
            note_hash,
            scopes,
        } => break_glass::open_break_glass(
            deps,
            env,
            info,
            break_glass::NewSession {
                patient,
                hours,
                reason,
                note_hash,
                scopes,
            },
        ),
        ExecuteMsg::RecordAccesses { accesses } => {
            record_access::record_accesses(deps, env, info, accesses)
        }
        ExecuteMsg::RecordErasure {
            patient,
            request_hash,
            requested_at,
        } => erasure::record_erasure(deps, env, info, patient, request_hash, requested_at),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    query::dispatch(deps, env, msg)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    Ok(diachain_std::version::migrate(
        deps.storage,
        CONTRACT_NAME,
        CONTRACT_VERSION,
    )?)
}

/// Only listener hooks reply, and only when they fail: the failure is logged and the patient's
/// revocation or amendment stands.
#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(_deps: DepsMut, _env: Env, msg: Reply) -> Result<Response, ContractError> {
    match (msg.id, msg.result) {
        (HOOK_REPLY_ID, SubMsgResult::Err(error)) => Ok(Response::new()
            .add_attribute("action", "listener_hook_failed")
            .add_attribute("error", error)),
        (id, _) => Err(ContractError::UnknownReply { id }),
    }
}
