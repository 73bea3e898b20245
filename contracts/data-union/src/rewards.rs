//! The reward rule: an end-of-study pro-rata share, computed in O(1) per member (plus one
//! bounded pass over that member's own ≤ 366 credited days).
//!
//! `payout = min(cap, floor(net_pool × counted_units / denominator))`, where `counted_units`
//! keeps only the member's days that meet the study's minimum of readings per day (see
//! [`assess`]) and the denominator is what all eligible members counted (studies from 0.3.0
//! on) or every reading credited to any member (`total_units`, older studies). Since the
//! counted readings of the eligible members add up to at most the denominator and each share is
//! rounded down, the shares never add up to more than `net_pool`; what no eligible member
//! earned (rounding dust, capped excess) goes back to the sponsor, and eligible members'
//! unclaimed shares stay claimable ([`reserved`]).

use std::collections::BTreeSet;

use cosmwasm_std::{Deps, Order, StdResult, Uint128};
use diachain_std::device::DeviceKind;
use diachain_std::union::{Member, Study};
use diachain_std::{Anchors, DataScope};

use crate::error::ContractError;
use crate::state::{Config, DAY_UNITS};

/// A member's standing in a study, from their credited days and the anchors coverage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub counting_days: u32,
    pub counted_units: u64,
    /// `None` when eligible; otherwise the first unmet requirement.
    pub unmet: Option<Unmet>,
    /// The capped pro-rata share at the study's current totals (zero when not eligible).
    pub share: Uint128,
}

/// An eligibility requirement a member does not meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmet {
    NotEnoughDays { counting_days: u32, min_days: u32 },
    MissingDeviceKind { kind: DeviceKind },
}

impl From<Unmet> for ContractError {
    fn from(unmet: Unmet) -> Self {
        match unmet {
            Unmet::NotEnoughDays {
                counting_days,
                min_days,
            } => ContractError::NotEnoughDays {
                counting_days,
                min_days,
            },
            Unmet::MissingDeviceKind { kind } => ContractError::MissingDeviceKind { kind },
        }
    }
}

/// `min(cap, floor(net × units / total))`; zero when nothing was credited.
pub fn pro_rata(
    net: Uint128,
    units: u64,
    total_units: u64,
    cap: Uint128,
) -> Result<Uint128, ContractError> {
    if units == 0 || total_units == 0 {
        return Ok(Uint128::zero());
    }
    let share = net.checked_multiply_ratio(units, total_units)?;
    Ok(share.min(cap))
}

/// Counts the member's days and checks the eligibility, then computes the capped share.
///
/// In studies created from 0.3.0 on (`study.earned` is kept) the member's `counting_days` and
/// `counted_units` are kept by the contribution hook as readings are credited. For older
/// studies they are counted here from the readings the hook credited per day (`DAY_UNITS`: at
/// most one entry per study day): a day counts if at least `min_readings_per_day` readings
/// (and at least one) of the study's scopes were credited on it. Either way the cost does not
/// depend on how many devices the patient has: nothing here walks them.
pub fn assess(
    deps: Deps,
    config: &Config,
    study: &Study,
    member: &Member,
) -> Result<Assessment, ContractError> {
    let (counting_days, counted_units) = if study.earned.is_some() {
        (member.counting_days, member.counted_units)
    } else {
        count_days(deps, study, member)?
    };
    let unmet = match unmet(study, counting_days, member.scopes_seen.as_deref()) {
        Some(unmet) => Some(unmet),
        None if member.scopes_seen.is_none() => {
            let seen = legacy_scopes_seen(deps, config, study, member)?;
            missing_kind(study, &seen)
        }
        None => None,
    };
    let share = if unmet.is_none() {
        pro_rata(
            study.pool.net(),
            counted_units,
            denominator(study),
            study.cap_per_patient,
        )?
    } else {
        Uint128::zero()
    };
    Ok(Assessment {
        counting_days,
        counted_units,
        unmet,
        share,
    })
}

/// The member's counting days and the readings credited on them, from the day counters.
fn count_days(deps: Deps, study: &Study, member: &Member) -> Result<(u32, u64), ContractError> {
    let min_per_day = study.eligibility.min_readings_per_day.max(1);
    let mut counting_days: u32 = 0;
    let mut counted_units: u64 = 0;
    // At most one entry per day of the study period (≤ MAX_STUDY_DAYS).
    for item in DAY_UNITS.prefix((study.id, &member.patient)).range(
        deps.storage,
        None,
        None,
        Order::Ascending,
    ) {
        let (_, credited) = item?;
        if credited >= min_per_day {
            counting_days = counting_days.checked_add(1).ok_or_else(overflow)?;
            counted_units = counted_units.checked_add(credited).ok_or_else(overflow)?;
        }
    }
    Ok((counting_days, counted_units))
}

/// The first eligibility requirement a member with these counting days and scopes does not
/// meet. `scopes_seen` is `None` for memberships recorded before 0.2.0: their device kinds are
/// checked by the caller, from coverage.
pub fn unmet(
    study: &Study,
    counting_days: u32,
    scopes_seen: Option<&[DataScope]>,
) -> Option<Unmet> {
    if counting_days < study.eligibility.min_days {
        return Some(Unmet::NotEnoughDays {
            counting_days,
            min_days: study.eligibility.min_days,
        });
    }
    missing_kind(study, scopes_seen?)
}

fn missing_kind(study: &Study, seen: &[DataScope]) -> Option<Unmet> {
    study
        .eligibility
        .device_kinds
        .iter()
        .find(|kind| !seen.contains(&kind.scope()))
        .map(|kind| Unmet::MissingDeviceKind { kind: *kind })
}

/// The denominator of every share: what eligible members counted (`Study.earned`), so that the
/// pool is shared among those who earn, however many readings ineligible members add; for a
/// study created before 0.3.0 (no book), every reading credited (`total_units`).
pub fn denominator(study: &Study) -> u64 {
    study.earned.map_or(study.total_units, |e| e.units)
}

/// What eligible members may still claim, an upper bound of the sum of their shares (each is
/// rounded down, and capped): `min(floor(net × (earned − claimed) / earned), cap × unclaimed
/// members)`. Zero for a study created before 0.3.0 (it keeps no book) or with nothing earned.
pub fn reserved(study: &Study) -> StdResult<Uint128> {
    let Some(earned) = study.earned else {
        return Ok(Uint128::zero());
    };
    let unclaimed = earned.units.saturating_sub(earned.claimed_units);
    if unclaimed == 0 || earned.units == 0 {
        return Ok(Uint128::zero());
    }
    let shares = study
        .pool
        .net()
        .checked_multiply_ratio(unclaimed, earned.units)?;
    let members = earned.members.saturating_sub(earned.claimed_members);
    let capped = study.cap_per_patient.saturating_mul(Uint128::from(members));
    Ok(shares.min(capped))
}

/// The scopes a member recorded before 0.2.0 (which did not keep them) contributed in the study
/// period: one `Coverage` query to the anchors contract.
fn legacy_scopes_seen(
    deps: Deps,
    config: &Config,
    study: &Study,
    member: &Member,
) -> Result<Vec<DataScope>, ContractError> {
    let coverage = Anchors(&config.anchors_addr).coverage(
        &deps.querier,
        member.patient.as_str(),
        study.data_from_day,
        study.data_to_day,
    )?;
    Ok(coverage
        .days
        .iter()
        .filter(|d| d.readings > 0)
        .map(|d| d.scope)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect())
}

fn overflow() -> ContractError {
    ContractError::Overflow(cosmwasm_std::OverflowError::new(
        cosmwasm_std::OverflowOperation::Add,
    ))
}
