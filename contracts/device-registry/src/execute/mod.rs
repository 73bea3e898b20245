//! One file per action. Shared checks (who may act on what) live here.

pub mod admin;
pub mod bind;
pub mod guardians;
pub mod instantiate;
pub mod participants;
pub mod register;
pub mod rotate;
pub mod status;
pub mod transfer;

use cosmwasm_std::{Addr, Deps, Storage};
use diachain_std::device::{Authority, Role, MAX_TEXT_LEN};
use diachain_std::{Device, KeyCustody};

use crate::error::ContractError;
use crate::state::GUARDIANS;
pub(crate) use crate::state::{ensure_active, load_device};

pub(crate) fn ensure_admin(storage: &dyn Storage, sender: &Addr) -> Result<(), ContractError> {
    Ok(diachain_std::admin::ensure_admin(storage, sender)?)
}

pub(crate) fn is_guardian(storage: &dyn Storage, patient: &Addr, guardian: &Addr) -> bool {
    GUARDIANS.has(storage, (patient, guardian))
}

/// Whether `sender` is `patient` or one of their guardians.
pub(crate) fn acts_for(storage: &dyn Storage, sender: &Addr, patient: &Addr) -> bool {
    sender == patient || is_guardian(storage, patient, sender)
}

/// Whether `sender` registered `device` and is still active in the role it registered it in
/// (manufacturer; relayer for a key it holds): it then has the manufacturer's authority.
pub(crate) fn is_issuer(storage: &dyn Storage, device: &Device, sender: &Addr) -> bool {
    let role = match device.key_custody {
        KeyCustody::Device => Role::Manufacturer,
        KeyCustody::Relayer => Role::Relayer,
    };
    device.manufacturer == *sender && ensure_active(storage, role, sender).is_ok()
}

/// The highest authority `sender` holds over `device`, if any: the consortium admin, the
/// device's (active) manufacturer (see [`is_issuer`]), or its owner / the owner's guardian.
pub(crate) fn authority_over(
    deps: Deps,
    device: &Device,
    sender: &Addr,
) -> Result<Option<Authority>, ContractError> {
    if diachain_std::admin::is_admin(deps.storage, sender)? {
        return Ok(Some(Authority::Consortium));
    }
    if is_issuer(deps.storage, device, sender) {
        return Ok(Some(Authority::Manufacturer));
    }
    if let Some(owner) = &device.owner {
        if acts_for(deps.storage, sender, owner) {
            return Ok(Some(Authority::Owner));
        }
    }
    Ok(None)
}

pub(crate) fn ensure_text(field: &'static str, text: &str) -> Result<(), ContractError> {
    if text.is_empty() || text.len() > MAX_TEXT_LEN {
        return Err(ContractError::InvalidText {
            field,
            max: MAX_TEXT_LEN,
        });
    }
    Ok(())
}
