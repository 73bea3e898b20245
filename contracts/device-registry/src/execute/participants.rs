//! Admitting, suspending, reinstating and removing manufacturers and relayers.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use diachain_std::device::{Participant, ParticipantStatus, Role};

use crate::error::ContractError;
use crate::execute::{ensure_admin, ensure_text};
use crate::state::{close_lapse, PARTICIPANTS, REMOVED};

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Manufacturer => "manufacturer",
        Role::Relayer => "relayer",
    }
}

pub fn admit(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    role: Role,
    address: String,
    label: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    ensure_admin(deps.storage, &info.sender)?;
    let addr = deps.api.addr_validate(&address)?;
    ensure_text("label", &label)?;
    if PARTICIPANTS.has(deps.storage, (role.code(), &addr)) {
        return Err(ContractError::AlreadyAdmitted { role, address });
    }
    // A relayer admitted again after its removal: the time it was out is a lapse for good.
    if let Some(out_since) = REMOVED.may_load(deps.storage, (role.code(), &addr))? {
        if role == Role::Relayer {
            close_lapse(deps.storage, &addr, out_since, env.block.time)?;
        }
    }
    let participant = Participant {
        address: addr.clone(),
        role,
        label,
        status: ParticipantStatus::Admitted,
        admitted_at: env.block.time,
    };
    PARTICIPANTS.save(deps.storage, (role.code(), &addr), &participant)?;
    REMOVED.remove(deps.storage, (role.code(), &addr));
    Ok(Response::new()
        .add_attribute("action", "admit_participant")
        .add_attribute("role", role_name(role))
        .add_attribute("address", addr))
}

/// Sets an admitted participant's standing, if it differs (`AlreadySuspended` /
/// `NotSuspended` otherwise). The caller has checked the sender is the admin.
fn set_status(
    deps: DepsMut,
    role: Role,
    address: String,
    status: ParticipantStatus,
    action: &'static str,
) -> Result<Response, ContractError> {
    let addr = deps.api.addr_validate(&address)?;
    let mut p = PARTICIPANTS
        .may_load(deps.storage, (role.code(), &addr))?
        .ok_or_else(|| ContractError::NotAdmitted {
            role,
            address: address.clone(),
        })?;
    match (&p.status, &status) {
        (ParticipantStatus::Suspended { .. }, ParticipantStatus::Suspended { .. }) => {
            return Err(ContractError::AlreadySuspended { role, address })
        }
        (ParticipantStatus::Admitted, ParticipantStatus::Admitted) => {
            return Err(ContractError::NotSuspended { role, address })
        }
        _ => {}
    }
    p.status = status;
    PARTICIPANTS.save(deps.storage, (role.code(), &addr), &p)?;
    Ok(Response::new()
        .add_attribute("action", action)
        .add_attribute("role", role_name(role))
        .add_attribute("address", addr))
}

pub fn suspend(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    role: Role,
    address: String,
    reason: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    ensure_admin(deps.storage, &info.sender)?;
    ensure_text("reason", &reason)?;
    let status = ParticipantStatus::Suspended {
        since: env.block.time,
        reason,
    };
    set_status(deps, role, address, status, "suspend_participant")
}

/// Lifts a suspension. For a relayer, the suspension stays a lapse: keys it holds attest
/// nothing measured while it was suspended, even now.
pub fn reinstate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    role: Role,
    address: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    ensure_admin(deps.storage, &info.sender)?;
    let addr = deps.api.addr_validate(&address)?;
    if let Some(Participant {
        status: ParticipantStatus::Suspended { since, .. },
        ..
    }) = PARTICIPANTS.may_load(deps.storage, (role.code(), &addr))?
    {
        if role == Role::Relayer {
            close_lapse(deps.storage, &addr, since, env.block.time)?;
        }
    }
    set_status(
        deps,
        role,
        address,
        ParticipantStatus::Admitted,
        "reinstate_participant",
    )
}

/// Removes a participant, recording since when it is out of good standing: now, or the start
/// of the suspension it is removed in (keys a removed relayer holds attest nothing measured
/// from then on).
pub fn remove(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    role: Role,
    address: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    ensure_admin(deps.storage, &info.sender)?;
    let addr = deps.api.addr_validate(&address)?;
    let participant = PARTICIPANTS
        .may_load(deps.storage, (role.code(), &addr))?
        .ok_or(ContractError::NotAdmitted { role, address })?;
    let out_since = match participant.status {
        ParticipantStatus::Suspended { since, .. } => since,
        ParticipantStatus::Admitted => env.block.time,
    };
    PARTICIPANTS.remove(deps.storage, (role.code(), &addr));
    REMOVED.save(deps.storage, (role.code(), &addr), &out_since)?;
    Ok(Response::new()
        .add_attribute("action", "remove_participant")
        .add_attribute("role", role_name(role))
        .add_attribute("address", addr))
}
