//! Key rotation: by the manufacturer (or the relayer holding the key) alone, or by anyone
//! carrying the current key's signature.
//! The retired key stays in the key history, so readings signed under it remain attributable.

use cosmwasm_std::{Binary, DepsMut, Env, MessageInfo, Response};
use diachain_std::crypto::{validate_public_key, verify_signature};
use diachain_std::encoding::rotate_sign_bytes;
use diachain_std::registry::KeyRecord;
use diachain_std::{DeviceStatus, Domain, PublicKey};

use crate::error::ContractError;
use crate::execute::{is_issuer, load_device};
use crate::state::{save_device, KEY_HISTORY};

pub fn rotate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    device_id: String,
    new_key: PublicKey,
    signature: Option<Binary>,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut device = load_device(deps.storage, &device_id)?;
    if matches!(device.status, DeviceStatus::Revoked { .. }) {
        return Err(ContractError::DeviceRevoked { id: device_id });
    }
    validate_public_key(deps.api, &new_key).map_err(|source| ContractError::InvalidKey {
        id: device_id.clone(),
        source,
    })?;
    if new_key == device.public_key {
        return Err(ContractError::SameKey { id: device_id });
    }
    let by_manufacturer = is_issuer(deps.storage, &device, &info.sender);
    match (&signature, by_manufacturer) {
        (None, false) => return Err(ContractError::RotationSignatureRequired { id: device_id }),
        (Some(sig), _) => {
            let bytes = rotate_sign_bytes(
                &Domain::of(&env),
                &device_id,
                new_key.algorithm,
                new_key.key.as_slice(),
                device.nonce,
            )?;
            if !verify_signature(deps.api, &device.public_key, &bytes, sig) {
                return Err(ContractError::InvalidRotationSignature { id: device_id });
            }
        }
        (None, true) => {}
    }
    let retired = KeyRecord {
        version: device.key_version,
        public_key: device.public_key.clone(),
        valid_from: device.key_since,
        valid_until: env.block.time,
    };
    KEY_HISTORY.save(deps.storage, (&device_id, device.key_version), &retired)?;
    let overflow = || cosmwasm_std::StdError::msg("device counter overflow");
    device.key_version = device.key_version.checked_add(1).ok_or_else(overflow)?;
    device.nonce = device.nonce.checked_add(1).ok_or_else(overflow)?;
    device.public_key = new_key;
    device.key_since = env.block.time;
    save_device(deps.storage, &device)?;
    Ok(Response::new()
        .add_attribute("action", "rotate_key")
        .add_attribute("device_id", device_id)
        .add_attribute("key_version", device.key_version.to_string()))
}
