//! Erasure records: a custodian records that it erased (crypto-shredded, off chain) what it held
//! of a patient's data at the patient's request. Nothing on chain is deleted.

use cosmwasm_std::{Binary, DepsMut, Env, MessageInfo, Response, Timestamp};
use diachain_std::consent::{
    ConsentRole, ErasureRecord, MAX_ERASURE_RECORD_DELAY_SECONDS, REQUEST_HASH_LEN,
};

use crate::access::is_member;
use crate::error::ContractError;
use crate::state::{next_id, ERASURES, ERASURE_KEYS, ERASURE_SEQ};

pub fn record_erasure(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    patient: String,
    request_hash: Binary,
    requested_at: Timestamp,
) -> Result<Response, ContractError> {
    if !is_member(deps.storage, ConsentRole::Custodian, &info.sender)? {
        return Err(ContractError::NotMember {
            role: ConsentRole::Custodian,
            address: info.sender.into_string(),
        });
    }
    cw_utils::nonpayable(&info)?;
    let patient_addr = deps.api.addr_validate(&patient)?;
    if request_hash.len() != REQUEST_HASH_LEN {
        return Err(ContractError::InvalidRequestHash {
            len: request_hash.len(),
            expected: REQUEST_HASH_LEN,
        });
    }
    // A retry of a recorded request is told so, whatever its `requested_at`.
    let key = (&patient_addr, &info.sender, request_hash.as_slice());
    if let Some(id) = ERASURE_KEYS.may_load(deps.storage, key)? {
        return Err(ContractError::ErasureAlreadyRecorded { id });
    }
    let now = env.block.time;
    // A negative age is a time in the future.
    let age_nanos = now
        .nanos()
        .checked_sub(requested_at.nanos())
        .ok_or(ContractError::RequestedInFuture { requested_at, now })?;
    if age_nanos > MAX_ERASURE_RECORD_DELAY_SECONDS.saturating_mul(1_000_000_000) {
        return Err(ContractError::RequestTooOld {
            requested_at,
            now,
            max_delay_seconds: MAX_ERASURE_RECORD_DELAY_SECONDS,
        });
    }

    let id = next_id(deps.storage, &ERASURE_SEQ)?;
    ERASURE_KEYS.save(deps.storage, key, &id)?;
    let record = ErasureRecord {
        id,
        patient: patient_addr,
        custodian: info.sender,
        request_hash,
        requested_at,
        at: now,
        height: env.block.height,
    };
    ERASURES.save(deps.storage, (&record.patient, id), &record)?;
    Ok(Response::new()
        .add_attribute("action", "record_erasure")
        .add_attribute("erasure_id", id.to_string())
        .add_attribute("patient", record.patient)
        .add_attribute("custodian", record.custodian))
}
