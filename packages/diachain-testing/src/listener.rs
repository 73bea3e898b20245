//! One hook-recording listener contract: it keeps every message it is sent, in order, and
//! answers any query with them. [`failing_listener`] refuses every message instead.

use cosmwasm_std::{
    from_json, to_json_binary, Addr, Binary, Deps, DepsMut, Empty, Env, MessageInfo,
    QuerierWrapper, Response, StdError, StdResult,
};
use cw_multi_test::{Contract, ContractWrapper};
use cw_storage_plus::Item;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Every message received, as sent.
const HEARD: Item<Vec<Binary>> = Item::new("heard");

fn instantiate(deps: DepsMut, _: Env, _: MessageInfo, _: Empty) -> StdResult<Response> {
    HEARD.save(deps.storage, &vec![])?;
    Ok(Response::new())
}

fn record<T: Serialize>(deps: DepsMut, _: Env, _: MessageInfo, msg: T) -> StdResult<Response> {
    let mut heard = HEARD.load(deps.storage)?;
    heard.push(to_json_binary(&msg)?);
    HEARD.save(deps.storage, &heard)?;
    Ok(Response::new())
}

fn refuse<T>(_: DepsMut, _: Env, _: MessageInfo, _: T) -> StdResult<Response> {
    Err(StdError::msg("broken listener"))
}

fn query(deps: Deps, _: Env, _: Empty) -> StdResult<Binary> {
    to_json_binary(&HEARD.load(deps.storage)?)
}

/// A listener that accepts hook messages of type `T` (and only those) and records each.
/// Instantiate it with `Empty {}`; read what it heard with [`heard`].
pub fn hook_listener<T>() -> Box<dyn Contract<Empty>>
where
    T: Serialize + DeserializeOwned + 'static,
{
    Box::new(ContractWrapper::new(record::<T>, instantiate, query))
}

/// A listener that refuses every hook message of type `T` with "broken listener".
pub fn failing_listener<T>() -> Box<dyn Contract<Empty>>
where
    T: DeserializeOwned + 'static,
{
    Box::new(ContractWrapper::new(refuse::<T>, instantiate, query))
}

/// Every hook message `listener` received, oldest first.
pub fn heard<T: DeserializeOwned>(querier: &QuerierWrapper, listener: &Addr) -> Vec<T> {
    let raw: Vec<Binary> = querier
        .query_wasm_smart(listener, &Empty {})
        .unwrap_or_else(|e| panic!("listener {listener}: {e}"));
    raw.iter()
        .map(|m| from_json(m).unwrap_or_else(|e| panic!("listener {listener} heard {m}: {e}")))
        .collect()
}
