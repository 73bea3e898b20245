//! The consortium admin of a contract, with a two-step transfer (propose, then accept), shared
//! by every DiaChain contract. Stored under the `admin` key.

use crate::wire;
use cosmwasm_std::{Addr, Api, Response, StdError, Storage};
use cw_storage_plus::Item;

#[wire]
pub struct AdminState {
    pub admin: Addr,
    pub pending_admin: Option<Addr>,
}

pub const ADMIN: Item<AdminState> = Item::new("admin");

#[derive(thiserror::Error, Debug)]
pub enum AdminError {
    #[error(transparent)]
    Std(#[from] StdError),
    #[error("only the consortium admin may do this")]
    NotAdmin,
    #[error("no admin transfer is pending")]
    NoPendingAdmin,
    #[error("only the proposed admin may accept the transfer")]
    NotPendingAdmin,
}

/// Stores the first admin (at instantiation).
pub fn init(storage: &mut dyn Storage, admin: &Addr) -> Result<(), AdminError> {
    ADMIN.save(
        storage,
        &AdminState {
            admin: admin.clone(),
            pending_admin: None,
        },
    )?;
    Ok(())
}

pub fn load(storage: &dyn Storage) -> Result<AdminState, AdminError> {
    Ok(ADMIN.load(storage)?)
}

pub fn is_admin(storage: &dyn Storage, sender: &Addr) -> Result<bool, AdminError> {
    Ok(ADMIN.load(storage)?.admin == *sender)
}

pub fn ensure_admin(storage: &dyn Storage, sender: &Addr) -> Result<(), AdminError> {
    if !is_admin(storage, sender)? {
        return Err(AdminError::NotAdmin);
    }
    Ok(())
}

/// Admin: propose `new_admin`.
pub fn transfer(
    storage: &mut dyn Storage,
    api: &dyn Api,
    sender: &Addr,
    new_admin: &str,
) -> Result<Response, AdminError> {
    ensure_admin(storage, sender)?;
    let new_admin_addr = api.addr_validate(new_admin)?;
    let mut state = ADMIN.load(storage)?;
    state.pending_admin = Some(new_admin_addr.clone());
    ADMIN.save(storage, &state)?;
    Ok(Response::new()
        .add_attribute("action", "transfer_admin")
        .add_attribute("pending_admin", new_admin_addr))
}

/// Proposed admin: take over.
pub fn accept(storage: &mut dyn Storage, sender: &Addr) -> Result<Response, AdminError> {
    let mut state = ADMIN.load(storage)?;
    match &state.pending_admin {
        None => return Err(AdminError::NoPendingAdmin),
        Some(p) if p != sender => return Err(AdminError::NotPendingAdmin),
        Some(_) => {}
    }
    state.admin = sender.clone();
    state.pending_admin = None;
    ADMIN.save(storage, &state)?;
    Ok(Response::new()
        .add_attribute("action", "accept_admin")
        .add_attribute("admin", sender))
}

/// Admin: withdraw a pending proposal.
pub fn cancel(storage: &mut dyn Storage, sender: &Addr) -> Result<Response, AdminError> {
    ensure_admin(storage, sender)?;
    let mut state = ADMIN.load(storage)?;
    if state.pending_admin.take().is_none() {
        return Err(AdminError::NoPendingAdmin);
    }
    ADMIN.save(storage, &state)?;
    Ok(Response::new().add_attribute("action", "cancel_admin_transfer"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cosmwasm_std::testing::{MockApi, MockStorage};

    #[test]
    fn transfer_takes_two_steps_and_each_step_checks_its_sender() {
        let api = MockApi::default();
        let mut s = MockStorage::new();
        let (admin, next, stranger) = (
            api.addr_make("admin"),
            api.addr_make("next"),
            api.addr_make("stranger"),
        );
        init(&mut s, &admin).unwrap();
        assert!(matches!(
            transfer(&mut s, &api, &stranger, next.as_str()),
            Err(AdminError::NotAdmin)
        ));
        assert!(matches!(
            accept(&mut s, &next),
            Err(AdminError::NoPendingAdmin)
        ));
        assert!(matches!(
            cancel(&mut s, &admin),
            Err(AdminError::NoPendingAdmin)
        ));
        assert!(matches!(
            transfer(&mut s, &api, &admin, "bad"),
            Err(AdminError::Std(_))
        ));
        transfer(&mut s, &api, &admin, next.as_str()).unwrap();
        assert_eq!(load(&s).unwrap().pending_admin, Some(next.clone()));
        assert!(matches!(
            accept(&mut s, &stranger),
            Err(AdminError::NotPendingAdmin)
        ));
        assert!(matches!(cancel(&mut s, &next), Err(AdminError::NotAdmin)));
        cancel(&mut s, &admin).unwrap();
        assert!(matches!(
            accept(&mut s, &next),
            Err(AdminError::NoPendingAdmin)
        ));
        transfer(&mut s, &api, &admin, next.as_str()).unwrap();
        accept(&mut s, &next).unwrap();
        assert_eq!(
            load(&s).unwrap(),
            AdminState {
                admin: next.clone(),
                pending_admin: None
            }
        );
        assert!(matches!(
            ensure_admin(&s, &admin),
            Err(AdminError::NotAdmin)
        ));
        ensure_admin(&s, &next).unwrap();
    }
}
