//! Instantiation and the two-step consortium admin transfer (shared: `diachain_std::admin`).

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use diachain_std::admin;

use crate::contract::{CONTRACT_NAME, CONTRACT_VERSION};
use crate::error::ContractError;
use crate::msg::InstantiateMsg;

pub fn instantiate(
    deps: DepsMut,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let admin_addr = match msg.admin {
        Some(a) => deps.api.addr_validate(&a)?,
        None => info.sender,
    };
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    admin::init(deps.storage, &admin_addr)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", admin_addr))
}

pub fn transfer(
    deps: DepsMut,
    info: MessageInfo,
    new_admin: String,
) -> Result<Response, ContractError> {
    Ok(admin::transfer(
        deps.storage,
        deps.api,
        &info.sender,
        &new_admin,
    )?)
}

pub fn accept(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    Ok(admin::accept(deps.storage, &info.sender)?)
}

pub fn cancel(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    Ok(admin::cancel(deps.storage, &info.sender)?)
}
