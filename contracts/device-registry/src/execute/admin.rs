//! The two-step consortium admin transfer (shared: `diachain_std::admin`).

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use diachain_std::admin;

use crate::error::ContractError;

pub fn transfer(
    deps: DepsMut,
    info: MessageInfo,
    new_admin: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    Ok(admin::transfer(
        deps.storage,
        deps.api,
        &info.sender,
        &new_admin,
    )?)
}

pub fn accept(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    Ok(admin::accept(deps.storage, &info.sender)?)
}

pub fn cancel(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    Ok(admin::cancel(deps.storage, &info.sender)?)
}
