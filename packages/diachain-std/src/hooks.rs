//! Messages one DiaChain contract sends to the contracts listening to it. A listener's own
//! `ExecuteMsg` carries a variant of the same name and shape, so these serialize into it.

use crate::wire;
use cosmwasm_std::{to_json_binary, Addr, CosmosMsg, StdResult, WasmMsg};

use crate::scopes::DataScope;

/// Readings a patient had anchored in one submit, for one scope and UTC day.
#[wire]
pub struct Contribution {
    pub patient: Addr,
    pub scope: DataScope,
    /// UTC day number (unix seconds / 86400) the readings were measured on.
    pub day: u64,
    pub readings: u64,
}

/// From reading-anchors to its listeners (the data union): one message per listener per
/// submit, with per-patient totals, never one per reading.
#[wire]
pub enum AnchorsHookMsg {
    ReadingsAnchored { contributions: Vec<Contribution> },
}

/// From consent to its listeners (the data union) when a research consent ends before its
/// expiry (revoked, or amended so that it no longer covers the study).
#[wire]
pub enum ConsentHookMsg {
    ResearchConsentEnded {
        patient: Addr,
        study_id: u64,
        grant_id: u64,
    },
}

/// Wraps a hook message for each listener, without funds.
pub fn hook_msgs<T: serde::Serialize>(listeners: &[Addr], msg: &T) -> StdResult<Vec<CosmosMsg>> {
    let bin = to_json_binary(msg)?;
    Ok(listeners
        .iter()
        .map(|l| {
            WasmMsg::Execute {
                contract_addr: l.to_string(),
                msg: bin.clone(),
                funds: vec![],
            }
            .into()
        })
        .collect())
}
