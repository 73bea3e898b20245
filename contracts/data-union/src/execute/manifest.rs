//! Dataset manifests (`docs/research-data.md`, section 1): an admitted custodian of the consent
//! contract records, for a study, what one research dataset export holds — counts per scope,
//! the members, the period, the format and the Merkle root of its canonical rows. Counts, times
//! and a hash only: nothing about a single participant, and no free text.

use cosmwasm_std::{Addr, Deps, DepsMut, Env, MessageInfo, Response, Storage, Timestamp};
use diachain_std::consent::ConsentRole;
use diachain_std::encoding::SECONDS_PER_DAY;
use diachain_std::union::{
    Manifest, NewManifest, ScopeRows, Study, EXPORT_ID_LEN, MAX_MANIFESTS_PER_STUDY,
    MAX_MANIFEST_DELAY_SECONDS, ROOT_LEN,
};
use diachain_std::{Consent, DataScope};

use super::load_study;
use crate::error::ContractError;
use crate::state::{CONFIG, LAST_MANIFEST_ID, MANIFESTS, MANIFEST_EXPORTS};

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Custodian: record the manifest of a dataset export of a study.
pub fn record_manifest(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    manifest: NewManifest,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    // 1. Check: who sends it, the study, the export not yet recorded, every field, room for one
    //    more manifest. Nothing is written.
    let custodian_addr = info.sender;
    check_custodian(deps.as_ref(), &custodian_addr)?;
    let study_id = manifest.study_id;
    let study = load_study(deps.storage, study_id)?;
    check_new_export(deps.storage, study_id, &manifest)?;
    check_manifest(&study, &manifest, env.block.time)?;
    let id = next_manifest_id(deps.storage, study_id)?;
    // 2. Plan: the record.
    let record = Manifest {
        id,
        study_id,
        custodian: custodian_addr,
        recorded_at: env.block.time,
        height: env.block.height,
        export_id: manifest.export_id,
        exported_at: manifest.exported_at,
        members: manifest.members,
        rows: manifest.rows,
        scope_rows: manifest.scope_rows,
        data_from: manifest.data_from,
        data_to: manifest.data_to,
        format: manifest.format,
        time_shifted: manifest.time_shifted,
        root: manifest.root,
    };
    // 3. Apply: the record, its export index, the study's counter.
    MANIFESTS.save(deps.storage, (study_id, id), &record)?;
    MANIFEST_EXPORTS.save(deps.storage, (study_id, record.export_id.as_slice()), &id)?;
    LAST_MANIFEST_ID.save(deps.storage, study_id, &id)?;
    Ok(Response::new()
        .add_attribute("action", "record_manifest")
        .add_attribute("study_id", study_id.to_string())
        .add_attribute("manifest_id", id.to_string())
        .add_attribute("custodian", record.custodian))
}

/// The sender is an admitted custodian of the consent contract the union is wired to (a removed
/// one no longer is).
fn check_custodian(deps: Deps, sender: &Addr) -> Result<(), ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let member = Consent(&config.consent_addr).member(
        &deps.querier,
        ConsentRole::Custodian,
        sender.as_str(),
    )?;
    member.map(|_| ()).ok_or(ContractError::NotCustodian)
}

/// The export id has its length and was not recorded for the study yet. Checked before the
/// other fields, so that a retry of a recorded export is told so, whatever else it says.
fn check_new_export(
    storage: &dyn Storage,
    study_id: u64,
    manifest: &NewManifest,
) -> Result<(), ContractError> {
    let export_id = manifest.export_id.as_slice();
    if export_id.len() != EXPORT_ID_LEN {
        return Err(ContractError::InvalidExportId {
            len: export_id.len(),
            expected: EXPORT_ID_LEN,
        });
    }
    if let Some(manifest_id) = MANIFEST_EXPORTS.may_load(storage, (study_id, export_id))? {
        return Err(ContractError::ManifestAlreadyRecorded {
            study_id,
            manifest_id,
        });
    }
    Ok(())
}

/// Every field of the manifest, against the study and the block time.
fn check_manifest(study: &Study, m: &NewManifest, now: Timestamp) -> Result<(), ContractError> {
    if m.root.len() != ROOT_LEN {
        return Err(ContractError::InvalidManifestRoot {
            len: m.root.len(),
            expected: ROOT_LEN,
        });
    }
    check_rows(study, m.rows, &m.scope_rows)?;
    check_period(study, m.data_from, m.data_to)?;
    check_exported_at(m.exported_at, now)?;
    if m.members == 0 {
        return Err(ContractError::ZeroManifestMembers);
    }
    if m.members > study.members {
        return Err(ContractError::TooManyManifestMembers {
            study_id: study.id,
            members: m.members,
            study_members: study.members,
        });
    }
    Ok(())
}

/// At least one row; each scope counted once, in order, with rows, one of the study's and never
/// `summaries_only`; the rows add up to `rows`. The list holds at most one entry per scope, so
/// the loop is bounded by the first entry out of order.
fn check_rows(study: &Study, rows: u64, scope_rows: &[ScopeRows]) -> Result<(), ContractError> {
    if rows == 0 {
        return Err(ContractError::ZeroManifestRows);
    }
    let mut sum: u64 = 0;
    let mut previous: Option<DataScope> = None;
    for entry in scope_rows {
        let scope = entry.scope;
        if let Some(previous) = previous {
            if scope == previous {
                return Err(ContractError::DuplicateScope { scope });
            }
            if scope < previous {
                return Err(ContractError::ScopeRowsUnsorted { previous, scope });
            }
        }
        previous = Some(scope);
        if scope == DataScope::SummariesOnly {
            return Err(ContractError::SummariesOnlyRows { scope });
        }
        if !study.scopes.contains(&scope) {
            return Err(ContractError::ScopeNotInStudy {
                study_id: study.id,
                scope,
            });
        }
        if entry.rows == 0 {
            return Err(ContractError::ZeroScopeRows { scope });
        }
        sum = sum.checked_add(entry.rows).ok_or_else(overflow)?;
    }
    if sum != rows {
        return Err(ContractError::ManifestRowsMismatch { rows, sum });
    }
    Ok(())
}

/// `data_from ≤ data_to`, both inside the study's data period: `data_from_day × 86,400 ..=
/// (data_to_day + 1) × 86,400 − 1` seconds.
fn check_period(
    study: &Study,
    data_from: Timestamp,
    data_to: Timestamp,
) -> Result<(), ContractError> {
    if data_from > data_to {
        return Err(ContractError::InvalidManifestPeriod { data_from, data_to });
    }
    let study_from = Timestamp::from_nanos(day_start_nanos(study.data_from_day)?);
    let next_day = study.data_to_day.checked_add(1).ok_or_else(overflow)?;
    let study_to = day_start_nanos(next_day)?
        .checked_sub(NANOS_PER_SECOND)
        .ok_or_else(overflow)?;
    let study_to = Timestamp::from_nanos(study_to);
    if data_from < study_from || data_to > study_to {
        return Err(ContractError::ManifestPeriodOutsideStudy {
            study_id: study.id,
            data_from,
            data_to,
            study_from,
            study_to,
        });
    }
    Ok(())
}

/// The start of a UTC day, in nanoseconds (a study's days are at most `MAX_DAY`, so it fits).
fn day_start_nanos(day: u64) -> Result<u64, ContractError> {
    day.checked_mul(SECONDS_PER_DAY)
        .and_then(|s| s.checked_mul(NANOS_PER_SECOND))
        .ok_or_else(overflow)
}

/// `exported_at` lies neither after `now` nor more than `MAX_MANIFEST_DELAY_SECONDS` before.
fn check_exported_at(exported_at: Timestamp, now: Timestamp) -> Result<(), ContractError> {
    // A negative age is a time in the future.
    let age_nanos = now
        .nanos()
        .checked_sub(exported_at.nanos())
        .ok_or(ContractError::ExportedInFuture { exported_at, now })?;
    if age_nanos > MAX_MANIFEST_DELAY_SECONDS.saturating_mul(NANOS_PER_SECOND) {
        return Err(ContractError::ExportTooOld {
            exported_at,
            now,
            max_delay_seconds: MAX_MANIFEST_DELAY_SECONDS,
        });
    }
    Ok(())
}

/// The next manifest id of the study, if it has room for one more.
fn next_manifest_id(storage: &dyn Storage, study_id: u64) -> Result<u64, ContractError> {
    let last = LAST_MANIFEST_ID.may_load(storage, study_id)?.unwrap_or(0);
    if last >= MAX_MANIFESTS_PER_STUDY {
        return Err(ContractError::TooManyManifests {
            study_id,
            max: MAX_MANIFESTS_PER_STUDY,
        });
    }
    last.checked_add(1).ok_or_else(overflow)
}

fn overflow() -> ContractError {
    ContractError::Overflow(cosmwasm_std::OverflowError::new(
        cosmwasm_std::OverflowOperation::Add,
    ))
}
