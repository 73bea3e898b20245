//! What an export owes the chain: its manifest (for the data-union contract) and one access per
//! participant and scope it holds rows of (for the consent contract), built from the plan and
//! what the pass wrote. Pure; the service queues them in one durable step.

use cosmwasm_std::{Binary, Timestamp};
use diachain_std::union::{DatasetFormat, NewManifest, ScopeRows};

use super::job::JobOutcome;
use super::planner::Planned;
use crate::store::OutboxMsg;

/// What the manifest says of the export beside the pass's counts.
pub struct ExportFacts<'a> {
    pub study_id: u64,
    pub export_id: [u8; 16],
    pub exported_at_ns: u64,
    pub format: DatasetFormat,
    pub time_shifted: bool,
    pub sponsor: &'a str,
}

/// The manifest, `None` when the export holds no row (nothing is recorded then).
pub fn manifest(facts: &ExportFacts<'_>, outcome: &JobOutcome) -> Option<NewManifest> {
    let (from, to) = outcome.measured?;
    let members = outcome
        .per_participant
        .iter()
        .filter(|p| p.rows > 0)
        .count() as u64;
    Some(NewManifest {
        study_id: facts.study_id,
        export_id: Binary::new(facts.export_id.to_vec()),
        exported_at: Timestamp::from_nanos(facts.exported_at_ns),
        members,
        rows: outcome.rows,
        scope_rows: outcome
            .scope_rows
            .iter()
            .map(|(scope, rows)| ScopeRows {
                scope: *scope,
                rows: *rows,
            })
            .collect(),
        data_from: Timestamp::from_seconds(from),
        data_to: Timestamp::from_seconds(to),
        format: facts.format,
        time_shifted: facts.time_shifted,
        root: Binary::new(outcome.root.to_vec()),
    })
}

/// The manifest first, then each participant's accesses for the scopes they gave rows of, over
/// the window the grant was checked for.
pub fn outbox_msgs(
    facts: &ExportFacts<'_>,
    manifest: NewManifest,
    plan: &[Planned],
    outcome: &JobOutcome,
) -> Vec<OutboxMsg> {
    let mut msgs = vec![OutboxMsg::Manifest { manifest }];
    for (p, got) in plan.iter().zip(&outcome.per_participant) {
        for a in p.allowed.iter().filter(|a| got.scopes.contains(&a.scope)) {
            msgs.push(OutboxMsg::Access {
                patient: p.participant.patient.clone(),
                grantee: facts.sponsor.to_string(),
                scope: a.scope,
                data_from: p.participant.window.from,
                data_to: p.participant.window.to,
                grant_id: a.grant_id,
                served_at_ns: a.at_ns,
            });
        }
    }
    msgs
}
