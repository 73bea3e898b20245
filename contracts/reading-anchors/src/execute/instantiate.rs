//! Instantiation: the consortium admin (shared: `diachain_std::admin`), the registry, no
//! listeners, the cw2 version.

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use diachain_std::admin;

use crate::error::ContractError;
use crate::msg::InstantiateMsg;
use crate::state::{Config, CONFIG, CONTRACT_NAME, CONTRACT_VERSION, LISTENERS};

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
    let registry = deps.api.addr_validate(&msg.registry)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    admin::init(deps.storage, &admin_addr)?;
    CONFIG.save(
        deps.storage,
        &Config {
            registry: registry.clone(),
            sampling: vec![],
        },
    )?;
    LISTENERS.save(deps.storage, &vec![])?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", admin_addr)
        .add_attribute("registry", registry))
}
