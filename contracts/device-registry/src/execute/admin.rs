//! Instantiation and the two-step consortium admin transfer.

use cosmwasm_std::{DepsMut, MessageInfo, Response};

use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::error::ContractError;
use crate::execute::ensure_admin;
use crate::msg::InstantiateMsg;
use crate::state::{Config, CONFIG};

pub fn instantiate(
    deps: DepsMut,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let admin = match msg.admin {
        Some(a) => deps.api.addr_validate(&a)?,
        None => info.sender,
    };
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(
        deps.storage,
        &Config {
            admin: admin.clone(),
            pending_admin: None,
        },
    )?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", admin))
}

pub fn transfer(
    deps: DepsMut,
    info: MessageInfo,
    new_admin: String,
) -> Result<Response, ContractError> {
    ensure_admin(deps.storage, &info.sender)?;
    let new_admin_addr = deps.api.addr_validate(&new_admin)?;
    CONFIG.update(deps.storage, |mut c| -> Result<_, ContractError> {
        c.pending_admin = Some(new_admin_addr.clone());
        Ok(c)
    })?;
    Ok(Response::new()
        .add_attribute("action", "transfer_admin")
        .add_attribute("pending_admin", new_admin_addr))
}

pub fn accept(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    match &config.pending_admin {
        None => return Err(ContractError::NoPendingAdmin),
        Some(p) if *p != info.sender => return Err(ContractError::NotPendingAdmin),
        Some(_) => {}
    }
    config.admin = info.sender.clone();
    config.pending_admin = None;
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "accept_admin")
        .add_attribute("admin", info.sender))
}

pub fn cancel(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    ensure_admin(deps.storage, &info.sender)?;
    let mut config = CONFIG.load(deps.storage)?;
    if config.pending_admin.take().is_none() {
        return Err(ContractError::NoPendingAdmin);
    }
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new().add_attribute("action", "cancel_admin_transfer"))
}
