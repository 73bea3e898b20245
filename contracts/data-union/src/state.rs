//! Storage layout. Studies are keyed by id; members by (study, patient) so that a study's
//! members are a prefix scan; per-day credits by (study, patient, day) so that a claim reads at
//! most one study period (≤ 366 days) of them; and each patient's active studies by (patient,
//! study) so that the contribution hook reads at most `MAX_ACTIVE_STUDIES_PER_PATIENT` per patient.
//! Dataset manifests are keyed by (study, manifest id), with an index (study, export id) → id.

use cosmwasm_std::{Addr, Order, StdResult, Storage, Timestamp};
use cw_storage_plus::{Item, Map};
use diachain_std::union::{Manifest, Member, Study, StudyPhase, MAX_ACTIVE_STUDIES_PER_PATIENT};
use diachain_std::wire;

use crate::error::ContractError;

/// The cw2 name, stored at instantiate and compared by `migrate`: never change it.
pub const CONTRACT_NAME: &str = "crates.io:diachain-data-union";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[wire]
pub struct Config {
    pub admin_addr: Addr,
    pub anchors_addr: Addr,
    pub consent_addr: Addr,
    pub treasury_addr: Addr,
    pub fee_bps: u16,
    pub grace_period: u64,
}

pub const CONFIG: Item<Config> = Item::new("config");
/// The id of the last study created (ids start at 1).
pub const LAST_STUDY_ID: Item<u64> = Item::new("last_study_id");
/// study id → study (with its pool accounting).
pub const STUDIES: Map<u64, Study> = Map::new("studies");
/// (study id, patient) → membership; kept after leaving (it holds the credited units).
pub const MEMBERS: Map<(u64, &Addr), Member> = Map::new("members");
/// (study id, patient, UTC day) → readings credited that day while an active member.
pub const DAY_UNITS: Map<(u64, &Addr, u64), u64> = Map::new("day_units");
/// (patient, study id) → (): the studies a patient is an active member of and that have not
/// closed yet (entries of closed studies are pruned lazily). Never more than
/// `MAX_ACTIVE_STUDIES_PER_PATIENT` entries per patient.
pub const ACTIVE: Map<(&Addr, u64), ()> = Map::new("active");
/// (study id, manifest id) → a recorded dataset manifest, as JSON: a study's manifests are a
/// range of keys, by id. The contract writes them and never reads them back as `Manifest`: the
/// queries answer with the stored JSON as it is ([`manifest_json`], [`manifests_json`]), which
/// is what serializing the record again would give (a field added to `Manifest` later would be
/// missing from older records, and `#[serde(default)]` would not fill it in).
pub const MANIFESTS: Map<(u64, u64), Manifest> = Map::new("manifests");
/// (study id, export id bytes) → manifest id: an export is recorded once per study.
pub const MANIFEST_EXPORTS: Map<(u64, &[u8]), u64> = Map::new("manifest_exports");
/// study id → the id of its last manifest (ids start at 1 and are never reused, so it is also
/// how many the study holds; at most `MAX_MANIFESTS_PER_STUDY`).
pub const LAST_MANIFEST_ID: Map<u64, u64> = Map::new("last_manifest_id");

/// The ids of the patient's active studies (bounded by the cap).
pub fn active_studies(storage: &dyn Storage, patient: &Addr) -> StdResult<Vec<u64>> {
    ACTIVE
        .prefix(patient)
        .keys(storage, None, None, Order::Ascending)
        .take(MAX_ACTIVE_STUDIES_PER_PATIENT)
        .collect()
}

// Readers shared by execute handlers and queries.

pub fn load_study(storage: &dyn Storage, study_id: u64) -> Result<Study, ContractError> {
    STUDIES
        .may_load(storage, study_id)?
        .ok_or(ContractError::StudyNotFound { study_id })
}

/// Where a study stands at `now`.
pub fn phase(study: &Study, now: Timestamp) -> StudyPhase {
    if study.pool.refunded.is_some() {
        StudyPhase::Closed
    } else if now < study.closes_at {
        StudyPhase::Open
    } else if now < study.refund_after {
        StudyPhase::Claiming
    } else {
        StudyPhase::Refundable
    }
}

/// The stored JSON of a study's manifest, if there is one.
pub fn manifest_json(storage: &dyn Storage, study_id: u64, manifest_id: u64) -> Option<Vec<u8>> {
    storage.get(&MANIFESTS.key((study_id, manifest_id)))
}

/// The stored JSON of the manifest recorded for an export of a study, if any.
pub fn manifest_json_by_export(
    storage: &dyn Storage,
    study_id: u64,
    export_id: &[u8],
) -> StdResult<Option<Vec<u8>>> {
    Ok(MANIFEST_EXPORTS
        .may_load(storage, (study_id, export_id))?
        .and_then(|id| manifest_json(storage, study_id, id)))
}

/// The stored JSON of a study's manifests after `start_after`, by id. Its keys end in the id,
/// eight bytes big-endian, so the order of keys is the order of ids; ids never reach
/// `u64::MAX`, the end of the range.
pub fn manifests_json<'a>(
    storage: &'a dyn Storage,
    study_id: u64,
    start_after: Option<u64>,
) -> Box<dyn Iterator<Item = Vec<u8>> + 'a> {
    let first = start_after.map_or(0, |id| id.saturating_add(1));
    let start = MANIFESTS.key((study_id, first));
    let end = MANIFESTS.key((study_id, u64::MAX));
    Box::new(
        storage
            .range(Some(&start), Some(&end), Order::Ascending)
            .map(|(_, json)| json),
    )
}
