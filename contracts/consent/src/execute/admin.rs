//! Admin transfer (two steps, shared: `diachain_std::admin`) and the listener list.

use cosmwasm_std::{Addr, DepsMut, MessageInfo, Response};
use diachain_std::admin;
use diachain_std::consent::MAX_LISTENERS;

use crate::error::ContractError;
use crate::state::LISTENERS;

pub fn transfer_admin(
    deps: DepsMut,
    info: MessageInfo,
    new_admin: String,
) -> Result<Response, ContractError> {
    admin::ensure_admin(deps.storage, &info.sender)?;
    cw_utils::nonpayable(&info)?;
    Ok(admin::transfer(
        deps.storage,
        deps.api,
        &info.sender,
        &new_admin,
    )?)
}

pub fn accept_admin(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    match admin::load(deps.storage)?.pending_admin {
        None => return Err(ContractError::NoPendingAdmin),
        Some(pending_addr) if pending_addr != info.sender => {
            return Err(ContractError::NotPendingAdmin)
        }
        Some(_) => {}
    }
    cw_utils::nonpayable(&info)?;
    Ok(admin::accept(deps.storage, &info.sender)?)
}

pub fn cancel_admin_transfer(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    admin::ensure_admin(deps.storage, &info.sender)?;
    cw_utils::nonpayable(&info)?;
    Ok(admin::cancel(deps.storage, &info.sender)?)
}

/// Validates a listener list: at most `MAX_LISTENERS`, valid addresses, no duplicates.
pub fn validate_listeners(
    api: &dyn cosmwasm_std::Api,
    listeners: &[String],
) -> Result<Vec<Addr>, ContractError> {
    if listeners.len() > MAX_LISTENERS {
        return Err(ContractError::TooManyListeners { max: MAX_LISTENERS });
    }
    let mut addrs: Vec<Addr> = Vec::with_capacity(listeners.len());
    for l in listeners {
        let addr = api.addr_validate(l)?;
        if addrs.contains(&addr) {
            return Err(ContractError::DuplicateListener(addr.to_string()));
        }
        addrs.push(addr);
    }
    Ok(addrs)
}

pub fn set_listeners(
    deps: DepsMut,
    info: MessageInfo,
    listeners: Vec<String>,
) -> Result<Response, ContractError> {
    admin::ensure_admin(deps.storage, &info.sender)?;
    cw_utils::nonpayable(&info)?;
    let addrs = validate_listeners(deps.api, &listeners)?;
    LISTENERS.save(deps.storage, &addrs)?;
    Ok(Response::new()
        .add_attribute("action", "set_listeners")
        .add_attribute("listeners", addrs.len().to_string()))
}
