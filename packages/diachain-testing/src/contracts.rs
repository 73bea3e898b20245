//! The contracts, wrapped for cw-multi-test.

/// Wraps the entry points of a contract module (`execute`, `instantiate`, `query`, `migrate`,
/// and `reply` when named) as a `Box<dyn cw_multi_test::Contract<Empty>>`:
/// `contract_wrapper!(crate::contract)` or `contract_wrapper!(consent::contract, reply)`.
#[macro_export]
macro_rules! contract_wrapper {
    ($($module:ident)::+) => {
        $crate::contract_wrapper!(@boxed $($module)::+ => |w| w)
    };
    ($($module:ident)::+, reply) => {
        $crate::contract_wrapper!(@boxed $($module)::+ => |w| w.with_reply(entry::reply))
    };
    (@boxed $($module:ident)::+ => |$w:ident| $more:expr) => {{
        use $($module)::+ as entry;
        let $w = $crate::__multi_test::ContractWrapper::new(
            entry::execute,
            entry::instantiate,
            entry::query,
        )
        .with_migrate(entry::migrate);
        let wrapped: ::std::boxed::Box<
            dyn $crate::__multi_test::Contract<$crate::__cosmwasm_std::Empty>,
        > = ::std::boxed::Box::new($more);
        wrapped
    }};
}

use cosmwasm_std::Addr;
#[cfg(any(
    feature = "registry",
    feature = "anchors",
    feature = "consent",
    feature = "union"
))]
use cosmwasm_std::Empty;
#[cfg(any(
    feature = "registry",
    feature = "anchors",
    feature = "consent",
    feature = "union"
))]
use cw_multi_test::Contract;
use cw_multi_test::{App, Executor};
use serde::Serialize;

/// Instantiates `code` with `msg`, administered (and migratable) by `admin`; panics with the
/// contract's error if it refuses.
pub fn instantiate<T: Serialize>(
    app: &mut App,
    admin: &Addr,
    code: u64,
    msg: &T,
    label: &str,
) -> Addr {
    app.instantiate_contract(
        code,
        admin.clone(),
        msg,
        &[],
        label,
        Some(admin.to_string()),
    )
    .unwrap_or_else(|e| panic!("instantiate {label}: {e}"))
}

/// Stores the registry's code and instantiates it with `admin` as its consortium admin (and
/// migration admin); returns its address (feature `registry`).
#[cfg(feature = "registry")]
pub fn instantiate_registry(app: &mut App, admin: &Addr) -> Addr {
    let code = app.store_code(registry_contract());
    let msg = diachain_std::registry::InstantiateMsg { admin: None };
    instantiate(app, admin, code, &msg, "device-registry")
}

/// The device registry (feature `registry`).
#[cfg(feature = "registry")]
pub fn registry_contract() -> Box<dyn Contract<Empty>> {
    contract_wrapper!(device_registry::contract)
}

/// The reading-anchors contract (feature `anchors`).
#[cfg(feature = "anchors")]
pub fn anchors_contract() -> Box<dyn Contract<Empty>> {
    contract_wrapper!(reading_anchors::contract)
}

/// The consent contract, with its reply entry point (feature `consent`).
#[cfg(feature = "consent")]
pub fn consent_contract() -> Box<dyn Contract<Empty>> {
    contract_wrapper!(consent::contract, reply)
}

/// The data union (feature `union`).
#[cfg(feature = "union")]
pub fn union_contract() -> Box<dyn Contract<Empty>> {
    contract_wrapper!(data_union::contract)
}
