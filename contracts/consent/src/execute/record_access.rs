//! Custodians' access log. A custodian may record an access some time after serving it (it
//! queues records durably and sends them later): each is judged at its `served_at`, as
//! `CheckAccess` judges at `at`.

use cosmwasm_std::{Addr, Deps, DepsMut, Env, MessageInfo, Response, Storage, Timestamp};
use diachain_std::consent::{
    AccessRecord, ConsentRole, NewAccess, MAX_ACCESSES_PER_RECORD, MAX_ACCESS_RECORD_DELAY_SECONDS,
};

use crate::access::{evaluate, is_member};
use crate::error::ContractError;
use crate::state::{next_id, ACCESS_BY_GRANTEE, ACCESS_BY_PATIENT, ACCESS_LOG, ACCESS_SEQ, GRANTS};

pub fn record_accesses(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    accesses: Vec<NewAccess>,
) -> Result<Response, ContractError> {
    if !is_member(deps.storage, ConsentRole::Custodian, &info.sender)? {
        return Err(ContractError::NotMember {
            role: ConsentRole::Custodian,
            address: info.sender.into_string(),
        });
    }
    cw_utils::nonpayable(&info)?;
    if accesses.is_empty() {
        return Err(ContractError::NoAccesses);
    }
    if accesses.len() > MAX_ACCESSES_PER_RECORD {
        return Err(ContractError::TooManyAccesses {
            max: MAX_ACCESSES_PER_RECORD,
        });
    }

    // Check every access before the first write.
    let mut records = Vec::with_capacity(accesses.len());
    for a in accesses {
        records.push(check_record(deps.as_ref(), &env, &info.sender, a)?);
    }
    let count = records.len();
    let first_id = store_records(deps.storage, records)?;
    Ok(Response::new()
        .add_attribute("action", "record_accesses")
        .add_attribute("custodian", info.sender)
        .add_attribute("first_access_id", first_id.to_string())
        .add_attribute("count", count.to_string()))
}

/// One access, judged at its `served_at` as `CheckAccess` judges at `at`: the record to store
/// (its `id` is assigned when it is stored).
fn check_record(
    deps: Deps,
    env: &Env,
    custodian: &Addr,
    a: NewAccess,
) -> Result<AccessRecord, ContractError> {
    let now = env.block.time;
    let patient_addr = deps.api.addr_validate(&a.patient)?;
    let grantee_addr = deps.api.addr_validate(&a.grantee)?;
    if a.data_to < a.data_from {
        return Err(ContractError::InvalidDataRange {
            from: a.data_from,
            to: a.data_to,
        });
    }
    let served_at = a.served_at.unwrap_or(now);
    ensure_served_recently(served_at, now)?;
    let grant_id = a.grant_id;
    let grant = GRANTS
        .may_load(deps.storage, grant_id)?
        .ok_or(ContractError::GrantNotFound { grant_id })?;
    if grant.patient != patient_addr || grant.grantee != grantee_addr {
        return Err(ContractError::GrantMismatch { grant_id });
    }
    // `CheckAccess` does not consider grants made after `at`.
    if grant.granted_at > served_at {
        return Err(ContractError::ServedBeforeGrant {
            grant_id,
            granted_at: grant.granted_at,
            served_at,
        });
    }
    evaluate(
        deps.storage,
        &grant,
        a.scope,
        a.data_from,
        a.data_to,
        served_at,
        &env.block,
    )?
    .map_err(|d| ContractError::from_denial(d, a.scope))?;
    Ok(AccessRecord {
        id: 0,
        patient: patient_addr,
        grantee: grantee_addr,
        custodian: custodian.clone(),
        scope: a.scope,
        data_from: a.data_from,
        data_to: a.data_to,
        at: now,
        height: env.block.height,
        grant_id,
        served_at,
    })
}

/// Stores the records with their indexes, each under the next access id; returns the first id.
fn store_records(
    storage: &mut dyn Storage,
    records: Vec<AccessRecord>,
) -> Result<u64, ContractError> {
    let mut first_id = 0;
    for mut record in records {
        let id = next_id(storage, &ACCESS_SEQ)?;
        if first_id == 0 {
            first_id = id;
        }
        record.id = id;
        ACCESS_LOG.save(storage, id, &record)?;
        ACCESS_BY_PATIENT.save(storage, (&record.patient, id), &())?;
        ACCESS_BY_GRANTEE.save(storage, (&record.grantee, id), &())?;
    }
    Ok(first_id)
}

/// `served_at` lies neither after `now` nor more than `MAX_ACCESS_RECORD_DELAY_SECONDS` before.
fn ensure_served_recently(served_at: Timestamp, now: Timestamp) -> Result<(), ContractError> {
    // A negative age is a time in the future.
    let age_nanos = now
        .nanos()
        .checked_sub(served_at.nanos())
        .ok_or(ContractError::ServedInFuture { served_at, now })?;
    if age_nanos > MAX_ACCESS_RECORD_DELAY_SECONDS.saturating_mul(1_000_000_000) {
        return Err(ContractError::ServedTooLongAgo {
            served_at,
            now,
            max_delay_seconds: MAX_ACCESS_RECORD_DELAY_SECONDS,
        });
    }
    Ok(())
}
