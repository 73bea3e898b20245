//! Suspending, reactivating and revoking devices.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response, Timestamp};
use diachain_std::device::{Authority, RevocationReason, SuspensionReason};
use diachain_std::{Device, DeviceStatus};

use crate::error::ContractError;
use crate::execute::{authority_over, load_device};
use crate::state::{drop_transfer, save_device};

fn required_authority(
    deps: &DepsMut,
    device: &Device,
    info: &MessageInfo,
) -> Result<Authority, ContractError> {
    authority_over(deps.as_ref(), device, &info.sender)?.ok_or(ContractError::NoAuthorityOverDevice)
}

fn reason_name(reason: RevocationReason) -> &'static str {
    match reason {
        RevocationReason::Lost => "lost",
        RevocationReason::Stolen => "stolen",
        RevocationReason::Compromised => "compromised",
        RevocationReason::Recalled => "recalled",
        RevocationReason::Retired => "retired",
    }
}

pub fn suspend(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    device_id: String,
    reason: SuspensionReason,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    if reason == SuspensionReason::Legacy {
        return Err(ContractError::LegacyReason);
    }
    let mut device = load_device(deps.storage, &device_id)?;
    let by = required_authority(&deps, &device, &info)?;
    match device.status {
        DeviceStatus::Active => {}
        DeviceStatus::Revoked { .. } => return Err(ContractError::DeviceRevoked { id: device_id }),
        DeviceStatus::Suspended { .. } => {
            return Err(ContractError::DeviceNotActive { id: device_id })
        }
    }
    device.status = DeviceStatus::Suspended {
        since: env.block.time,
        by,
        reason,
    };
    save_device(deps.storage, &device)?;
    Ok(Response::new()
        .add_attribute("action", "suspend_device")
        .add_attribute("device_id", device_id)
        .add_attribute("reason", reason.as_str()))
}

pub fn reactivate(
    deps: DepsMut,
    info: MessageInfo,
    device_id: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut device = load_device(deps.storage, &device_id)?;
    let caller = required_authority(&deps, &device, &info)?;
    match &device.status {
        DeviceStatus::Suspended { by, .. } if *by > caller => {
            return Err(ContractError::SuspensionAuthority {
                placed_by: *by,
                caller,
            })
        }
        DeviceStatus::Suspended { .. } => {}
        DeviceStatus::Revoked { .. } => return Err(ContractError::DeviceRevoked { id: device_id }),
        DeviceStatus::Active => return Err(ContractError::DeviceNotSuspended { id: device_id }),
    }
    device.status = DeviceStatus::Active;
    save_device(deps.storage, &device)?;
    Ok(Response::new()
        .add_attribute("action", "reactivate_device")
        .add_attribute("device_id", device_id))
}

pub fn revoke(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    device_id: String,
    reason: RevocationReason,
    effective_at: Option<Timestamp>,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut device = load_device(deps.storage, &device_id)?;
    required_authority(&deps, &device, &info)?;
    if matches!(device.status, DeviceStatus::Revoked { .. }) {
        return Err(ContractError::DeviceRevoked { id: device_id });
    }
    let effective_at = effective_at.unwrap_or(env.block.time);
    if effective_at > env.block.time {
        return Err(ContractError::EffectiveTimeInFuture);
    }
    if effective_at < device.registered_at {
        return Err(ContractError::EffectiveTimeBeforeRegistration);
    }
    device.status = DeviceStatus::Revoked {
        effective_at,
        reason,
    };
    save_device(deps.storage, &device)?;
    // A revoked device can never be accepted: its open transfer offer goes with it.
    drop_transfer(deps.storage, &device_id)?;
    Ok(Response::new()
        .add_attribute("action", "revoke_device")
        .add_attribute("device_id", device_id)
        .add_attribute("reason", reason_name(reason))
        .add_attribute("effective_at", effective_at.seconds().to_string()))
}
