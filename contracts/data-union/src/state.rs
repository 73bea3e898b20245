//! Storage layout. Studies are keyed by id; members by (study, patient) so that a study's
//! members are a prefix scan; per-day credits by (study, patient, day) so that a claim reads at
//! most one study period (≤ 366 days) of them; and each patient's active studies by (patient,
//! study) so that the contribution hook reads at most `MAX_ACTIVE_STUDIES_PER_PATIENT` per patient.

use cosmwasm_std::{Addr, Order, StdResult, Storage, Timestamp};
use cw_storage_plus::{Item, Map};
use diachain_std::union::{Member, Study, StudyPhase, MAX_ACTIVE_STUDIES_PER_PATIENT};
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
