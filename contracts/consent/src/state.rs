//! Storage. Every per-patient or per-pair set an execute walks is capped (see `PAIR_GRANTS`).

use cosmwasm_std::{Addr, StdResult, Storage, Timestamp};
use cw_storage_plus::{Item, Map};
use diachain_std::consent::{AccessRecord, ErasureRecord, Grant, Member};
use diachain_std::wire;

/// cw2 contract name.
pub const CONTRACT_NAME: &str = "diachain:consent";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

// The consortium admin and a pending transfer are `diachain_std::admin::ADMIN` (key "admin").

#[wire]
pub struct Config {
    /// The device registry, asked `IsGuardian`.
    pub registry: Addr,
    pub max_break_glass_hours: u32,
}

/// `"config"` → Config.
pub const CONFIG: Item<Config> = Item::new("config");
/// `"listeners"` → contracts told when a research consent ends early (≤ MAX_LISTENERS).
pub const LISTENERS: Item<Vec<Addr>> = Item::new("listeners");
/// `"m" | role code (u8) | address` → Member: admitted emergency providers and custodians.
pub const MEMBERS: Map<(u8, &Addr), Member> = Map::new("m");

/// `"grant_seq"` → the last grant id given (ids start at 1).
pub const GRANT_SEQ: Item<u64> = Item::new("grant_seq");
/// `"g" | id` → every grant and break-glass session ever made (kept after it ends).
pub const GRANTS: Map<u64, Grant> = Map::new("g");
/// `"gp" | patient | id` → (): grants by patient, for listing.
pub const GRANTS_BY_PATIENT: Map<(&Addr, u64), ()> = Map::new("gp");
/// `"gg" | grantee | id` → (): grants by grantee, for listing.
pub const GRANTS_BY_GRANTEE: Map<(&Addr, u64), ()> = Map::new("gg");
/// `"pair" | patient | grantee | id` → (): the pair's grants that are not revoked and not yet
/// pruned after expiry. At most `MAX_GRANTS_PER_PAIR`; expired ones are pruned when a new grant
/// is made for the pair. `CheckAccess` and `RecordAccesses` read only these (and
/// `PAIR_LAST_ENDED`).
pub const PAIR_GRANTS: Map<(&Addr, &Addr, u64), ()> = Map::new("pair");
/// `"pair_end" | patient | grantee` → id of the pair's grant that ended (revoked or pruned)
/// most recently, so that a denial can still say why.
pub const PAIR_LAST_ENDED: Map<(&Addr, &Addr), u64> = Map::new("pair_end");
/// `"rs" | patient | study id` → id of the patient's latest research grant for the study.
pub const RESEARCH: Map<(&Addr, u64), u64> = Map::new("rs");
/// `"bg" | patient | session end (unix nanos) | id` → (): break-glass sessions not closed
/// early. Ranging from "now" skips the ended ones, so the open ones list without filtering.
pub const BREAK_GLASS: Map<(&Addr, u64, u64), ()> = Map::new("bg");

/// `"access_seq"` → the last access record id given (ids start at 1).
pub const ACCESS_SEQ: Item<u64> = Item::new("access_seq");
/// `"a" | id` → AccessRecord. Records written before 0.3.0 have no `served_at`; read them with
/// [`load_access`], which fills it in.
pub const ACCESS_LOG: Map<u64, AccessRecord> = Map::new("a");
/// `"ap" | patient | id` → (): access log by patient.
pub const ACCESS_BY_PATIENT: Map<(&Addr, u64), ()> = Map::new("ap");
/// `"ag" | grantee | id` → (): access log by grantee.
pub const ACCESS_BY_GRANTEE: Map<(&Addr, u64), ()> = Map::new("ag");

/// `"erasure_seq"` → the last erasure record id given (ids start at 1).
pub const ERASURE_SEQ: Item<u64> = Item::new("erasure_seq");
/// `"e" | patient | id` → ErasureRecord: erasures by patient, oldest first.
pub const ERASURES: Map<(&Addr, u64), ErasureRecord> = Map::new("e");
/// `"ek" | patient | custodian | request_hash` → id: each request is recorded once per
/// custodian.
pub const ERASURE_KEYS: Map<(&Addr, &Addr, &[u8]), u64> = Map::new("ek");

/// An access record; one stored before 0.3.0 (without `served_at`, which then deserializes as
/// time 0) reads as served at its record time. No access is ever recorded as served at time 0:
/// `served_at` is at most a day before the block.
pub fn load_access(storage: &dyn Storage, id: u64) -> StdResult<AccessRecord> {
    let mut record = ACCESS_LOG.load(storage, id)?;
    if record.served_at == Timestamp::default() {
        record.served_at = record.at;
    }
    Ok(record)
}

/// Takes the next id from a sequence.
pub fn next_id(storage: &mut dyn Storage, seq: &Item<u64>) -> StdResult<u64> {
    let id = seq
        .may_load(storage)?
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| cosmwasm_std::StdError::msg("id sequence overflow"))?;
    seq.save(storage, &id)?;
    Ok(id)
}
