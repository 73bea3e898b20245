//! Guardians: addresses that act for a patient (a parent for a child with type 1 diabetes).

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};

use diachain_std::registry::GuardianAppointer;

use crate::error::ContractError;
use crate::state::{save_guardian, GUARDIANS};

pub fn add(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    patient: Option<String>,
    guardian: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let patient_addr = match patient {
        Some(p) => deps.api.addr_validate(&p)?,
        None => info.sender.clone(),
    };
    // The patient names their own guardians; the consortium may name one for any patient (a
    // court-appointed guardian). Either way the appointment is recorded and shown to the
    // patient, who may remove it.
    let appointed_by = if patient_addr == info.sender {
        GuardianAppointer::Patient
    } else if diachain_std::admin::is_admin(deps.storage, &info.sender)? {
        GuardianAppointer::Consortium
    } else {
        return Err(ContractError::NotPatientOrAdmin {
            sender: info.sender.to_string(),
            patient: patient_addr.to_string(),
        });
    };
    let guardian_addr = deps.api.addr_validate(&guardian)?;
    if guardian_addr == patient_addr {
        return Err(ContractError::SelfGuardian);
    }
    if GUARDIANS.has(deps.storage, (&patient_addr, &guardian_addr)) {
        return Err(ContractError::GuardianExists {
            patient: patient_addr.to_string(),
            guardian,
        });
    }
    save_guardian(
        deps.storage,
        &patient_addr,
        &guardian_addr,
        appointed_by,
        env.block.time,
    );
    Ok(Response::new()
        .add_attribute("action", "add_guardian")
        .add_attribute("patient", patient_addr)
        .add_attribute("guardian", guardian_addr)
        .add_attribute("appointed_by", info.sender))
}

pub fn remove(
    deps: DepsMut,
    info: MessageInfo,
    patient: Option<String>,
    guardian: String,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let patient_addr = match patient {
        Some(p) => deps.api.addr_validate(&p)?,
        None => info.sender.clone(),
    };
    let guardian_addr = deps.api.addr_validate(&guardian)?;
    // The patient may always remove any guardian, whoever appointed them.
    let allowed = info.sender == patient_addr
        || info.sender == guardian_addr
        || diachain_std::admin::is_admin(deps.storage, &info.sender)?;
    if !allowed {
        return Err(ContractError::CannotRemoveGuardian);
    }
    if !GUARDIANS.has(deps.storage, (&patient_addr, &guardian_addr)) {
        return Err(ContractError::NotGuardian {
            patient: patient_addr.to_string(),
            guardian,
        });
    }
    GUARDIANS.remove(deps.storage, (&patient_addr, &guardian_addr));
    Ok(Response::new()
        .add_attribute("action", "remove_guardian")
        .add_attribute("patient", patient_addr)
        .add_attribute("guardian", guardian_addr))
}
