//! Instantiation: the consortium admin (shared: `diachain_std::admin`) and the cw2 version.

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use diachain_std::admin;

use crate::error::ContractError;
use crate::msg::InstantiateMsg;
use crate::state::{CONTRACT_NAME, CONTRACT_VERSION};

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
