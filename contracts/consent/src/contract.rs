//! Entry points: each only dispatches to `execute::*` and `query`.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Reply, Response, SubMsgResult,
};
use diachain_std::consent::{
    ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, MAX_BREAK_GLASS_HOURS,
};

use crate::error::ContractError;
use crate::execute::{
    admin, break_glass, erasure, grant, members, record_access, revoke, HOOK_REPLY_ID,
};
use crate::query;
use crate::state::{Config, CONFIG, CONTRACT_NAME, CONTRACT_VERSION, LISTENERS};

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let admin_addr = match &msg.admin {
        Some(a) => deps.api.addr_validate(a)?,
        None => info.sender.clone(),
    };
    let registry_addr = deps.api.addr_validate(&msg.registry)?;
    let hours = msg.max_break_glass_hours;
    if hours == 0 || hours > MAX_BREAK_GLASS_HOURS {
        return Err(ContractError::InvalidBreakGlassCap {
            hours,
            max: MAX_BREAK_GLASS_HOURS,
        });
    }
    let listeners = admin::validate_listeners(deps.api, &msg.listeners)?;

    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    diachain_std::admin::init(deps.storage, &admin_addr)?;
    CONFIG.save(
        deps.storage,
        &Config {
            registry: registry_addr.clone(),
            max_break_glass_hours: hours,
        },
    )?;
    LISTENERS.save(deps.storage, &listeners)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", admin_addr)
        .add_attribute("registry", registry_addr)
        .add_attribute("max_break_glass_hours", hours.to_string()))
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
    Ok(match msg {
        QueryMsg::ResearchConsent { patient, study_id } => {
            to_json_binary(&query::research_consent(deps, env, patient, study_id)?)
        }
        QueryMsg::Config {} => to_json_binary(&query::config(deps)?),
        QueryMsg::CheckAccess {
            patient,
            grantee,
            scope,
            data_from,
            data_to,
            at,
        } => to_json_binary(&query::check(
            deps, env, patient, grantee, scope, data_from, data_to, at,
        )?),
        QueryMsg::Grant { grant_id } => to_json_binary(&query::grant(deps, env, grant_id)?),
        QueryMsg::GrantsByPatient {
            patient,
            start_after,
            limit,
        } => to_json_binary(&query::grants_by_patient(
            deps,
            env,
            patient,
            start_after,
            limit,
        )?),
        QueryMsg::GrantsByGrantee {
            grantee,
            start_after,
            limit,
        } => to_json_binary(&query::grants_by_grantee(
            deps,
            env,
            grantee,
            start_after,
            limit,
        )?),
        QueryMsg::BreakGlassSessions {
            patient,
            start_after,
            limit,
        } => to_json_binary(&query::break_glass_sessions(
            deps,
            env,
            patient,
            start_after,
            limit,
        )?),
        QueryMsg::AccessLogByPatient {
            patient,
            start_after,
            limit,
        } => to_json_binary(&query::access_log_by_patient(
            deps,
            patient,
            start_after,
            limit,
        )?),
        QueryMsg::AccessLogByGrantee {
            grantee,
            start_after,
            limit,
        } => to_json_binary(&query::access_log_by_grantee(
            deps,
            grantee,
            start_after,
            limit,
        )?),
        QueryMsg::Erasures {
            patient,
            start_after,
            limit,
        } => to_json_binary(&query::erasures(deps, patient, start_after, limit)?),
        QueryMsg::Member { role, address } => to_json_binary(&query::member(deps, role, address)?),
        QueryMsg::Members {
            role,
            start_after,
            limit,
        } => to_json_binary(&query::members(deps, role, start_after, limit)?),
    }?)
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
