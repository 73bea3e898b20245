//! Handing a device to another patient, in two steps: the owner (or guardian) offers it with
//! the device's proof of possession naming the recipient; the recipient (or their guardian)
//! accepts. Nothing changes hands on the device key's word alone, so a leaked key cannot attach
//! a device to a patient who never asked for it.

use cosmwasm_std::{Binary, DepsMut, Env, MessageInfo, Response};
use diachain_std::registry::{
    PendingTransfer, DEFAULT_TRANSFER_EXPIRY_SECONDS, MAX_TRANSFER_EXPIRY_SECONDS,
};

use crate::error::ContractError;
use crate::execute::bind::{
    check_possession, ensure_bindable, next_nonce, owner_acted_for, set_owner,
};
use crate::execute::{acts_for, load_device};
use crate::state::{drop_transfer, load_transfer, save_device, save_transfer, DEVICES_BY_OWNER};

fn load_offer(deps: &DepsMut, device_id: &str) -> Result<PendingTransfer, ContractError> {
    load_transfer(deps.storage, device_id)?.ok_or_else(|| ContractError::NoPendingTransfer {
        id: device_id.to_string(),
    })
}

/// `TransferDevice`: records an offer; the device stays with its owner.
pub fn offer(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    device_id: String,
    new_owner: String,
    signature: Binary,
    expires_in_seconds: Option<u64>,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let new_owner_addr = deps.api.addr_validate(&new_owner)?;
    let seconds = expires_in_seconds.unwrap_or(DEFAULT_TRANSFER_EXPIRY_SECONDS);
    if seconds == 0 || seconds > MAX_TRANSFER_EXPIRY_SECONDS {
        return Err(ContractError::InvalidTransferExpiry {
            seconds,
            max: MAX_TRANSFER_EXPIRY_SECONDS,
        });
    }
    let mut device = load_device(deps.storage, &device_id)?;
    let owner = owner_acted_for(deps.storage, &device, &info.sender)?;
    if owner == new_owner_addr {
        return Err(ContractError::SameOwner { id: device_id });
    }
    ensure_bindable(&device)?;
    // One open offer per device: a live one is refused (the owner cancels it first, which its
    // recipient sees), an expired one is replaced.
    if let Some(open) = load_transfer(deps.storage, &device_id)? {
        if !open.is_expired(env.block.time) {
            return Err(ContractError::TransferPending {
                id: device_id,
                to: open.to.into_string(),
            });
        }
    }
    check_possession(&deps, &env, &device, &new_owner_addr, &signature)?;
    // The proof is spent now: the same signature cannot make a second offer after a cancel.
    next_nonce(&mut device)?;
    save_device(deps.storage, &device)?;
    drop_transfer(deps.storage, &device_id)?;
    save_transfer(
        deps.storage,
        &PendingTransfer {
            device_id: device_id.clone(),
            from: owner.clone(),
            to: new_owner_addr.clone(),
            offered_at: env.block.time,
            expires_at: env.block.time.plus_seconds(seconds),
            nonce: device.nonce,
        },
    )?;
    Ok(Response::new()
        .add_attribute("action", "offer_transfer")
        .add_attribute("device_id", device_id)
        .add_attribute("from", owner)
        .add_attribute("to", new_owner_addr))
}

/// `AcceptTransfer`: the recipient (or guardian) takes the device.
pub fn accept(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    device_id: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let offer = load_offer(&deps, &device_id)?;
    if !acts_for(deps.storage, &info.sender, &offer.to) {
        return Err(ContractError::NotTransferRecipient);
    }
    if offer.is_expired(env.block.time) {
        return Err(ContractError::TransferExpired {
            id: device_id,
            expired_at: offer.expires_at,
        });
    }
    let mut device = load_device(deps.storage, &device_id)?;
    ensure_bindable(&device)?;
    if device.owner.as_ref() != Some(&offer.from) || device.nonce != offer.nonce {
        return Err(ContractError::TransferStale { id: device_id });
    }
    set_owner(&mut device, &env, Some(offer.to.clone()))?;
    save_device(deps.storage, &device)?;
    DEVICES_BY_OWNER.remove(deps.storage, (&offer.from, &device_id));
    DEVICES_BY_OWNER.save(deps.storage, (&offer.to, &device_id), &())?;
    drop_transfer(deps.storage, &device_id)?;
    Ok(Response::new()
        .add_attribute("action", "accept_transfer")
        .add_attribute("device_id", device_id)
        .add_attribute("from", offer.from)
        .add_attribute("to", offer.to))
}

/// `CancelTransfer`: the owner's side withdraws, the recipient's side declines.
pub fn cancel(
    deps: DepsMut,
    info: MessageInfo,
    device_id: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let offer = load_offer(&deps, &device_id)?;
    let action = if acts_for(deps.storage, &info.sender, &offer.from) {
        "cancel_transfer"
    } else if acts_for(deps.storage, &info.sender, &offer.to) {
        "decline_transfer"
    } else {
        return Err(ContractError::NotTransferParty);
    };
    drop_transfer(deps.storage, &device_id)?;
    Ok(Response::new()
        .add_attribute("action", action)
        .add_attribute("device_id", device_id)
        .add_attribute("from", offer.from)
        .add_attribute("to", offer.to))
}
