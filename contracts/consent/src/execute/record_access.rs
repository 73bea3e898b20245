//! Custodians' access log.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};
use diachain_std::consent::{AccessRecord, ConsentRole, NewAccess, MAX_ACCESSES_PER_RECORD};

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
        let patient_addr = deps.api.addr_validate(&a.patient)?;
        let grantee_addr = deps.api.addr_validate(&a.grantee)?;
        if a.data_to < a.data_from {
            return Err(ContractError::InvalidDataRange {
                from: a.data_from,
                to: a.data_to,
            });
        }
        let grant_id = a.grant_id;
        let grant = GRANTS
            .may_load(deps.storage, grant_id)?
            .ok_or(ContractError::GrantNotFound { grant_id })?;
        if grant.patient != patient_addr || grant.grantee != grantee_addr {
            return Err(ContractError::GrantMismatch { grant_id });
        }
        evaluate(
            deps.storage,
            &grant,
            a.scope,
            a.data_from,
            a.data_to,
            env.block.time,
            &env.block,
        )?
        .map_err(|d| ContractError::from_denial(d, a.scope))?;
        records.push(AccessRecord {
            id: 0,
            patient: patient_addr,
            grantee: grantee_addr,
            custodian: info.sender.clone(),
            scope: a.scope,
            data_from: a.data_from,
            data_to: a.data_to,
            at: env.block.time,
            height: env.block.height,
            grant_id,
        });
    }

    let count = records.len();
    let mut first_id = 0;
    for mut record in records {
        let id = next_id(deps.storage, &ACCESS_SEQ)?;
        if first_id == 0 {
            first_id = id;
        }
        record.id = id;
        ACCESS_LOG.save(deps.storage, id, &record)?;
        ACCESS_BY_PATIENT.save(deps.storage, (&record.patient, id), &())?;
        ACCESS_BY_GRANTEE.save(deps.storage, (&record.grantee, id), &())?;
    }
    Ok(Response::new()
        .add_attribute("action", "record_accesses")
        .add_attribute("custodian", info.sender)
        .add_attribute("first_access_id", first_id.to_string())
        .add_attribute("count", count.to_string()))
}
