//! Admitting and removing emergency providers and custodians.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use diachain_std::consent::{ConsentRole, Member};

use crate::error::ContractError;
use crate::state::MEMBERS;

pub fn admit_member(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    role: ConsentRole,
    address: String,
) -> Result<Response, ContractError> {
    diachain_std::admin::ensure_admin(deps.storage, &info.sender)?;
    cw_utils::nonpayable(&info)?;
    let member_addr = deps.api.addr_validate(&address)?;
    if MEMBERS.has(deps.storage, (role.code(), &member_addr)) {
        return Err(ContractError::AlreadyMember {
            role,
            address: member_addr.into_string(),
        });
    }
    let member = Member {
        address: member_addr.clone(),
        role,
        admitted_at: env.block.time,
    };
    MEMBERS.save(deps.storage, (role.code(), &member_addr), &member)?;
    Ok(Response::new()
        .add_attribute("action", "admit_member")
        .add_attribute("role", format!("{role:?}"))
        .add_attribute("address", member_addr))
}

pub fn remove_member(
    deps: DepsMut,
    info: MessageInfo,
    role: ConsentRole,
    address: String,
) -> Result<Response, ContractError> {
    diachain_std::admin::ensure_admin(deps.storage, &info.sender)?;
    cw_utils::nonpayable(&info)?;
    let member_addr = deps.api.addr_validate(&address)?;
    if !MEMBERS.has(deps.storage, (role.code(), &member_addr)) {
        return Err(ContractError::NotMember {
            role,
            address: member_addr.into_string(),
        });
    }
    MEMBERS.remove(deps.storage, (role.code(), &member_addr));
    Ok(Response::new()
        .add_attribute("action", "remove_member")
        .add_attribute("role", format!("{role:?}"))
        .add_attribute("address", member_addr))
}
