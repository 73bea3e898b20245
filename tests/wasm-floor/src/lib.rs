//! A minimal cosmwasm-std 3 contract: what every DiaChain contract carries before any of its own
//! code (entry points, JSON of `Env`, `MessageInfo` and `Response`, serde_json, the allocator,
//! std's panic and backtrace printing). See docs/wasm-sizes.md.

use cosmwasm_std::{
    entry_point, to_json_binary, Binary, Deps, DepsMut, Env, MessageInfo, Response, StdResult,
};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Msg {
    Set { value: String },
}

#[entry_point]
pub fn instantiate(deps: DepsMut, env: Env, info: MessageInfo, msg: Msg) -> StdResult<Response> {
    execute(deps, env, info, msg)
}

#[entry_point]
pub fn execute(deps: DepsMut, _env: Env, _info: MessageInfo, msg: Msg) -> StdResult<Response> {
    let Msg::Set { value } = msg;
    deps.storage.set(b"v", value.as_bytes());
    Ok(Response::new().add_attribute("action", "set"))
}

#[entry_point]
pub fn query(deps: Deps, _env: Env, _msg: Msg) -> StdResult<Binary> {
    to_json_binary(&deps.storage.get(b"v").map(Binary::new))
}
