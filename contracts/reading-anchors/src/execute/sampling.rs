//! `SetSamplingLimits`: the consortium sets how often a device of each kind may plausibly
//! produce a reading (the density rule of `SubmitBatches`).

use cosmwasm_std::{DepsMut, MessageInfo, Response};
use diachain_std::admin::ensure_admin;
use diachain_std::anchors::{
    default_min_interval_seconds, SamplingLimit, MIN_INTERVAL_CEILING_SECONDS,
    MIN_INTERVAL_FLOOR_SECONDS,
};

use crate::error::ContractError;
use crate::state::CONFIG;

pub fn set(
    deps: DepsMut,
    info: MessageInfo,
    limits: Vec<SamplingLimit>,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    ensure_admin(deps.storage, &info.sender)?;
    // At most one entry per kind, so the list is bounded by the number of kinds.
    for (i, limit) in limits.iter().enumerate() {
        if limits[..i].iter().any(|l| l.kind == limit.kind) {
            return Err(ContractError::DuplicateSamplingLimit { kind: limit.kind });
        }
        let range = MIN_INTERVAL_FLOOR_SECONDS..=MIN_INTERVAL_CEILING_SECONDS;
        if !range.contains(&limit.min_interval_seconds) {
            return Err(ContractError::InvalidSamplingLimit {
                kind: limit.kind,
                got: limit.min_interval_seconds,
                min: MIN_INTERVAL_FLOOR_SECONDS,
                max: MIN_INTERVAL_CEILING_SECONDS,
            });
        }
    }
    let mut config = CONFIG.load(deps.storage)?;
    let mut response = Response::new().add_attribute("action", "set_sampling_limits");
    for limit in limits {
        config.sampling.retain(|l| l.kind != limit.kind);
        response = response.add_attribute(
            format!("{:?}", limit.kind).to_lowercase(),
            limit.min_interval_seconds.to_string(),
        );
        // Only overrides are stored; a kind set back to its default keeps no entry.
        if limit.min_interval_seconds != default_min_interval_seconds(limit.kind) {
            config.sampling.push(limit);
        }
    }
    CONFIG.save(deps.storage, &config)?;
    Ok(response)
}
