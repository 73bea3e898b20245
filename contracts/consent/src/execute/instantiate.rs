//! Instantiation: the consortium admin (shared: `diachain_std::admin`), the registry, the
//! break-glass cap, the listeners, the cw2 version.

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use diachain_std::consent::{InstantiateMsg, MAX_BREAK_GLASS_HOURS};

use crate::error::ContractError;
use crate::execute::admin;
use crate::state::{Config, CONFIG, CONTRACT_NAME, CONTRACT_VERSION, LISTENERS};

pub fn instantiate(
    deps: DepsMut,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let admin_addr = match &msg.admin {
        Some(a) => deps.api.addr_validate(a)?,
        None => info.sender.clone(),
    };
    let registry_addr = deps.api.addr_validate(&msg.registry)?;
    let hours = msg.max_break_glass_hours;
    if hours == 0 || hours > MAX_BREAK_GLASS_HOURS {
        return Err(ContractError::InvalidBreakGlassCap {
            hours,
            max: MAX_BREAK_GLASS_HOURS,
        });
    }
    let listeners = admin::validate_listeners(deps.api, &msg.listeners)?;

    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    diachain_std::admin::init(deps.storage, &admin_addr)?;
    CONFIG.save(
        deps.storage,
        &Config {
            registry: registry_addr.clone(),
            max_break_glass_hours: hours,
        },
    )?;
    LISTENERS.save(deps.storage, &listeners)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", admin_addr)
        .add_attribute("registry", registry_addr)
        .add_attribute("max_break_glass_hours", hours.to_string()))
}
