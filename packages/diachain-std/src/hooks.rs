//! Messages one DiaChain contract sends to the contracts listening to it. A listener's own
//! `ExecuteMsg` carries a variant of the same name and shape, so these serialize into it.

use crate::wire;
use cosmwasm_std::{to_json_binary, Addr, CosmosMsg, StdResult, WasmMsg};

use crate::scopes::DataScope;

/// Readings of one scope a patient had anchored in one batch (a batch's readings lie in one UTC
/// day): one per batch and scope, so that a listener can credit exactly the batches that lie
/// in what it counts (batches packed into one submission are never merged).
#[wire]
pub struct Contribution {
    pub patient: Addr,
    pub scope: DataScope,
    /// UTC day number (unix seconds / 86400) the readings were measured on.
    pub day: u64,
    pub readings: u64,
    /// When the batch's first and last readings were measured: a listener credits the readings
    /// only if the whole span lies in what it counts. Absent from reading-anchors before 0.3.0
    /// (which summed a submission's batches per patient, scope and day): the whole day is then
    /// assumed.
    #[serde(default)]
    pub first_time: Option<u64>,
    #[serde(default)]
    pub last_time: Option<u64>,
}

impl Contribution {
    /// The measured span, inclusive: the contribution's times, or its whole day when absent.
    pub fn span(&self) -> (u64, u64) {
        let day_start = self.day.saturating_mul(crate::encoding::SECONDS_PER_DAY);
        let day_end = day_start.saturating_add(crate::encoding::SECONDS_PER_DAY - 1);
        (
            self.first_time.unwrap_or(day_start),
            self.last_time.unwrap_or(day_end),
        )
    }
}

/// From reading-anchors to its listeners (the data union): one message per listener per
/// submit, with a contribution per batch and scope, never one per reading.
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
