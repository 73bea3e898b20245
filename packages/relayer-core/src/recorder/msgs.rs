//! Outbox items as consent-contract messages: every access in one `RecordAccesses`, each
//! erasure its own `RecordErasure`.

use cosmwasm_std::Timestamp;
use diachain_std::consent::{ExecuteMsg, NewAccess};

use crate::store::{OutboxItem, OutboxMsg};

pub fn to_execute_msgs(items: &[OutboxItem]) -> Vec<ExecuteMsg> {
    let mut accesses = Vec::new();
    let mut out = Vec::new();
    for item in items {
        match &item.msg {
            OutboxMsg::Access {
                patient,
                grantee,
                scope,
                data_from,
                data_to,
                grant_id,
                served_at_ns,
            } => accesses.push(NewAccess {
                patient: patient.clone(),
                grantee: grantee.clone(),
                scope: *scope,
                data_from: Timestamp::from_seconds(*data_from),
                data_to: Timestamp::from_seconds(*data_to),
                grant_id: *grant_id,
                served_at: Some(Timestamp::from_nanos(*served_at_ns)),
            }),
            OutboxMsg::Erasure {
                patient,
                request_hash,
                requested_at,
            } => out.push(ExecuteMsg::RecordErasure {
                patient: patient.clone(),
                request_hash: request_hash.clone(),
                requested_at: Timestamp::from_seconds(*requested_at),
            }),
        }
    }
    if !accesses.is_empty() {
        out.insert(0, ExecuteMsg::RecordAccesses { accesses });
    }
    out
}
