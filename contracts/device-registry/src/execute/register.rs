//! Bulk device registration by an admitted manufacturer (devices holding their own key) or an
//! admitted relayer (gateways whose key it holds for a patient).

use std::collections::BTreeSet;

use cosmwasm_std::{Addr, DepsMut, Env, MessageInfo, Response, Storage};
use diachain_std::crypto::validate_public_key;
use diachain_std::device::validate_model;
use diachain_std::device::{device_tag, Role};
use diachain_std::registry::{NewDevice, MAX_DEVICES_PER_REGISTRATION};
use diachain_std::{validate_device_id, Device, DeviceKind, DeviceStatus, KeyCustody};

use crate::error::ContractError;
use crate::execute::ensure_active;
use crate::state::{save_device, DEVICES, DEVICES_BY_MANUFACTURER, DEVICE_TAGS};

/// Registers every device or none: all are checked before the first is written.
pub fn register(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    devices: Vec<NewDevice>,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    ensure_may_register(deps.storage, &info.sender, &devices)?;
    if devices.is_empty() {
        return Err(ContractError::NoDevices);
    }
    if devices.len() > MAX_DEVICES_PER_REGISTRATION {
        return Err(ContractError::TooManyDevices {
            max: MAX_DEVICES_PER_REGISTRATION,
        });
    }
    let mut seen = BTreeSet::new();
    let mut tags = BTreeSet::new();
    for d in &devices {
        validate_device_id(&d.id).map_err(|source| ContractError::InvalidDeviceId {
            id: d.id.clone(),
            source,
        })?;
        if d.key_custody == KeyCustody::Relayer && d.kind != DeviceKind::Gateway {
            return Err(ContractError::RelayerKeyNotGateway { id: d.id.clone() });
        }
        if !seen.insert(d.id.as_str()) {
            return Err(ContractError::DuplicateDevice { id: d.id.clone() });
        }
        if DEVICES.has(deps.storage, &d.id) {
            return Err(ContractError::DeviceExists { id: d.id.clone() });
        }
        let tag = device_tag(&d.id);
        if !tags.insert(tag) || DEVICE_TAGS.has(deps.storage, &tag) {
            return Err(ContractError::DeviceTagTaken { id: d.id.clone() });
        }
        validate_model(&d.model).map_err(|source| ContractError::InvalidModel {
            id: d.id.clone(),
            source,
        })?;
        validate_public_key(deps.api, &d.public_key).map_err(|source| {
            ContractError::InvalidKey {
                id: d.id.clone(),
                source,
            }
        })?;
    }
    let count = devices.len();
    for d in devices {
        let device = Device {
            id: d.id,
            kind: d.kind,
            model: d.model,
            manufacturer: info.sender.clone(),
            public_key: d.public_key,
            key_custody: d.key_custody,
            key_version: 0,
            key_since: env.block.time,
            owner: None,
            status: DeviceStatus::Active,
            nonce: 0,
            owner_since: env.block.time,
            owner_since_height: env.block.height,
            registered_at: env.block.time,
        };
        save_device(deps.storage, &device)?;
        DEVICE_TAGS.save(deps.storage, &device_tag(&device.id), &device.id)?;
        DEVICES_BY_MANUFACTURER.save(deps.storage, (&info.sender, &device.id), &())?;
    }
    Ok(Response::new()
        .add_attribute("action", "register_devices")
        .add_attribute("manufacturer", info.sender)
        .add_attribute("count", count.to_string()))
}

/// A device-held key needs a manufacturer (so does an empty list), a relayer-held one a relayer.
fn ensure_may_register(
    storage: &dyn Storage,
    sender: &Addr,
    devices: &[NewDevice],
) -> Result<(), ContractError> {
    let relayer_held = devices.iter().any(|d| d.key_custody == KeyCustody::Relayer);
    if relayer_held {
        ensure_active(storage, Role::Relayer, sender)?;
    }
    if !relayer_held || devices.iter().any(|d| d.key_custody == KeyCustody::Device) {
        ensure_active(storage, Role::Manufacturer, sender)?;
    }
    Ok(())
}
