//! The admin's rewiring (`UpdateConfig`).

use cosmwasm_std::{DepsMut, MessageInfo, Response};

use crate::error::ContractError;
use crate::state::CONFIG;

pub fn update(
    deps: DepsMut,
    info: MessageInfo,
    admin: Option<String>,
    anchors: Option<String>,
    consent: Option<String>,
    treasury: Option<String>,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let mut config = CONFIG.load(deps.storage)?;
    if info.sender != config.admin_addr {
        return Err(ContractError::NotAdmin);
    }
    if let Some(admin) = admin {
        config.admin_addr = deps.api.addr_validate(&admin)?;
    }
    if let Some(anchors) = anchors {
        config.anchors_addr = deps.api.addr_validate(&anchors)?;
    }
    if let Some(consent) = consent {
        config.consent_addr = deps.api.addr_validate(&consent)?;
    }
    if let Some(treasury) = treasury {
        config.treasury_addr = deps.api.addr_validate(&treasury)?;
    }
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "update_config")
        .add_attribute("admin", config.admin_addr)
        .add_attribute("anchors", config.anchors_addr)
        .add_attribute("consent", config.consent_addr)
        .add_attribute("treasury", config.treasury_addr))
}
