//! Binding a device to a patient with proof of possession, and unbinding. Transfers are in
//! `transfer.rs`.

use cosmwasm_std::{Addr, Binary, DepsMut, Env, MessageInfo, Response, Storage};
use diachain_std::crypto::verify_signature;
use diachain_std::encoding::bind_sign_bytes;
use diachain_std::{Device, DeviceStatus, Domain};

use crate::error::ContractError;
use crate::execute::{acts_for, load_device};
use crate::state::{drop_transfer, save_device, DEVICES_BY_OWNER};

/// Checks the device's signature over the bind message naming `patient` and the current nonce.
pub(crate) fn check_possession(
    deps: &DepsMut,
    env: &Env,
    device: &Device,
    patient: &Addr,
    signature: &Binary,
) -> Result<(), ContractError> {
    let bytes = bind_sign_bytes(&Domain::of(env), &device.id, patient.as_str(), device.nonce)?;
    if !verify_signature(deps.api, &device.public_key, &bytes, signature) {
        return Err(ContractError::InvalidProofOfPossession {
            id: device.id.clone(),
        });
    }
    Ok(())
}

pub(crate) fn ensure_bindable(device: &Device) -> Result<(), ContractError> {
    match device.status {
        DeviceStatus::Active => Ok(()),
        DeviceStatus::Revoked { .. } => Err(ContractError::DeviceRevoked {
            id: device.id.clone(),
        }),
        DeviceStatus::Suspended { .. } => Err(ContractError::DeviceNotActive {
            id: device.id.clone(),
        }),
    }
}

/// The device's owner, if `sender` is that owner or their guardian.
pub(crate) fn owner_acted_for(
    storage: &dyn Storage,
    device: &Device,
    sender: &Addr,
) -> Result<Addr, ContractError> {
    let owner = device
        .owner
        .clone()
        .ok_or_else(|| ContractError::DeviceNotBound {
            id: device.id.clone(),
        })?;
    if !acts_for(storage, sender, &owner) {
        return Err(ContractError::NotOwnerOrGuardian);
    }
    Ok(owner)
}

/// Records a change of owner: the new owner (or none), since this block.
pub(crate) fn set_owner(
    device: &mut Device,
    env: &Env,
    owner: Option<Addr>,
) -> Result<(), ContractError> {
    device.owner = owner;
    device.owner_since = env.block.time;
    device.owner_since_height = env.block.height;
    next_nonce(device)
}

pub(crate) fn next_nonce(device: &mut Device) -> Result<(), ContractError> {
    device.nonce = device
        .nonce
        .checked_add(1)
        .ok_or_else(|| cosmwasm_std::StdError::msg("device nonce overflow"))?;
    Ok(())
}

pub fn bind(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    device_id: String,
    patient: Option<String>,
    signature: Binary,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let patient_addr = match patient {
        Some(p) => deps.api.addr_validate(&p)?,
        None => info.sender.clone(),
    };
    if !acts_for(deps.storage, &info.sender, &patient_addr) {
        return Err(ContractError::NotGuardian {
            patient: patient_addr.to_string(),
            guardian: info.sender.to_string(),
        });
    }
    let mut device = load_device(deps.storage, &device_id)?;
    if device.owner.is_some() {
        return Err(ContractError::DeviceAlreadyBound { id: device_id });
    }
    ensure_bindable(&device)?;
    check_possession(&deps, &env, &device, &patient_addr, &signature)?;
    set_owner(&mut device, &env, Some(patient_addr.clone()))?;
    save_device(deps.storage, &device)?;
    DEVICES_BY_OWNER.save(deps.storage, (&patient_addr, &device_id), &())?;
    Ok(Response::new()
        .add_attribute("action", "bind_device")
        .add_attribute("device_id", device_id)
        .add_attribute("patient", patient_addr))
}

pub fn unbind(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    device_id: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut device = load_device(deps.storage, &device_id)?;
    let owner = owner_acted_for(deps.storage, &device, &info.sender)?;
    set_owner(&mut device, &env, None)?;
    save_device(deps.storage, &device)?;
    DEVICES_BY_OWNER.remove(deps.storage, (&owner, &device_id));
    drop_transfer(deps.storage, &device_id)?;
    Ok(Response::new()
        .add_attribute("action", "unbind_device")
        .add_attribute("device_id", device_id)
        .add_attribute("patient", owner))
}
