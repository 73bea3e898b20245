//! Instantiation: fee, grace period, the wired contracts, the admin, the cw2 version.

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use diachain_std::union::{InstantiateMsg, MAX_FEE_BPS, MAX_GRACE_PERIOD, MIN_GRACE_PERIOD};

use crate::error::ContractError;
use crate::state::{Config, CONFIG, CONTRACT_NAME, CONTRACT_VERSION, LAST_STUDY_ID};

pub fn instantiate(
    deps: DepsMut,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    if msg.fee_bps > MAX_FEE_BPS {
        return Err(ContractError::FeeTooHigh {
            fee_bps: msg.fee_bps,
            max: MAX_FEE_BPS,
        });
    }
    if !(MIN_GRACE_PERIOD..=MAX_GRACE_PERIOD).contains(&msg.grace_period) {
        return Err(ContractError::InvalidGracePeriod {
            min: MIN_GRACE_PERIOD,
            max: MAX_GRACE_PERIOD,
        });
    }
    let admin_addr = match msg.admin {
        Some(admin) => deps.api.addr_validate(&admin)?,
        None => info.sender,
    };
    let config = Config {
        admin_addr,
        anchors_addr: deps.api.addr_validate(&msg.anchors)?,
        consent_addr: deps.api.addr_validate(&msg.consent)?,
        treasury_addr: deps.api.addr_validate(&msg.treasury)?,
        fee_bps: msg.fee_bps,
        grace_period: msg.grace_period,
    };
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    CONFIG.save(deps.storage, &config)?;
    LAST_STUDY_ID.save(deps.storage, &0)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", config.admin_addr)
        .add_attribute("fee_bps", config.fee_bps.to_string()))
}
