//! The contracts' message handlers in cw-multi-test: sequences of execute messages, from any
//! sender, to the four contracts wired together (`diachain_testing::SuiteBuilder`), starting
//! from states of the patient's journey (`diachain_integration::journey`): before anything,
//! after the devices are bound, after the study opened and the patients joined, and after the
//! rewards were claimed.
//!
//! A step is a message made from a template (`templates`) — every execute message of every
//! contract, its parameters and any one JSON leaf taken from the fuzzer's bytes, with valid
//! signatures and proofs where the message carries them — or raw bytes sent as a message, or a
//! move of the block time. Whatever the step, no handler panics (a panic fails the target), and
//! after every step the state's invariants hold (`invariants`).

mod invariants;
mod snapshot;
mod templates;

use cosmwasm_std::{coins, Addr, Binary, CosmosMsg, WasmMsg};
use cw_multi_test::Executor;
use diachain_testing::{Suite, DENOM};
use serde_json::Value;

use crate::input::{Input, Output};

pub use invariants::{check_invariants, Totals};
pub use snapshot::{start, STARTS};
pub use templates::TEMPLATES;

/// Most steps one input runs.
pub const MAX_STEPS: usize = 12;

/// Which contract of the suite.
pub fn contract(s: &Suite, which: u8) -> Addr {
    match which % 4 {
        0 => s.registry.clone(),
        1 => s.anchors.clone(),
        2 => s.consent.clone(),
        _ => s.union.clone(),
    }
}

/// A message to send.
pub struct Message {
    pub sender: Addr,
    pub contract: Addr,
    pub msg: Vec<u8>,
    pub funds: u128,
}

/// Target `contracts`: the first byte picks the starting state; then up to `MAX_STEPS` steps,
/// each a kind byte (0: time moves on by a u32 of seconds; 1: raw bytes as a message to a
/// contract from an actor; otherwise a template) and its parameters.
pub fn contracts(bytes: &[u8]) {
    let mut input = Input::new(bytes);
    let mut s = start(input.u8());
    let totals = Totals::of(&s);
    for _ in 0..MAX_STEPS {
        if input.is_empty() {
            break;
        }
        match input.u8() % 8 {
            0 => {
                let seconds = u64::from(input.u32() % (400 * 86_400));
                let time = s.now().saturating_add(seconds);
                s.set_time(time);
            }
            1 => {
                let m = Message {
                    sender: actor(&s, input.u8()),
                    contract: contract(&s, input.u8()),
                    funds: u128::from(input.u16()),
                    msg: input.blob(255).to_vec(),
                };
                send(&mut s, m);
            }
            _ => {
                let m = templates::message(&s, &mut input);
                send(&mut s, m);
            }
        }
        check_invariants(&s, &totals);
    }
}

/// Every actor of the story, by index.
pub fn actor(s: &Suite, index: u8) -> Addr {
    let all = s.actors.all();
    all[usize::from(index) % all.len()].1.clone()
}

/// Sends a message; a refusal is an error value (multi-test reverts its writes), and a panic in
/// a handler fails the target. The sender holds only what genesis gave it: funds it does not
/// have are refused by the bank before the contract runs.
fn send(s: &mut Suite, m: Message) {
    let funds = if m.funds == 0 {
        vec![]
    } else {
        coins(m.funds, DENOM)
    };
    let msg = CosmosMsg::Wasm(WasmMsg::Execute {
        contract_addr: m.contract.to_string(),
        msg: Binary::new(m.msg),
        funds,
    });
    let _ = s.app.execute(m.sender, msg);
}

/// Replaces one leaf of `msg` (the `index`-th, depth first) with a scalar from the bytes: a
/// number (small, large or negative), a string, a boolean or null.
pub fn mutate(msg: &mut Value, input: &mut Input) {
    let mut leaves = Vec::new();
    collect_leaves(msg, &mut leaves, String::new());
    if leaves.is_empty() {
        return;
    }
    let path = leaves[usize::from(input.u8()) % leaves.len()].clone();
    let value = match input.u8() % 7 {
        0 => Value::from(input.u8()),
        1 => Value::from(input.u64()),
        2 => Value::from(-i64::from(input.u16())),
        3 => Value::from(input.string(64)),
        4 => Value::from(input.u64().to_string()),
        5 => Value::Bool(input.bool()),
        _ => Value::Null,
    };
    if let Some(slot) = msg.pointer_mut(&path) {
        *slot = value;
    }
}

fn collect_leaves(v: &Value, out: &mut Vec<String>, path: String) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                collect_leaves(child, out, format!("{path}/{k}"));
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                collect_leaves(child, out, format!("{path}/{i}"));
            }
        }
        _ => out.push(path),
    }
}

/// The corpus side: a step that sends template `t` unchanged, with `params` as its parameters.
pub fn write_template_step(out: &mut Output, t: u8, params: &[u8]) {
    out.u8(2).u8(t).u8(0).bytes(params).u8(0);
}
