//! The contracts told about contributions (the data union), set by the admin.

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use diachain_std::admin::ensure_admin;
use diachain_std::anchors::MAX_LISTENERS;

use crate::error::ContractError;
use crate::state::LISTENERS;

pub fn add(deps: DepsMut, info: MessageInfo, address: String) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    ensure_admin(deps.storage, &info.sender)?;
    let addr = deps.api.addr_validate(&address)?;
    let mut listeners = LISTENERS.load(deps.storage)?;
    if listeners.contains(&addr) {
        return Err(ContractError::ListenerExists { address });
    }
    if listeners.len() >= MAX_LISTENERS {
        return Err(ContractError::TooManyListeners { max: MAX_LISTENERS });
    }
    listeners.push(addr.clone());
    LISTENERS.save(deps.storage, &listeners)?;
    Ok(Response::new()
        .add_attribute("action", "add_listener")
        .add_attribute("listener", addr))
}

pub fn remove(
    deps: DepsMut,
    info: MessageInfo,
    address: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    ensure_admin(deps.storage, &info.sender)?;
    let addr = deps.api.addr_validate(&address)?;
    let mut listeners = LISTENERS.load(deps.storage)?;
    let before = listeners.len();
    listeners.retain(|l| *l != addr);
    if listeners.len() == before {
        return Err(ContractError::NotListener { address });
    }
    LISTENERS.save(deps.storage, &listeners)?;
    Ok(Response::new()
        .add_attribute("action", "remove_listener")
        .add_attribute("listener", addr))
}
