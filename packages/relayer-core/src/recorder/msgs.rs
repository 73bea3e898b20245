//! Outbox items as contract messages: every access in one `RecordAccesses`, each erasure its
//! own `RecordErasure` (consent contract), each export manifest its own `RecordManifest`
//! (data-union contract).

use cosmwasm_std::Timestamp;
use diachain_std::consent::{ExecuteMsg, NewAccess};

use crate::store::{OutboxItem, OutboxMsg};

/// One message and the contract it goes to.
#[derive(Clone, Debug, PartialEq)]
pub enum RecordMsg {
    Consent(ExecuteMsg),
    Union(diachain_std::union::ExecuteMsg),
}

pub fn to_execute_msgs(items: &[OutboxItem]) -> Vec<RecordMsg> {
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
            } => out.push(RecordMsg::Consent(ExecuteMsg::RecordErasure {
                patient: patient.clone(),
                request_hash: request_hash.clone(),
                requested_at: Timestamp::from_seconds(*requested_at),
            })),
            OutboxMsg::Manifest { manifest } => {
                out.push(RecordMsg::Union(
                    diachain_std::union::ExecuteMsg::RecordManifest {
                        manifest: manifest.clone(),
                    },
                ));
            }
        }
    }
    if !accesses.is_empty() {
        out.insert(
            0,
            RecordMsg::Consent(ExecuteMsg::RecordAccesses { accesses }),
        );
    }
    out
}
