//! Queries. Every list is a capped page with `has_more`.

use std::collections::BTreeMap;

use cosmwasm_std::{to_json_binary, Addr, Binary, Deps, Order, StdResult};
use cw_storage_plus::Bound;
use diachain_std::device::{Participant, Role};
use diachain_std::registry::{
    AnchoringInfoResponse, ConfigResponse, DevicesResponse, GuardianInfo, KeyHolder, KeyRecord,
    PendingTransfer, MAX_ANCHORING_IDS, MAX_DEVICES_PER_QUERY,
};
use diachain_std::{Device, Page};

use crate::error::ContractError;
use crate::msg::QueryMsg;
use crate::state::{
    anchoring_view, ensure_active, guardian_info, holder_standing, load_device, load_transfer,
    DEVICES, DEVICES_BY_MANUFACTURER, DEVICES_BY_OWNER, GUARDIANS, KEY_HISTORY, PARTICIPANTS,
    TRANSFERS_FROM, TRANSFERS_TO,
};

pub fn dispatch(deps: Deps, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::Config {} => to_json_binary(&config(deps)?)?,
        QueryMsg::Device { id } => to_json_binary(&load_device(deps.storage, &id)?)?,
        QueryMsg::Devices { ids } => to_json_binary(&devices(deps, ids)?)?,
        QueryMsg::DevicesByOwner {
            owner,
            start_after,
            limit,
        } => {
            let owner_addr = deps.api.addr_validate(&owner)?;
            to_json_binary(&indexed_devices(
                deps,
                DEVICES_BY_OWNER,
                &owner_addr,
                start_after,
                limit,
            )?)?
        }
        QueryMsg::DevicesByManufacturer {
            manufacturer,
            start_after,
            limit,
        } => {
            let manufacturer_addr = deps.api.addr_validate(&manufacturer)?;
            to_json_binary(&indexed_devices(
                deps,
                DEVICES_BY_MANUFACTURER,
                &manufacturer_addr,
                start_after,
                limit,
            )?)?
        }
        QueryMsg::Participant { role, address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&PARTICIPANTS.may_load(deps.storage, (role.code(), &addr))?)?
        }
        QueryMsg::Participants {
            role,
            start_after,
            limit,
        } => to_json_binary(&participants(deps, role, start_after, limit)?)?,
        QueryMsg::AnchoringInfo {
            relayer,
            device_ids,
        } => to_json_binary(&anchoring_info(deps, relayer, device_ids)?)?,
        QueryMsg::IsActiveRelayer { address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&ensure_active(deps.storage, Role::Relayer, &addr).is_ok())?
        }
        QueryMsg::IsGuardian { patient, guardian } => {
            let patient_addr = deps.api.addr_validate(&patient)?;
            let guardian_addr = deps.api.addr_validate(&guardian)?;
            to_json_binary(&GUARDIANS.has(deps.storage, (&patient_addr, &guardian_addr)))?
        }
        QueryMsg::Guardians {
            patient,
            start_after,
            limit,
        } => to_json_binary(&guardians(deps, patient, start_after, limit)?)?,
        QueryMsg::PendingTransfer { device_id } => {
            to_json_binary(&load_transfer(deps.storage, &device_id)?)?
        }
        QueryMsg::PendingTransfersTo {
            recipient,
            start_after,
            limit,
        } => {
            let addr = deps.api.addr_validate(&recipient)?;
            to_json_binary(&transfers(deps, TRANSFERS_TO, &addr, start_after, limit)?)?
        }
        QueryMsg::PendingTransfersFrom {
            owner,
            start_after,
            limit,
        } => {
            let addr = deps.api.addr_validate(&owner)?;
            to_json_binary(&transfers(deps, TRANSFERS_FROM, &addr, start_after, limit)?)?
        }
        QueryMsg::KeyHistory {
            device_id,
            start_after,
            limit,
        } => to_json_binary(&key_history(deps, device_id, start_after, limit)?)?,
    })
}

fn config(deps: Deps) -> StdResult<ConfigResponse> {
    let c = diachain_std::admin::ADMIN.load(deps.storage)?;
    Ok(ConfigResponse {
        admin: c.admin,
        pending_admin: c.pending_admin,
    })
}

fn devices(deps: Deps, ids: Vec<String>) -> Result<DevicesResponse, ContractError> {
    if ids.len() > MAX_DEVICES_PER_QUERY {
        return Err(ContractError::TooManyIds {
            max: MAX_DEVICES_PER_QUERY,
        });
    }
    let devices = ids
        .iter()
        .map(|id| DEVICES.may_load(deps.storage, id))
        .collect::<StdResult<Vec<_>>>()?;
    Ok(DevicesResponse { devices })
}

fn anchoring_info(
    deps: Deps,
    relayer: String,
    ids: Vec<String>,
) -> Result<AnchoringInfoResponse, ContractError> {
    let relayer_addr = deps.api.addr_validate(&relayer)?;
    if ids.len() > MAX_ANCHORING_IDS {
        return Err(ContractError::TooManyIds {
            max: MAX_ANCHORING_IDS,
        });
    }
    // Each key holder's standing is read once, however many of its keys are asked about.
    let mut standing: BTreeMap<Addr, KeyHolder> = BTreeMap::new();
    let mut devices = Vec::with_capacity(ids.len());
    for id in &ids {
        let mut view = anchoring_view(deps.storage, id)?;
        if let Some(holder) = view.as_mut().and_then(|v| v.key_holder.as_mut()) {
            *holder = match standing.get(&holder.relayer) {
                Some(known) => known.clone(),
                None => {
                    let known = holder_standing(deps.storage, &holder.relayer)?;
                    standing.insert(holder.relayer.clone(), known.clone());
                    known
                }
            };
        }
        devices.push(view);
    }
    Ok(AnchoringInfoResponse {
        relayer_active: ensure_active(deps.storage, Role::Relayer, &relayer_addr).is_ok(),
        devices,
    })
}

fn indexed_devices(
    deps: Deps,
    index: cw_storage_plus::Map<(&Addr, &str), ()>,
    addr: &Addr,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<Page<Device>> {
    let start = start_after.as_deref().map(Bound::exclusive);
    let iter = index
        .prefix(addr)
        .keys(deps.storage, start, None, Order::Ascending)
        .map(|id| id.and_then(|id| DEVICES.load(deps.storage, &id)));
    Page::collect(iter, limit)
}

fn participants(
    deps: Deps,
    role: Role,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<Page<Participant>> {
    let start_addr = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let start = start_addr.as_ref().map(Bound::exclusive);
    let iter = PARTICIPANTS
        .prefix(role.code())
        .range(deps.storage, start, None, Order::Ascending)
        .map(|r| r.map(|(_, p)| p));
    Page::collect(iter, limit)
}

/// A page of the transfer offers an `(address, device id)` index holds for `addr` (made to it,
/// or by it), by device id.
fn transfers(
    deps: Deps,
    index: cw_storage_plus::Map<(&Addr, &str), ()>,
    addr: &Addr,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<Page<PendingTransfer>> {
    let start = start_after.as_deref().map(Bound::exclusive);
    let iter = index
        .prefix(addr)
        .keys(deps.storage, start, None, Order::Ascending)
        .map(|id| {
            id.and_then(|id| {
                load_transfer(deps.storage, &id)?
                    .ok_or_else(|| cosmwasm_std::StdError::msg("transfer index out of step"))
            })
        });
    Page::collect(iter, limit)
}

fn guardians(
    deps: Deps,
    patient: String,
    start_after: Option<String>,
    limit: Option<u32>,
) -> StdResult<Page<GuardianInfo>> {
    let patient_addr = deps.api.addr_validate(&patient)?;
    let start_addr = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let start = start_addr.as_ref().map(Bound::exclusive);
    let iter = GUARDIANS
        .prefix(&patient_addr)
        .keys(deps.storage, start, None, Order::Ascending)
        .map(|guardian| {
            guardian_info(deps.storage, &patient_addr, guardian?)?
                .ok_or_else(|| cosmwasm_std::StdError::msg("guardian listed but not stored"))
        });
    Page::collect(iter, limit)
}

fn key_history(
    deps: Deps,
    device_id: String,
    start_after: Option<u32>,
    limit: Option<u32>,
) -> StdResult<Page<KeyRecord>> {
    let iter = KEY_HISTORY
        .prefix(&device_id)
        .range(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .map(|r| r.map(|(_, k)| k));
    Page::collect(iter, limit)
}
