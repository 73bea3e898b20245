//! The reading-anchors contract's notice of newly anchored readings.
//!
//! Bounded work: each contribution touches at most `MAX_ACTIVE_STUDIES_PER_PATIENT` studies (the
//! patient's active ones); every key is read once and written once per message. What is kept
//! here (per-day credited readings, the scopes seen) is all a claim needs, so a claim never asks
//! the anchors contract to walk a patient's devices. Contributions
//! that do not count (not a member, scope not wanted, day outside the member's window, study
//! closed) are skipped, never refused, so that anchoring is never blocked by the union.

use std::collections::{BTreeMap, BTreeSet};

use cosmwasm_std::{Addr, DepsMut, Env, MessageInfo, Response, Storage, Timestamp};
use diachain_std::hooks::Contribution;
use diachain_std::union::{Member, Study};
use diachain_std::DataScope;

use crate::error::ContractError;
use crate::state::{active_studies, ACTIVE, CONFIG, DAY_UNITS, MEMBERS, STUDIES};

pub fn readings_anchored(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    contributions: Vec<Contribution>,
) -> Result<Response, ContractError> {
    cw_utils::nonpayable(&info)?;
    let config = CONFIG.load(deps.storage)?;
    if info.sender != config.anchors_addr {
        return Err(ContractError::NotAnchors);
    }
    let now = env.block.time;
    // Tally every contribution in memory (each key read once), then write each key once.
    let mut tally = Tally::default();
    for c in &contributions {
        tally.add(deps.storage, now, c)?;
    }
    let counted = tally.counted;
    tally.save(deps.storage)?;
    Ok(Response::new()
        .add_attribute("action", "readings_anchored")
        .add_attribute("contributions", contributions.len().to_string())
        .add_attribute("counted", counted.to_string()))
}

/// What a message's contributions change, loaded once and written once.
#[derive(Default)]
struct Tally {
    /// Each patient's active studies.
    patients: BTreeMap<Addr, Vec<u64>>,
    /// Loaded records with a dirty flag; `None` for a study that no longer exists.
    studies: BTreeMap<u64, Option<(Study, bool)>>,
    members: BTreeMap<(u64, Addr), Option<(Member, bool)>>,
    days: BTreeMap<(u64, Addr, u64), u64>,
    stale: BTreeSet<(Addr, u64)>,
    counted: u64,
}

impl Tally {
    /// Credits one contribution to every active study of its patient that counts it.
    fn add(
        &mut self,
        storage: &dyn Storage,
        now: Timestamp,
        c: &Contribution,
    ) -> Result<(), ContractError> {
        if c.readings == 0 {
            return Ok(());
        }
        if let std::collections::btree_map::Entry::Vacant(slot) =
            self.patients.entry(c.patient.clone())
        {
            slot.insert(active_studies(storage, &c.patient)?);
        }
        let ids = self.patients.get(&c.patient).cloned().unwrap_or_default();
        for study_id in ids {
            if let std::collections::btree_map::Entry::Vacant(slot) = self.studies.entry(study_id) {
                let loaded = STUDIES.may_load(storage, study_id)?;
                slot.insert(loaded.map(|s| (s, false)));
            }
            let Some(Some((study, study_dirty))) = self.studies.get_mut(&study_id) else {
                self.stale.insert((c.patient.clone(), study_id));
                continue;
            };
            if now >= study.closes_at || study.pool.refunded.is_some() {
                self.stale.insert((c.patient.clone(), study_id));
                continue;
            }
            let wanted = study.scopes.contains(&c.scope);
            let key = (study_id, c.patient.clone());
            if let std::collections::btree_map::Entry::Vacant(slot) =
                self.members.entry(key.clone())
            {
                let loaded = MEMBERS.may_load(storage, (study_id, &c.patient))?;
                slot.insert(loaded.map(|m| (m, false)));
            }
            let Some(Some((member, member_dirty))) = self.members.get_mut(&key) else {
                self.stale.insert((c.patient.clone(), study_id));
                continue;
            };
            if !member.active || c.day < member.from_day || c.day > member.to_day {
                continue;
            }
            if note_scope(member, c.scope) {
                *member_dirty = true;
            }
            if !wanted {
                continue;
            }
            member.units = member.units.checked_add(c.readings).ok_or_else(overflow)?;
            study.total_units = study
                .total_units
                .checked_add(c.readings)
                .ok_or_else(overflow)?;
            let day = self
                .days
                .entry((study_id, c.patient.clone(), c.day))
                .or_default();
            *day = day.checked_add(c.readings).ok_or_else(overflow)?;
            *member_dirty = true;
            *study_dirty = true;
            self.counted += 1;
        }
        Ok(())
    }

    /// Writes every changed key once, and frees the slots of memberships that no longer count.
    fn save(self, storage: &mut dyn Storage) -> Result<(), ContractError> {
        for ((study_id, patient, day), readings) in self.days {
            let key = (study_id, &patient, day);
            let before = DAY_UNITS.may_load(storage, key)?.unwrap_or(0);
            let after = before.checked_add(readings).ok_or_else(overflow)?;
            DAY_UNITS.save(storage, key, &after)?;
        }
        for ((study_id, patient), entry) in self.members {
            if let Some((member, true)) = entry {
                MEMBERS.save(storage, (study_id, &patient), &member)?;
            }
        }
        for (study_id, entry) in self.studies {
            if let Some((study, true)) = entry {
                STUDIES.save(storage, study_id, &study)?;
            }
        }
        for (patient, study_id) in &self.stale {
            ACTIVE.remove(storage, (patient, *study_id));
        }
        Ok(())
    }
}

/// Records that the member contributed readings of `scope`; true if it is new. Memberships
/// recorded before 0.2.0 (`None`) keep reading their scopes from coverage.
fn note_scope(member: &mut Member, scope: DataScope) -> bool {
    match &mut member.scopes_seen {
        Some(seen) if !seen.contains(&scope) => {
            seen.push(scope);
            true
        }
        _ => false,
    }
}

fn overflow() -> ContractError {
    ContractError::Overflow(cosmwasm_std::OverflowError::new(
        cosmwasm_std::OverflowOperation::Add,
    ))
}
