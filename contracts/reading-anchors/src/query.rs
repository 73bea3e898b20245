//! Queries. Every list is a capped page with `has_more`.

use std::collections::BTreeMap;

use cosmwasm_std::{to_json_binary, Binary, Deps, Order, StdResult};
use cw_storage_plus::Bound;
use diachain_std::anchors::{
    BatchInfo, ConfigResponse, CoverageResponse, CursorResponse, DayCoverage, Gap, ProofResponse,
    MAX_COVERAGE_DAYS,
};
use diachain_std::merkle::{verify_inclusion, Hash};
use diachain_std::{DataScope, Page};

use crate::error::ContractError;
use crate::msg::QueryMsg;
use crate::state::{day_readings, BatchRecord, Batches, CONFIG, GAPS, LISTENERS, PATIENT_DAYS};

pub fn dispatch(deps: Deps, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::Config {} => to_json_binary(&config(deps)?)?,
        QueryMsg::Batch { device_id, seq } => to_json_binary(&batch(deps, &device_id, seq)?)?,
        QueryMsg::Batches {
            device_id,
            start_after,
            limit,
        } => to_json_binary(&batches(deps, device_id, start_after, limit)?)?,
        QueryMsg::Gaps {
            device_id,
            start_after,
            limit,
        } => to_json_binary(&gaps(deps, device_id, start_after, limit)?)?,
        QueryMsg::Cursor { device_id } => to_json_binary(&CursorResponse {
            last_seq: Batches::latest(deps.storage, &device_id)?.map(|b| b.last_seq),
        })?,
        QueryMsg::VerifyProof {
            device_id,
            seq,
            leaf_hash,
            path,
        } => to_json_binary(&verify_proof(deps, device_id, seq, leaf_hash, path)?)?,
        QueryMsg::Coverage {
            patient,
            from_day,
            to_day,
        } => to_json_binary(&coverage(deps, patient, from_day, to_day)?)?,
    })
}

fn config(deps: Deps) -> Result<ConfigResponse, ContractError> {
    let admin = diachain_std::admin::load(deps.storage)?;
    let config = CONFIG.load(deps.storage)?;
    Ok(ConfigResponse {
        admin: admin.admin,
        pending_admin: admin.pending_admin,
        sampling_limits: config.effective_sampling(),
        registry: config.registry,
        listeners: LISTENERS.load(deps.storage)?,
    })
}

fn info(device_id: &str, b: BatchRecord) -> BatchInfo {
    BatchInfo {
        device_id: device_id.to_string(),
        first_seq: b.first_seq,
        last_seq: b.last_seq,
        root: Binary::new(b.root.to_vec()),
        day: u64::from(b.day),
        anchored_height: b.anchored_height,
    }
}

fn batch(deps: Deps, device_id: &str, seq: u64) -> Result<BatchInfo, ContractError> {
    let b = Batches::containing(deps.storage, device_id, seq)?.ok_or_else(|| {
        ContractError::BatchNotFound {
            device_id: device_id.to_string(),
            seq,
        }
    })?;
    Ok(info(device_id, b))
}

fn batches(
    deps: Deps,
    device_id: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<BatchInfo>> {
    let from = match start_after {
        None => 0,
        Some(s) => match s.checked_add(1) {
            Some(next) => next,
            None => {
                return Ok(Page {
                    items: vec![],
                    has_more: false,
                })
            }
        },
    };
    let iter =
        Batches::from(deps.storage, &device_id, from).map(|r| r.map(|b| info(&device_id, b)));
    Page::collect(iter, limit)
}

fn gaps(
    deps: Deps,
    device_id: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> StdResult<Page<Gap>> {
    let iter = GAPS
        .prefix(&device_id)
        .range(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .map(|r| {
            r.map(|(from_seq, g)| Gap {
                device_id: device_id.clone(),
                from_seq,
                to_seq: g.to_seq,
                noticed_height: g.noticed_height,
                noticed_time: g.noticed_time,
            })
        });
    Page::collect(iter, limit)
}

fn to_hash(b: &Binary) -> Result<Hash, ContractError> {
    b.as_slice()
        .try_into()
        .map_err(|_| ContractError::InvalidHash)
}

fn verify_proof(
    deps: Deps,
    device_id: String,
    seq: u64,
    leaf_hash: Binary,
    path: Vec<Binary>,
) -> Result<ProofResponse, ContractError> {
    let leaf = to_hash(&leaf_hash)?;
    let path = path.iter().map(to_hash).collect::<Result<Vec<_>, _>>()?;
    let b = batch(deps, &device_id, seq)?;
    let root = to_hash(&b.root)?;
    // `batch` found a record holding `seq`, so first_seq <= seq <= last_seq.
    let size = b.last_seq.saturating_sub(b.first_seq).saturating_add(1);
    let valid = verify_inclusion(&leaf, seq.saturating_sub(b.first_seq), size, &path, &root);
    Ok(ProofResponse { valid, batch: b })
}

fn coverage(
    deps: Deps,
    patient: String,
    from_day: u64,
    to_day: u64,
) -> Result<CoverageResponse, ContractError> {
    let patient_addr = deps.api.addr_validate(&patient)?;
    let invalid = || ContractError::InvalidDayRange {
        from_day,
        to_day,
        max: MAX_COVERAGE_DAYS,
    };
    if to_day < from_day || to_day - from_day >= MAX_COVERAGE_DAYS {
        return Err(invalid());
    }
    let from = u32::try_from(from_day).map_err(|_| invalid())?;
    let to = u32::try_from(to_day).map_err(|_| invalid())?;
    let mut totals: BTreeMap<(u32, DataScope), u64> = BTreeMap::new();
    let entries = PATIENT_DAYS.sub_prefix(&patient_addr).range(
        deps.storage,
        Some(Bound::inclusive((from, ""))),
        None,
        Order::Ascending,
    );
    for entry in entries {
        let ((day, device_id), scope_code) = entry?;
        if day > to {
            break;
        }
        let scope = DataScope::from_code(scope_code)
            .map_err(|_| cosmwasm_std::StdError::msg("corrupt scope code"))?;
        let readings = day_readings(deps.storage, &device_id, day, Some(&patient_addr), scope)?;
        for (scope, count) in readings.iter() {
            let total = totals.entry((day, scope)).or_default();
            *total = total.saturating_add(count);
        }
    }
    Ok(CoverageResponse {
        days: totals
            .into_iter()
            .filter(|(_, readings)| *readings > 0)
            .map(|((day, scope), readings)| DayCoverage {
                day: u64::from(day),
                scope,
                readings,
            })
            .collect(),
    })
}
