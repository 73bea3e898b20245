//! The reading-anchors contract's notice of newly anchored readings.
//!
//! Bounded work: each contribution touches at most `MAX_ACTIVE_STUDIES_PER_PATIENT` studies (the
//! patient's active ones); every key is read once and written once per message. What is kept
//! here (per-day credited readings, the scopes seen, the counting days and counted readings of
//! each member, and the study's book of what eligible members earned) is all a claim and a
//! withdrawal need, so neither asks the anchors contract to walk a patient's devices nor
//! iterates over members. Contributions that do not count (not a member, scope not wanted,
//! outside the member's window, consent expired, study closed) are skipped, never refused, so
//! that anchoring is never blocked by the union.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use cosmwasm_std::{Addr, BlockInfo, DepsMut, Env, MessageInfo, Response, Storage};
use diachain_std::hooks::Contribution;
use diachain_std::union::{Member, Study};
use diachain_std::DataScope;

use crate::error::ContractError;
use crate::rewards::unmet;
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
    // Tally every contribution in memory (each key read once), then write each key once.
    let mut tally = Tally::default();
    for c in &contributions {
        tally.add(deps.storage, &env.block, c)?;
    }
    let counted = tally.counted;
    tally.save(deps.storage)?;
    Ok(Response::new()
        .add_attribute("action", "readings_anchored")
        .add_attribute("contributions", contributions.len().to_string())
        .add_attribute("counted", counted.to_string()))
}

/// A member as loaded, as changed, and whether it changed.
struct Loaded {
    before: Member,
    member: Member,
    dirty: bool,
}

/// A (study, patient, day) counter: what was stored before this message, and what it adds.
struct Day {
    before: u64,
    added: u64,
}

/// What a message's contributions change, loaded once and written once.
#[derive(Default)]
struct Tally {
    /// Each patient's active studies.
    patients: BTreeMap<Addr, Vec<u64>>,
    /// Loaded records with a dirty flag; `None` for a study that no longer exists.
    studies: BTreeMap<u64, Option<(Study, bool)>>,
    members: BTreeMap<(u64, Addr), Option<Loaded>>,
    days: BTreeMap<(u64, Addr, u64), Day>,
    stale: BTreeSet<(Addr, u64)>,
    counted: u64,
}

/// Whether a contribution falls in what the member's consent lets the sponsor read: its whole
/// measured span inside the member's window, anchored (and measured) before the consent
/// expires. Memberships recorded before 0.3.0 count by day.
fn in_window(member: &Member, c: &Contribution, block: &BlockInfo) -> bool {
    if let Some(expires) = &member.consent_expires {
        if expires.is_expired(block) {
            return false;
        }
        if let diachain_std::consent::Expiry::AtTime(t) = expires {
            if c.span().1 >= t.seconds() {
                return false;
            }
        }
    }
    match (member.counts_from, member.counts_to) {
        (Some(from), Some(to)) => {
            let (first, last) = c.span();
            first >= from.seconds() && last <= to.seconds()
        }
        _ => c.day >= member.from_day && c.day <= member.to_day,
    }
}

impl Tally {
    /// The patient's active studies, read once per message.
    fn studies_of(
        &mut self,
        storage: &dyn Storage,
        patient: &Addr,
    ) -> Result<Vec<u64>, ContractError> {
        if let Entry::Vacant(slot) = self.patients.entry(patient.clone()) {
            slot.insert(active_studies(storage, patient)?);
        }
        Ok(self.patients.get(patient).cloned().unwrap_or_default())
    }

    /// Credits one contribution to every active study of its patient that counts it.
    fn add(
        &mut self,
        storage: &dyn Storage,
        block: &BlockInfo,
        c: &Contribution,
    ) -> Result<(), ContractError> {
        if c.readings == 0 {
            return Ok(());
        }
        for study_id in self.studies_of(storage, &c.patient)? {
            if let Entry::Vacant(slot) = self.studies.entry(study_id) {
                let loaded = STUDIES.may_load(storage, study_id)?;
                slot.insert(loaded.map(|s| (s, false)));
            }
            let Some(Some((study, study_dirty))) = self.studies.get_mut(&study_id) else {
                self.stale.insert((c.patient.clone(), study_id));
                continue;
            };
            if block.time >= study.closes_at || study.pool.refunded.is_some() {
                self.stale.insert((c.patient.clone(), study_id));
                continue;
            }
            let wanted = study.scopes.contains(&c.scope);
            let key = (study_id, c.patient.clone());
            if let Entry::Vacant(slot) = self.members.entry(key.clone()) {
                let loaded = MEMBERS.may_load(storage, (study_id, &c.patient))?;
                slot.insert(loaded.map(|m| Loaded {
                    before: m.clone(),
                    member: m,
                    dirty: false,
                }));
            }
            let Some(Some(loaded)) = self.members.get_mut(&key) else {
                self.stale.insert((c.patient.clone(), study_id));
                continue;
            };
            let member = &mut loaded.member;
            if !member.active || !in_window(member, c, block) {
                continue;
            }
            if note_scope(member, c.scope) {
                loaded.dirty = true;
            }
            if !wanted {
                continue;
            }
            let day = match self.days.entry((study_id, c.patient.clone(), c.day)) {
                Entry::Occupied(day) => day.into_mut(),
                Entry::Vacant(slot) => slot.insert(Day {
                    before: DAY_UNITS
                        .may_load(storage, (study_id, &c.patient, c.day))?
                        .unwrap_or(0),
                    added: 0,
                }),
            };
            // The study's most readings credited per member and day, if it sets one.
            let credit = match study.eligibility.max_readings_per_day {
                Some(max) => c
                    .readings
                    .min(max.saturating_sub(day.before.saturating_add(day.added))),
                None => c.readings,
            };
            if credit == 0 {
                continue;
            }
            day.added = day.added.checked_add(credit).ok_or_else(overflow)?;
            member.units = member.units.checked_add(credit).ok_or_else(overflow)?;
            study.total_units = study.total_units.checked_add(credit).ok_or_else(overflow)?;
            loaded.dirty = true;
            *study_dirty = true;
            self.counted += 1;
        }
        Ok(())
    }

    /// Writes every changed key once, and frees the slots of memberships that no longer count.
    /// In studies that keep a book of what members earned, each day's new total updates the
    /// member's counting days and counted readings, and a member's change of eligibility (or of
    /// counted readings while eligible) updates the study's book.
    fn save(mut self, storage: &mut dyn Storage) -> Result<(), ContractError> {
        for ((study_id, patient, day), counter) in &self.days {
            if counter.added == 0 {
                continue;
            }
            let (before, after) = (counter.before, counter.before + counter.added);
            DAY_UNITS.save(storage, (*study_id, patient, *day), &after)?;
            let study = match self.studies.get(study_id) {
                Some(Some((study, _))) if study.earned.is_some() => study,
                _ => continue,
            };
            let min = study.eligibility.min_readings_per_day.max(1);
            if let Some(Some(loaded)) = self.members.get_mut(&(*study_id, patient.clone())) {
                count_day(&mut loaded.member, before, after, min)?;
            }
        }
        for ((study_id, patient), entry) in self.members {
            let Some(loaded) = entry else { continue };
            if !loaded.dirty {
                continue;
            }
            if let Some(Some((study, dirty))) = self.studies.get_mut(&study_id) {
                if book_earnings(study, &loaded.before, &loaded.member)? {
                    *dirty = true;
                }
            }
            MEMBERS.save(storage, (study_id, &patient), &loaded.member)?;
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

/// A day's credited readings went from `before` to `after`: a day reaching the minimum becomes
/// a counting day with all its readings; later readings of a counting day add to the count.
fn count_day(member: &mut Member, before: u64, after: u64, min: u64) -> Result<(), ContractError> {
    if after < min {
        return Ok(());
    }
    let added = if before < min {
        member.counting_days = member.counting_days.checked_add(1).ok_or_else(overflow)?;
        after
    } else {
        after - before
    };
    member.counted_units = member
        .counted_units
        .checked_add(added)
        .ok_or_else(overflow)?;
    Ok(())
}

/// The study's book follows the member: an eligible member with counted readings is one of the
/// members who earn, and what they count is earned. Eligibility and counted readings only grow, so the book
/// only grows. Returns whether it changed.
fn book_earnings(
    study: &mut Study,
    before: &Member,
    after: &Member,
) -> Result<bool, ContractError> {
    let Some(mut earned) = study.earned else {
        return Ok(false);
    };
    // What a member earns: its counted readings once eligible (a member with none earns
    // nothing, and is not counted among those who may claim).
    let earning = |m: &Member| match unmet(study, m.counting_days, m.scopes_seen.as_deref()) {
        None => m.counted_units,
        Some(_) => 0,
    };
    let (was, is) = (earning(before), earning(after));
    if is == was {
        return Ok(false);
    }
    earned.units = earned
        .units
        .checked_add(is.saturating_sub(was))
        .ok_or_else(overflow)?;
    if was == 0 {
        earned.members = earned.members.checked_add(1).ok_or_else(overflow)?;
    }
    study.earned = Some(earned);
    Ok(true)
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
